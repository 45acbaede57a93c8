"""BlazePose's two stages run by us: detector, landmark model, tracking and search.

The public entry point is :class:`BlazePoseEngine`, interchangeable with
``pose_core.mediapipe_tasks.Landmarker``.
"""

from pose_core.blazepose.engine import BlazePoseEngine

__all__ = ["BlazePoseEngine"]
