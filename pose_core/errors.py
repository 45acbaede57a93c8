"""Errors with one-line messages meant for users."""


class PoseLabError(Exception):
    """Base class: ``str(err)`` is a complete one-line message for a user."""


class MediaError(PoseLabError):
    """The input cannot be read as an image or a clip."""


class ModelError(PoseLabError):
    """The pose model cannot be found or loaded."""


class Cancelled(PoseLabError):
    """The caller asked to stop a running analysis."""
