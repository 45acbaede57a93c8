"""The MediaPipe Tasks adapter: the only module that imports mediapipe's task API.

A :class:`Landmarker` wraps one ``PoseLandmarker`` for a single run (an image, or one
clip in VIDEO mode). MediaPipe task objects keep tracking state and are not
thread-safe, so every run gets its own; only the model file path is shared.
"""

from __future__ import annotations

import numpy as np

from pose_core.errors import ModelError
from pose_core.landmarks import NUM_LANDMARKS
from pose_core.model import ModelInfo
from pose_core.poses import Detections
from pose_core.settings import Settings


class Landmarker:
    """One PoseLandmarker run. ``video=True`` tracks across frames (VIDEO mode)."""

    def __init__(self, model: ModelInfo, settings: Settings, video: bool) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self._video = video
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model.path)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_poses=settings.max_people,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_presence_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        try:
            self._task = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"could not load the pose model {model.path.name}: {first}") from None
        self._last_ms = -1

    def __enter__(self) -> Landmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._task.close()

    def detect(self, rgb: np.ndarray, time_s: float = 0.0) -> Detections:
        """Poses in an upright RGB ``uint8`` frame; ``time_s`` is used in VIDEO mode.

        VIDEO mode needs strictly increasing millisecond timestamps: equal or backward
        times (duplicated or reordered frames) are nudged forward instead of failing.
        """
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._video:
            ms = max(int(round(time_s * 1000.0)), self._last_ms + 1)
            self._last_ms = ms
            result = self._task.detect_for_video(image, ms)
        else:
            result = self._task.detect(image)
        return _to_arrays(result)


def _to_arrays(result: object) -> Detections:
    poses = result.pose_landmarks  # type: ignore[attr-defined]
    if not poses:
        return Detections.none()
    worlds = result.pose_world_landmarks  # type: ignore[attr-defined]
    n = len(poses)
    xyz = np.empty((n, NUM_LANDMARKS, 3), np.float32)
    vis = np.empty((n, NUM_LANDMARKS), np.float32)
    pres = np.empty((n, NUM_LANDMARKS), np.float32)
    world = np.full((n, NUM_LANDMARKS, 3), np.nan, np.float32)
    for i, pose in enumerate(poses):
        xyz[i] = [(p.x, p.y, p.z) for p in pose]
        vis[i] = [p.visibility or 0.0 for p in pose]
        pres[i] = [p.presence or 0.0 for p in pose]
        if i < len(worlds):
            world[i] = [(p.x, p.y, p.z) for p in worlds[i]]
    return Detections(xyz, vis, pres, world)
