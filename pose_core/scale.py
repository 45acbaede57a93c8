"""Metres per pixel from a person's known height, measured on their body in the image.

A standing person's ankle-to-nose chain (shank + thigh + hip centre to shoulder centre +
shoulder centre to nose) is ``CHAIN_SHARE`` of their height (Drillis and Contini's segment
proportions, as tabled in Winter's *Biomechanics and Motor Control of Human Movement*).
Summing segment lengths, instead of measuring a vertical span, makes the estimate
independent of posture (bent knees, a jump, lying down); only segments turned towards
the camera look shorter, so the chain is taken where it is longest (``PERCENTILE``) among
the frames in which all its landmarks are well seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pose_core.kinematics import HIPS, SHOULDERS, point, point_visibility
from pose_core.poses import PoseSequence

CHAIN_SHARE = 0.86
"""Ankle-to-nose segment chain / standing height (shank 0.246, thigh 0.245, trunk 0.288,
shoulders to nose 0.08 of the height)."""
MIN_VISIBILITY = 0.5
PERCENTILE = 90
_CHAIN_POINTS = (
    "left_ankle",
    "left_knee",
    "left_hip",
    "right_ankle",
    "right_knee",
    "right_hip",
    SHOULDERS,
    "nose",
)


@dataclass(frozen=True)
class Scale:
    """A metric scale for image coordinates.

    Attributes:
        metres_per_px: the scale, valid in the plane where ``person`` stood.
        person: whose height it comes from (the person seen in most frames).
        height_m: that person's height, as given.
        height_px: their estimated standing height in pixels.
        frames: frames the estimate used.
    """

    metres_per_px: float
    person: int
    height_m: float
    height_px: float
    frames: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "metres_per_px": round(self.metres_per_px, 8),
            "person": self.person,
            "height_m": self.height_m,
            "height_px": round(self.height_px, 2),
            "frames": self.frames,
        }


def chain_px(xy: np.ndarray) -> np.ndarray:
    """(...) ankle-to-nose segment chain of (..., 33, 2) pixel coordinates: each leg's
    shank + thigh (the mean of both), hips to shoulders, shoulders to nose."""

    def length(a: str, b: str) -> np.ndarray:
        return np.asarray(np.linalg.norm(point(xy, a) - point(xy, b), axis=-1))

    legs = [
        length(f"{s}_ankle", f"{s}_knee") + length(f"{s}_knee", f"{s}_hip")
        for s in ("left", "right")
    ]
    return (legs[0] + legs[1]) / 2 + length(HIPS, SHOULDERS) + length(SHOULDERS, "nose")


def estimate_scale(seq: PoseSequence, height_m: float) -> Scale | None:
    """The scale from the height of the person seen most; None when no height is given
    or no frame shows all of their chain's landmarks well (measured, not filled)."""
    if height_m <= 0 or not seq.detected.any():
        return None
    person = int(np.argmax(seq.detected.sum(axis=0)))
    measured = seq.detected[:, person]
    if seq.filled is not None:
        measured &= ~seq.filled[:, person]
    vis = np.nan_to_num(seq.visibility[:, person].astype(np.float64))
    seen = np.min([point_visibility(vis, p) for p in _CHAIN_POINTS], axis=0) >= MIN_VISIBILITY
    lengths = chain_px(seq.xy_px[:, person].astype(np.float64))[measured & seen]
    lengths = lengths[np.isfinite(lengths)]
    if not len(lengths):
        return None
    height_px = float(np.percentile(lengths, PERCENTILE)) / CHAIN_SHARE
    return Scale(height_m / height_px, person, height_m, height_px, len(lengths))
