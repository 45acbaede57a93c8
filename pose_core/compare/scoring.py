"""The maths of pose comparison: normalise, align (Kabsch), measure, score.

Every function works on N pose pairs at once: (N, 33, 3) world landmarks in metres and
(N, 33) visibility per side. See :mod:`pose_core.compare` for what the score means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pose_core.errors import PoseLabError
from pose_core.kinematics import angle_visibility, angles_of, normalize, point, torso_length
from pose_core.landmarks import BODY, LANDMARK_INDEX, TORSO
from pose_core.poses import Pose, mirror_world

HALF_SCORE_DEG = 30.0
"""A joint angle this many degrees off scores 50 (of 100)."""
HALF_SCORE_TORSO = 0.5
"""A body part this many torso lengths from its reference place scores 50."""
ANGLE_SHARE = 0.25
"""Share of the joint angles in the score; the rest is body-part placement."""
DEPTH_UNCERTAINTY = 3.0
"""How many times less certain a camera's depth is than its image-plane position."""

# Landmarks the rotation is fitted on: the body, not the face and hands (noisier).
_ALIGN = np.asarray(BODY)
PART_NAMES: tuple[str, ...] = tuple(
    f"{side}_{part}" for side in ("left", "right") for part in ("elbow", "wrist", "knee", "ankle")
)
_PARTS = np.asarray([LANDMARK_INDEX[n] for n in PART_NAMES])
# Depth (camera z) is DEPTH_UNCERTAINTY times less certain; halves: two cameras add up.
_CAMERA_COV = np.diag([0.5, 0.5, 0.5 * DEPTH_UNCERTAINTY**2])


