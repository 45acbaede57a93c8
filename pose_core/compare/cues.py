"""The words of a comparison: what to fix, in a teacher's terms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from pose_core.compare.noise import WELL_SEEN, angle_floor, part_floor
from pose_core.compare.scoring import HALF_SCORE_DEG, HALF_SCORE_TORSO
from pose_core.kinematics import HIPS, SHOULDERS, point
from pose_core.landmarks import LANDMARK_INDEX

if TYPE_CHECKING:
    from pose_core.compare.pose import JointResult, PartResult

CUE_MIN_DEG = 10.0
"""Angle differences smaller than this never get a cue, whatever the joint's noise floor."""
CUE_MIN_TORSO = 0.2
"""Placement errors smaller than this (torso lengths, about 10 cm) never get a cue."""
MAX_CUES = 3
UNSEEN, NOISE = "not clearly visible", "within measurement noise"
"""Why a joint or part got no cue (its ``note``)."""

_BEND = {"elbow", "knee", "hip"}


def cue_for(joint: str, difference_deg: float) -> str:
    """Plain advice for one joint that is ``difference_deg`` (candidate - reference) off."""
    amount = max(5, int(round(abs(difference_deg) / 5.0)) * 5)
    label = joint.replace("_", " ")
    smaller = difference_deg < 0  # the candidate's angle is smaller than the reference's
    kind = joint.split("_", 1)[-1]
    if kind in _BEND:  # 180° = straight
        return f"{label}: {'straighten' if smaller else 'bend'} about {amount}° more"
    if kind == "shoulder":  # 0° = arm down along the trunk
        return f"{label}: {'raise' if smaller else 'lower'} the arm about {amount}°"
    if kind == "ankle":
        return f"{label}: {'point' if smaller else 'flex'} the foot about {amount}° more"
    if joint == "trunk_lean":
        return f"trunk: {'lean' if smaller else 'straighten up'} about {amount}° more"
    if joint == "neck":
        return f"neck: {'bring the head in line' if smaller else 'tilt the head'} about {amount}°"
    return f"{label}: about {amount}° {'more' if smaller else 'less'}"


def direction_words(offset: np.ndarray, ref_norm: np.ndarray) -> str:
    """Where to move a part, in the reference body's own up / left / forward terms."""
    up = point(ref_norm, SHOULDERS) - point(ref_norm, HIPS)
    left = ref_norm[LANDMARK_INDEX["left_hip"]] - ref_norm[LANDMARK_INDEX["right_hip"]]
    up = up / np.linalg.norm(up)
    left = left - (left @ up) * up
    left = left / np.linalg.norm(left)
    forward = np.cross(up, left)  # MediaPipe world axes are right-handed with y down
    words = []
    for axis, pos, neg in (
        (up, "higher", "lower"),
        (left, "to the body's left", "to the body's right"),
        (forward, "forward", "back"),
    ):
        c = float(offset @ axis)
        if abs(c) >= 0.5 * np.linalg.norm(offset):
            words.append((abs(c), pos if c > 0 else neg))
    words.sort(reverse=True)
    return " and ".join(w for _, w in words[:2])


def mirror_words(direction: str) -> str:
    """``direction`` for the mirror image: the body's left and right trade places."""
    return direction.replace("left", "@").replace("right", "left").replace("@", "right")


def joint_note(name: str, difference_deg: float, weight: float) -> str:
    """Why joint ``name`` gets no cue (``UNSEEN`` or ``NOISE``), or "" when it may."""
    if not weight >= WELL_SEEN:
        return UNSEEN
    if not abs(difference_deg) > max(CUE_MIN_DEG, angle_floor(name)):
        return NOISE
    return ""


def part_note(name: str, error_torso: float, weight: float) -> str:
    """Why body part ``name`` gets no cue, or "" when it may (see :func:`joint_note`)."""
    if not weight >= WELL_SEEN:
        return UNSEEN
    if not error_torso > max(CUE_MIN_TORSO, part_floor(name)):
        return NOISE
    return ""


def rank_cues(joints: Sequence[JointResult], parts: Sequence[PartResult]) -> list[str]:
    """The advice worth giving, worst first: at most MAX_CUES, each well seen and off
    by more than its noise floor (its ``note`` is empty)."""
    ranked: list[tuple[float, str]] = []
    for j in joints:
        if not j.note:
            ranked.append(
                (
                    (j.difference_deg / HALF_SCORE_DEG) ** 2 * j.weight,
                    cue_for(j.name, j.difference_deg),
                )
            )
    for p in parts:
        if not p.note and p.direction:
            amount = max(5, int(round(p.error_cm / 5.0)) * 5)
            text = f"{p.name.replace('_', ' ')}: move it about {amount} cm {p.direction}"
            ranked.append(((p.error_torso / HALF_SCORE_TORSO) ** 2 * p.weight, text))
    ranked.sort(key=lambda r: -r[0])
    return [text for _, text in ranked[:MAX_CUES]]
