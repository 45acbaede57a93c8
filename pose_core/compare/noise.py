"""How far two views of the *same* pose disagree: the floor below which a difference is
noise, measured on the samples, and the words for a score.

Measured with :func:`measure_noise_floor` on the Pose2Sim clips cam01..cam04 (one man
filmed by four synchronised cameras, 100 frames each): every ordered pair of cameras at
the same instant (12 x 100 pose pairs, default settings, engine ``ours``). Per joint, the
floor is the 95th percentile of the absolute angle difference over the pairs where the
joint was well seen in both views (weight >= ``WELL_SEEN``), left and right pooled (the
body is symmetric; which side is hidden depends on the camera). Body parts likewise, in
torso lengths. tests/test_compare.py measures it again and pins these numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pose_core.compare.scoring import PART_NAMES, compare_batch
from pose_core.landmarks import ANGLE_NAMES
from pose_core.poses import PoseSequence

WELL_SEEN = 0.7
"""A joint (the lowest visibility of its landmarks in both poses) seen less surely than
this gets no cue: "not clearly visible"."""
FLOOR_QUANTILE = 95.0
"""Percentile of the same-instant disagreement that counts as noise."""

NOISE_FLOOR_DEG: dict[str, float] = {
    "elbow": 44.5,
    "shoulder": 22.9,
    "hip": 22.7,
    "knee": 37.8,
    "ankle": 44.5,
    "trunk_lean": 10.9,
    "neck": 19.9,
}
"""Per joint (left and right alike): angle differences up to this are noise, degrees."""
NOISE_FLOOR_TORSO: dict[str, float] = {"elbow": 0.27, "wrist": 0.42, "knee": 0.24, "ankle": 0.32}
"""Per body part: placement errors up to this are noise, torso lengths."""
SAME_POSE_SCORE = 80.0
"""The 10th percentile of same-instant scores: 90 % of two views of one pose score higher."""

_BANDS = (
    (SAME_POSE_SCORE, "same pose within measurement noise"),
    (60.0, "close: a few joints differ"),
    (40.0, "clearly different in places"),
    (0.0, "a different pose"),
)


def kind(name: str) -> str:
    """``left_knee`` -> ``knee``; ``trunk_lean`` and ``neck`` stay as they are."""
    side, _, rest = name.partition("_")
    return rest if side in ("left", "right") else name


def angle_floor(joint: str) -> float:
    """The noise floor of a joint angle (``left_knee``, ``neck``...), degrees."""
    return NOISE_FLOOR_DEG[kind(joint)]


def part_floor(part: str) -> float:
    """The noise floor of a body part's placement (``left_wrist``...), torso lengths."""
    return NOISE_FLOOR_TORSO[kind(part)]


def score_band(score: float) -> str:
    """What a score means, with the precision the noise allows:
    ``about 90: same pose within measurement noise``."""
    if not np.isfinite(score):
        return "not compared"
    words = next(text for low, text in _BANDS if score >= low)
    return f"about {int(5 * round(score / 5))}: {words}"


@dataclass(frozen=True)
class NoiseFloor:
    """What :func:`measure_noise_floor` found: per joint and part kind, and the scores."""

    deg: dict[str, float]
    torso: dict[str, float]
    same_pose_score: float
    pairs: int


def _pooled(errors: np.ndarray, weights: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    out = {}
    for k in dict.fromkeys(kind(n) for n in names):
        cols = [j for j, n in enumerate(names) if kind(n) == k]
        vals = np.concatenate([errors[weights[:, j] >= WELL_SEEN, j] for j in cols])
        vals = vals[np.isfinite(vals)]
        out[k] = float(np.percentile(vals, FLOOR_QUANTILE)) if len(vals) else float("nan")
    return out


def measure_noise_floor(views: Sequence[PoseSequence], person: int = 0) -> NoiseFloor:
    """The noise floor from clips of one movement filmed at once by several cameras:
    frame i of every clip is the same instant. Every ordered pair of clips is compared
    frame by frame."""
    ang, ang_w, part, part_w, scores = [], [], [], [], []
    for a, b in itertools.permutations(views, 2):
        n = min(a.num_frames, b.num_frames)
        with np.errstate(invalid="ignore", divide="ignore"):
            batch = compare_batch(
                a.world[:n, person].astype(np.float64),
                a.visibility[:n, person].astype(np.float64),
                b.world[:n, person].astype(np.float64),
                b.visibility[:n, person].astype(np.float64),
            )
        ang.append(np.abs(batch.cand_angles - batch.ref_angles))
        ang_w.append(batch.angle_weights)
        part.append(batch.part_error)
        part_w.append(batch.part_weights)
        scores.append(batch.score)
    s = np.concatenate(scores)
    return NoiseFloor(
        deg=_pooled(np.concatenate(ang), np.concatenate(ang_w), ANGLE_NAMES),
        torso=_pooled(np.concatenate(part), np.concatenate(part_w), PART_NAMES),
        same_pose_score=float(np.nanpercentile(s, 10)),
        pairs=int(np.isfinite(s).sum()),
    )
