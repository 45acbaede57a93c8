"""Our BlazePose engine: the same interface as the MediaPipe Tasks adapter.

``BlazePoseEngine(model, settings, video)`` can stand wherever
``pose_core.mediapipe_tasks.Landmarker`` does. With ``max_people`` 1 it reproduces
MediaPipe's PoseLandmarker (IMAGE and VIDEO modes); with more it also searches windows,
greyed-out pictures and, with ``crowd``, tiles (see :mod:`pose_core.blazepose.search`),
and follows everyone through a clip (see :mod:`pose_core.blazepose.follow`).
"""

from __future__ import annotations

import numpy as np

from pose_core.blazepose.follow import Follower, detect_one
from pose_core.blazepose.landmarks import NUM_BODY, PoseLandmarks
from pose_core.blazepose.models import DEFAULT_THREADS, Networks
from pose_core.blazepose.overlap import separate_limbs
from pose_core.blazepose.search import Thresholds, find_people, search_regions
from pose_core.blazepose.smoothing import PoseSmoother
from pose_core.model import ModelInfo
from pose_core.poses import Detections
from pose_core.settings import Settings


def thresholds(settings: Settings) -> Thresholds:
    """MediaPipe's three confidences, from the settings."""
    return Thresholds(
        detection=settings.min_detection_confidence,
        presence=settings.min_presence_confidence,
        tracking=settings.min_tracking_confidence,
    )


def to_detections(people: list[PoseLandmarks], width: int, height: int) -> Detections:
    """People as :class:`Detections`: x, y normalized to the frame, z scaled like x."""
    if not people:
        return Detections.none()
    xy = np.stack([p.xy[:NUM_BODY] for p in people]) / np.array([width, height])
    z = np.stack([p.z[:NUM_BODY] for p in people])[..., None] / width
    return Detections(
        xyz=np.concatenate([xy, z], axis=-1).astype(np.float32),
        visibility=np.stack([p.visibility[:NUM_BODY] for p in people]).astype(np.float32),
        presence=np.stack([p.presence[:NUM_BODY] for p in people]).astype(np.float32),
        world=np.stack([p.world for p in people]).astype(np.float32),
    )


def find_in_image(
    nets: Networks, rgb: np.ndarray, max_people: int, limits: Thresholds, crowd: bool
) -> list[PoseLandmarks]:
    """Everyone in one picture, best first, at most ``max_people``."""
    if max_people == 1:
        return detect_one(nets, rgb, limits)
    h, w = rgb.shape[:2]
    people = find_people(nets, rgb, search_regions(w, h, crowd), [], limits)
    people = sorted(people, key=lambda p: -p.score)[:max_people]
    if len(people) > 1:
        people, _ = separate_limbs(nets, rgb, people, limits.presence)
    return people


class BlazePoseEngine:
    """One run (a picture, or a clip with ``video=True``) of our two-stage BlazePose.

    Holds its own interpreters: create one per run and use it from one thread.
    """

    def __init__(
        self,
        model: ModelInfo,
        settings: Settings,
        video: bool,
        crowd: bool = False,
        threads: int = DEFAULT_THREADS,
        smooth: bool | None = None,
    ) -> None:
        """``smooth``: MediaPipe's landmark smoothing; by default (None) on exactly when
        MediaPipe applies it, in VIDEO mode with ``max_people`` 1 (one person only)."""
        if smooth and (settings.max_people > 1 or not video):
            raise ValueError("landmark smoothing needs video=True and max_people 1")
        self._nets = Networks(model.path, threads)
        self._limits = thresholds(settings)
        self._max = settings.max_people
        self._crowd = crowd
        self._follower = Follower(self._nets, self._limits, self._max, crowd) if video else None
        on = smooth if smooth is not None else (video and self._max == 1)
        self._smoother = PoseSmoother() if on else None
        self._last_ms = -1

    def __enter__(self) -> BlazePoseEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release beyond memory; here for the engine interface."""

    @property
    def follower(self) -> Follower | None:
        """The clip follower (VIDEO mode), for its statistics."""
        return self._follower

    def find(self, rgb: np.ndarray) -> list[PoseLandmarks]:
        """The people in an upright RGB ``uint8`` frame, with all their landmark data."""
        if self._follower is not None:
            return self._follower.step(rgb)
        return find_in_image(self._nets, rgb, self._max, self._limits, self._crowd)

    def detect(self, rgb: np.ndarray, time_s: float = 0.0) -> Detections:
        """Poses in an upright RGB ``uint8`` frame; ``time_s`` is used in VIDEO mode.

        Frames of a clip must come in order. Like the Tasks adapter, equal or backward
        times are nudged one millisecond forward.
        """
        people = self.find(rgb)
        if self._smoother is not None:
            ms = max(int(round(time_s * 1000.0)), self._last_ms + 1)
            self._last_ms = ms
            smooth = self._smoother.apply(people[0] if people else None, ms * 1_000_000)
            people = [smooth] if smooth is not None else []
        return to_detections(people, rgb.shape[1], rgb.shape[0])
