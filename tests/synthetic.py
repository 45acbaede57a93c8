"""A synthetic standing figure with exactly known geometry, for unit tests."""

from __future__ import annotations

import numpy as np

from pose_core.landmarks import LANDMARK_INDEX, NUM_LANDMARKS
from pose_core.poses import PoseSequence

# A person facing the camera in a 1000x1000 frame, pixel coordinates, y down. Their
# left side is on the image's right. Arms hang straight down, legs straight.
STANDING_PX = {
    "nose": (500, 150),
    "left_ear": (530, 140),
    "right_ear": (470, 140),
    "left_shoulder": (560, 250),
    "right_shoulder": (440, 250),
    "left_elbow": (560, 400),
    "right_elbow": (440, 400),
    "left_wrist": (560, 550),
    "right_wrist": (440, 550),
    "left_hip": (540, 550),
    "right_hip": (460, 550),
    "left_knee": (540, 750),
    "right_knee": (460, 750),
    "left_ankle": (540, 950),
    "right_ankle": (460, 950),
    "left_foot_index": (540, 950 - 1e-6),
    "right_foot_index": (460, 950 - 1e-6),
}
SIZE = (1000, 1000)


def standing_xy() -> np.ndarray:
    """(33, 2) normalized positions; landmarks not listed sit on the nose."""
    xy = np.tile(np.asarray(STANDING_PX["nose"], float), (NUM_LANDMARKS, 1))
    for name, p in STANDING_PX.items():
        xy[LANDMARK_INDEX[name]] = p
    xy[LANDMARK_INDEX["left_foot_index"]] = (600, 960)  # foot points forward-ish: ankle ~90°
    xy[LANDMARK_INDEX["right_foot_index"]] = (400, 960)
    return xy / np.asarray(SIZE, float)


def sequence(xy_frames: np.ndarray, fps: float = 30.0) -> PoseSequence:
    """A one-person sequence from (F, 33, 2) normalized positions, world = centred copy."""
    f = len(xy_frames)
    seq = PoseSequence.empty(f, 1, SIZE, times_s=np.arange(f) / fps, fps=fps, source="synthetic")
    seq.xyz[:, 0, :, :2] = xy_frames
    seq.xyz[:, 0, :, 2] = 0.0
    seq.visibility[:] = 0.9
    seq.presence[:] = 0.95
    hips = (xy_frames[:, 23] + xy_frames[:, 24]) / 2
    seq.world[:, 0, :, :2] = xy_frames - hips[:, None]
    seq.world[:, 0, :, 2] = 0.0
    return seq
