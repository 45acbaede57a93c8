"""The pose engine of a run: our own two BlazePose stages (the default), or MediaPipe's
Tasks API as the reference. Both take an upright RGB frame and give its Detections."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from pose_core.blazepose import BlazePoseEngine
from pose_core.mediapipe_tasks import Landmarker
from pose_core.model import ModelInfo
from pose_core.poses import Detections
from pose_core.settings import Settings

ENGINES: dict[str, str] = {
    "ours": "PoseLab's own two stages (finds more people, faster)",
    "tasks": "MediaPipe's Tasks API (the reference)",
}


class PoseEngine(Protocol):
    """One run's engine: a picture, or a clip's frames in order. Not thread-safe."""

    def detect(self, rgb: np.ndarray, time_s: float = 0.0) -> Detections: ...

    def close(self) -> None: ...

    def __enter__(self) -> PoseEngine: ...

    def __exit__(self, *exc: object) -> None: ...


def open_engine(model: ModelInfo, settings: Settings, video: bool) -> PoseEngine:
    """A fresh engine for one run, as ``settings.engine`` says."""
    if settings.engine == "tasks":
        return Landmarker(model, settings, video)
    return BlazePoseEngine(model, settings, video, crowd=settings.crowd)