def kabsch(moving: np.ndarray, fixed: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Rotations R (..., 3, 3) minimising ``sum w |R @ moving - fixed|^2`` about the origin.

    Args:
        moving, fixed: (..., K, 3) point sets, already centred; NaN points need weight 0.
        weights: (..., K) non-negative.

    The result is always a proper rotation (det = +1): a mirror image is not a rotation.
    """
    m = np.nan_to_num(moving) * weights[..., None]
    h = np.einsum("...ki,...kj->...ij", m, np.nan_to_num(fixed))
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("...ji,...kj->...ik", vt, u)))
    d = np.where(d == 0, 1.0, d)
    fix = np.zeros(h.shape)
    fix[..., 0, 0] = 1.0
    fix[..., 1, 1] = 1.0
    fix[..., 2, 2] = d
    # R = V diag(1, 1, d) U^T
    return np.einsum("...ji,...jk,...lk->...il", vt, fix, u)


def item_score(error: np.ndarray | float, half: float = HALF_SCORE_DEG) -> np.ndarray:
    """Score 0..100 of one item ``error`` off: 100 at 0, 50 at ``half``, ~6 at twice that."""
    return 100.0 * np.exp2(-((np.asarray(error, dtype=np.float64) / half) ** 2))


@dataclass
class Batch:
    """Everything measured for N pose pairs (reference i against candidate i)."""

    score: np.ndarray  # (N,)
    ref_angles: np.ndarray  # (N, A) degrees
    cand_angles: np.ndarray  # (N, A) degrees, of the aligned candidate
    angle_weights: np.ndarray  # (N, A)
    part_error: np.ndarray  # (N, K) torso lengths, depth discounted
    part_offset: np.ndarray  # (N, K, 3) reference minus aligned candidate, torso lengths
    part_weights: np.ndarray  # (N, K)
    rotation: np.ndarray  # (N, 3, 3): aligned candidate = R @ normalised candidate
    ref_norm: np.ndarray  # (N, 33, 3) normalised reference


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean over the last axis ignoring NaN, and the total weight used."""
    ok = ~np.isnan(values) & (weights > 0)
    w = np.where(ok, weights, 0.0)
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (np.where(ok, values, 0.0) * w).sum(axis=-1) / total
    return np.where(total > 0, mean, np.nan), total


def compare_batch(
    ref_world: np.ndarray, ref_vis: np.ndarray, cand_world: np.ndarray, cand_vis: np.ndarray
) -> Batch:
    """Compare (N, 33, 3) reference poses with (N, 33, 3) candidates, pairwise."""
    ref = normalize(ref_world)
    cand = normalize(cand_world)
    ref_vis = np.where(np.isnan(ref[..., 0]), 0.0, np.clip(np.nan_to_num(ref_vis), 0, 1))
    cand_vis = np.where(np.isnan(cand[..., 0]), 0.0, np.clip(np.nan_to_num(cand_vis), 0, 1))
    both = np.minimum(ref_vis, cand_vis)
    rot = kabsch(cand[..., _ALIGN, :], ref[..., _ALIGN, :], both[..., _ALIGN])
    aligned = np.einsum("nij,nkj->nki", rot, np.nan_to_num(cand))
    aligned = np.where(np.isnan(cand), np.nan, aligned)

    ref_angles, cand_angles = angles_of(ref), angles_of(aligned)
    w_angle = np.minimum(angle_visibility(ref_vis), angle_visibility(cand_vis))
    sq_angle, w_angle_total = _weighted_mean(
        ((cand_angles - ref_angles) / HALF_SCORE_DEG) ** 2, w_angle
    )

    # Both cameras' depth axes, in the reference's frame: the reference camera's z and
    # the candidate camera's z turned by the alignment.
    cov = _CAMERA_COV + np.einsum("nij,jk,nlk->nil", rot, _CAMERA_COV, rot)
    offset = ref[..., _PARTS, :] - aligned[..., _PARTS, :]
    d2 = np.einsum("nki,nij,nkj->nk", offset, np.linalg.inv(cov), offset)
    w_part = both[..., _PARTS]
    sq_part, w_part_total = _weighted_mean(d2 / HALF_SCORE_TORSO**2, w_part)

    # A component nobody could see drops out instead of making the score NaN.
    share = np.where(w_angle_total > 0, np.where(w_part_total > 0, ANGLE_SHARE, 1.0), 0.0)
    with np.errstate(invalid="ignore"):
        expo = share * np.nan_to_num(sq_angle) + (1 - share) * np.nan_to_num(sq_part)
    score = np.where((w_angle_total > 0) | (w_part_total > 0), 100.0 * np.exp2(-expo), np.nan)
    return Batch(score, ref_angles, cand_angles, w_angle, np.sqrt(d2), offset, w_part, rot, ref)


def pair_scores(
    ref_world: np.ndarray,
    ref_vis: np.ndarray,
    cand_world: np.ndarray,
    cand_vis: np.ndarray,
    mirror: bool = False,
    chunk: int = 4096,
) -> np.ndarray:
    """(N,) scores of N pose pairs: (N, 33, 3) world landmarks and (N, 33) visibility each.

    The fast path for many pairs, without the breakdown; NaN where a pose is missing.
    With ``mirror`` each pair keeps the better of the candidate and its mirror image.
    """
    n = len(ref_world)
    out = np.empty(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        for s in range(0, n, chunk):
            sl = slice(s, s + chunk)
            out[sl] = compare_batch(ref_world[sl], ref_vis[sl], cand_world[sl], cand_vis[sl]).score
            if mirror:
                mw, mv = mirror_world(cand_world[sl], cand_vis[sl])
                out[sl] = np.fmax(out[sl], compare_batch(ref_world[sl], ref_vis[sl], mw, mv).score)
    return out


def project_onto(ref_world: np.ndarray, cand: Pose, rotation: np.ndarray) -> np.ndarray | None:
    """Pixels (33, 2) of the reference drawn over ``cand``'s picture.

    The normalised reference is turned into the candidate's frame (``rotation`` takes
    the normalised candidate onto the reference), scaled to the candidate's torso and
    projected by an affine camera fitted to the candidate's world-to-pixel pairs.
    """
    if cand.xy_px is None:
        return None
    cw = cand.world
    known = ~np.isnan(cw[:, 0]) & ~np.isnan(cand.xy_px[:, 0])
    ok = known & (cand.visibility > 0.5)
    if ok.sum() < 6:
        ok = known
    if ok.sum() < 4:
        return None
    design = np.c_[cw[ok], np.ones(ok.sum())]
    camera, *_ = np.linalg.lstsq(design, cand.xy_px[ok], rcond=None)
    hips = point(cw, "mid:left_hip,right_hip")
    world = hips + torso_length(cw) * (normalize(ref_world) @ rotation)  # rows: R^T @ ref
    return np.c_[world, np.ones(len(world))] @ camera


def check_torso(pose: Pose) -> None:
    """Raises PoseLabError when ``pose`` lacks the shoulders and hips to normalise it."""
    if np.isnan(pose.world[list(TORSO)]).any() or torso_length(pose.world) <= 1e-6:
        raise PoseLabError(f"{pose.label or 'pose'}: shoulders and hips are needed to compare")
