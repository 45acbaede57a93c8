"""Motion, not just posture: which way the body parts move, for the clip alignment.

A routine danced backwards passes through the same poses, so a cost on poses alone
scores it nearly as high as the routine itself. Velocities tell the direction: each
frame pair of a clip comparison also scores how alike the limbs move (derivative DTW),
by the cosine between the two velocity vectors, which a slower or faster performance
does not change. Velocities are of the elbows, wrists, knees and ankles relative to the
hips in torso lengths, the candidate's turned by the pair's alignment rotation, so where
the cameras stood does not matter.
"""

from __future__ import annotations

import numpy as np

from pose_core.compare.scoring import PART_NAMES
from pose_core.kinematics import normalize
from pose_core.landmarks import LANDMARK_INDEX

VELOCITY_SHARE = 0.5
"""Share of the movement score in a clip's frame-pair score; the rest is the pose."""
VELOCITY_HALF_SPAN_S = 0.3
"""Velocities are central differences over this long either side of a frame: long
enough that two cameras agree on the direction, short enough for a dance step."""
STILL_TORSO_S = 0.05
"""Below this RMS speed (torso lengths per second) a body is still: the direction of its
movement is noise, and the pair is scored on the pose alone."""
SHARPNESS = 2.0
"""The movement score is ``100 * ((1 + cos) / 2) ** SHARPNESS``: 100 = the same direction,
25 = unrelated, 0 = backwards."""

_PARTS = np.asarray([LANDMARK_INDEX[n] for n in PART_NAMES])


def part_velocities(
    world: np.ndarray, visibility: np.ndarray, times_s: np.ndarray, stretch: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """(F, K, 3) velocities of the body parts relative to the hips, torso lengths per
    second, of (F, 33, 3) world poses at (F,) times (each frame in its camera's axes),
    and (F, K) their weights (the lower visibility of the two ends).

    ``stretch`` widens the difference span (``VELOCITY_HALF_SPAN_S`` times it): the
    longer of two clips takes the same share of the routine as the shorter one, so a
    slower performance moves the same way over the same stretch of its routine.
    """
    parts = normalize(world)[:, _PARTS]
    weights = np.nan_to_num(visibility[:, _PARTS])
    t = np.asarray(times_s, dtype=np.float64)
    n = len(t)
    steps = np.diff(t)
    dt = float(np.median(steps[steps > 0])) if (steps > 0).any() else 1 / 30
    h = max(1, round(VELOCITY_HALF_SPAN_S * stretch / dt))
    i0 = np.clip(np.arange(n) - h, 0, n - 1)
    i1 = np.clip(np.arange(n) + h, 0, n - 1)
    span = np.where(i1 > i0, t[i1] - t[i0], np.inf)[:, None, None]
    with np.errstate(invalid="ignore"):
        velocity = (parts[i1] - parts[i0]) / span
    return velocity, np.minimum(weights[i0], weights[i1])


def movement_scores(
    ref: tuple[np.ndarray, np.ndarray],
    cand: tuple[np.ndarray, np.ndarray],
    rotation: np.ndarray,
) -> np.ndarray:
    """(N,) 0..100: how alike N pairs of (velocity (N, K, 3), weight (N, K)) move, the
    candidate's turned by the pairs' (N, 3, 3) ``rotation`` first (see ``SHARPNESS``);
    NaN where either side is still or nothing was seen in both."""
    (rv, rw), (cv, cw) = ref, cand
    turned = np.einsum("nij,nkj->nki", rotation, np.nan_to_num(cv))
    w = np.where(np.isnan(rv[..., 0]) | np.isnan(cv[..., 0]), 0.0, np.minimum(rw, cw))
    r = np.nan_to_num(rv) * np.sqrt(w)[..., None]
    c = turned * np.sqrt(w)[..., None]
    total = w.sum(axis=-1)
    nr, nc = np.linalg.norm(r, axis=(-2, -1)), np.linalg.norm(c, axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (r * c).sum(axis=(-2, -1)) / (nr * nc)
        moving = np.minimum(nr, nc) / np.sqrt(total) >= STILL_TORSO_S
    score = 100.0 * ((1.0 + np.clip(cos, -1.0, 1.0)) / 2.0) ** SHARPNESS
    return np.where(moving & (total > 0), score, np.nan)
