"""Pose comparison: one pose against a reference pose, and one clip against another.

How two poses are compared (every step on MediaPipe's 3D *world* landmarks, in metres):

1. **Normalise.** Centre each pose on the midpoint of its hips and divide by its torso
   size (the mean shoulder-to-hip distance of both sides), so body size and distance to
   the camera do not matter. Positions are then in *torso lengths*.
2. **Align.** Rotate the candidate onto the reference with a weighted Kabsch fit (a
   proper rotation, never a reflection) over shoulders, elbows, wrists, hips, knees and
   ankles, so the direction the camera looked from does not matter. With ``mirror=True``
   the candidate's mirror image (left and right swapped) is tried too and the better fit
   is kept; ``mirrored`` in the result says when it won.
3. **Measure** two kinds of error:

   - *joint angles* (``ANGLE_DEFS``: elbows, shoulders, hips, knees, ankles, trunk lean,
     neck), difference in degrees;
   - *body-part placement*: where each elbow, wrist, knee and ankle sits relative to the
     hips (the direction and reach of the limbs from the body's centre), distance in
     torso lengths between the aligned candidate and the reference. A single camera
     judges depth poorly, so distance along either camera's line of sight counts
     ``1 / DEPTH_UNCERTAINTY`` as much as distance across it.

   Every item is weighted by the lower visibility of its landmarks in the two poses, so
   joints the model could not see count little.
4. **Score.** With ``e_angle`` the weighted root-mean-square angle difference and
   ``e_part`` the weighted RMS placement distance::

       score = 100 * 2 ** -(ANGLE_SHARE * (e_angle / HALF_SCORE_DEG) ** 2
                            + (1 - ANGLE_SHARE) * (e_part / HALF_SCORE_TORSO) ** 2)

   So **100** means identical; the score halves (**50**) when the joints are off by
   ``HALF_SCORE_DEG`` = 30° and the limbs by ``HALF_SCORE_TORSO`` = half a torso length
   (about 25 cm) on average, and falls to about 6 at twice that. Each joint and part of
   the breakdown gets the same curve on its own error (``item_score``). Measured on the
   Pose2Sim sample clips (tests/test_compare.py): the same instant seen by two cameras
   scores about 89 (median), instants half a second apart about 55; the built-in
   T-pose against mountain (both arms out instead of down) about 19.

Clips are compared by dynamic time warping on ``100 - score`` between frames, within a
band around the diagonal, so a different tempo and different lengths are fine.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pose_core.errors import PoseLabError
from pose_core.landmarks import ANGLE_DEFS, LANDMARK_INDEX, MIRROR_PERMUTATION, NUM_LANDMARKS
from pose_core.sequence import PoseSequence

HALF_SCORE_DEG = 30.0
"""A joint angle this many degrees off scores 50 (of 100)."""
HALF_SCORE_TORSO = 0.5
"""A body part this many torso lengths from its reference place scores 50."""
ANGLE_SHARE = 0.25
"""Share of the joint angles in the score; the rest is body-part placement."""
DEPTH_UNCERTAINTY = 3.0
"""How many times less certain a camera's depth is than its image-plane position."""
CUE_MIN_DEG = 10.0
"""Angle differences smaller than this get no cue: within the model's own noise."""
CUE_MIN_TORSO = 0.2
"""Placement errors smaller than this (torso lengths, about 10 cm) get no cue."""
MAX_CUES = 3

_MIRROR = np.asarray(MIRROR_PERMUTATION)
_LM = LANDMARK_INDEX
# Landmarks the rotation is fitted on: the body, not the face and hands (noisier).
_ALIGN = np.asarray(
    [
        _LM[f"{side}_{part}"]
        for side in ("left", "right")
        for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    ]
)
PART_NAMES: tuple[str, ...] = tuple(
    f"{side}_{part}" for side in ("left", "right") for part in ("elbow", "wrist", "knee", "ankle")
)
_PARTS = np.asarray([_LM[n] for n in PART_NAMES])
JOINT_NAMES: tuple[str, ...] = tuple(d.name for d in ANGLE_DEFS)
# Depth (camera z) is DEPTH_UNCERTAINTY times less certain; halves: two cameras add up.
_CAMERA_COV = np.diag([0.5, 0.5, 0.5 * DEPTH_UNCERTAINTY**2])


def _spec_indices(spec: str) -> tuple[int, int]:
    """Two landmark indices whose mean is the point (the same twice for a landmark)."""
    if spec.startswith("mid:"):
        a, b = spec[4:].split(",")
        return _LM[a], _LM[b]
    return _LM[spec], _LM[spec]


def _points(coords: np.ndarray, spec: str) -> np.ndarray:
    i, j = _spec_indices(spec)
    return (coords[..., i, :] + coords[..., j, :]) / 2


def _point_vis(vis: np.ndarray, spec: str) -> np.ndarray:
    i, j = _spec_indices(spec)
    return np.minimum(vis[..., i], vis[..., j])


# -- the pose -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pose:
    """One person's pose at one instant.

    Attributes:
        world: (33, 3) world landmarks in metres (MediaPipe: origin between the hips,
            y down); NaN where missing.
        visibility: (33,) in 0..1.
        xy_px: (33, 2) pixels in the source frame, when the pose came from a picture.
        size_wh: (width, height) of that frame.
        label: what the pose is, for messages ("cam01.mp4 frame 12", "tree").
    """

    world: np.ndarray
    visibility: np.ndarray
    xy_px: np.ndarray | None = None
    size_wh: tuple[int, int] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.world.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"world must have shape ({NUM_LANDMARKS}, 3), got {self.world.shape}")
        if self.visibility.shape != (NUM_LANDMARKS,):
            raise ValueError(
                f"visibility must have shape ({NUM_LANDMARKS},), got {self.visibility.shape}"
            )

    @classmethod
    def from_sequence(cls, seq: PoseSequence, frame: int = 0, person: int = 0) -> Pose:
        """The pose of ``person`` in ``frame`` of an analysis.

        Raises:
            PoseLabError: the frame or person does not exist, or nobody was found there.
        """
        name = seq.source or "input"
        if not 0 <= frame < seq.num_frames:
            raise PoseLabError(f"{name}: frame {frame} is out of range (0..{seq.num_frames - 1})")
        if not 0 <= person < seq.num_people or not seq.detected[frame, person]:
            where = f" in frame {frame}" if seq.num_frames > 1 else ""
            raise PoseLabError(f"{name}: person {person} was not found{where}")
        label = name if seq.num_frames == 1 else f"{name} frame {frame}"
        return cls(
            world=seq.world[frame, person].astype(np.float64),
            visibility=np.nan_to_num(seq.visibility[frame, person].astype(np.float64)),
            xy_px=seq.xy_px[frame, person].astype(np.float64),
            size_wh=tuple(seq.size_wh),
            label=label,
        )

    def mirrored(self) -> Pose:
        """The mirror image: x reflected and left and right swapped, so labels still fit."""
        world, vis = _mirror_arrays(self.world, self.visibility)
        xy = None
        if self.xy_px is not None:
            xy = self.xy_px[_MIRROR].copy()
            if self.size_wh is not None:
                xy[:, 0] = self.size_wh[0] - xy[:, 0]
        return Pose(world, vis, xy, self.size_wh, f"{self.label} (mirrored)")

    def angles(self) -> dict[str, float]:
        """Joint angles in degrees (3D, from the world landmarks)."""
        return dict(zip(JOINT_NAMES, _angles(self.world[None])[0].tolist(), strict=True))


# -- vectorised core --------------------------------------------------------------------


def normalize(world: np.ndarray) -> np.ndarray:
    """(..., 33, 3) centred on the hip midpoint and divided by the torso size."""
    hips = (world[..., _LM["left_hip"], :] + world[..., _LM["right_hip"], :]) / 2
    torso = (
        np.linalg.norm(
            world[..., _LM["left_shoulder"], :] - world[..., _LM["left_hip"], :], axis=-1
        )
        + np.linalg.norm(
            world[..., _LM["right_shoulder"], :] - world[..., _LM["right_hip"], :], axis=-1
        )
    ) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (world - hips[..., None, :]) / torso[..., None, None]


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


def _angles(world: np.ndarray) -> np.ndarray:
    """(..., A) joint angles in degrees; trunk lean is measured from the frame's up (-y)."""
    from pose_core.kinematics import angle_between

    cols = []
    for d in ANGLE_DEFS:
        if d.b == "vertical":
            v = _points(world, d.a) - _points(world, d.vertex)
            with np.errstate(invalid="ignore", divide="ignore"):
                cos = -v[..., 1] / np.linalg.norm(v, axis=-1)
            cols.append(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
        else:
            cols.append(
                angle_between(_points(world, d.a), _points(world, d.vertex), _points(world, d.b))
            )
    return np.stack(cols, axis=-1)


def _angle_weights(vis: np.ndarray) -> np.ndarray:
    cols = []
    for d in ANGLE_DEFS:
        specs = [d.a, d.vertex] + ([] if d.b == "vertical" else [d.b])
        cols.append(np.min([_point_vis(vis, s) for s in specs], axis=0))
    return np.stack(cols, axis=-1)


def item_score(error: np.ndarray | float, half: float = HALF_SCORE_DEG) -> np.ndarray:
    """Score 0..100 of one item ``error`` off: 100 at 0, 50 at ``half``, ~6 at twice that."""
    return 100.0 * np.exp2(-((np.asarray(error, dtype=np.float64) / half) ** 2))


@dataclass
class _Batch:
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


def _compare_batch(
    ref_world: np.ndarray, ref_vis: np.ndarray, cand_world: np.ndarray, cand_vis: np.ndarray
) -> _Batch:
    """Compare (N, 33, 3) reference poses with (N, 33, 3) candidates, pairwise."""
    ref = normalize(ref_world)
    cand = normalize(cand_world)
    ref_vis = np.where(np.isnan(ref[..., 0]), 0.0, np.clip(np.nan_to_num(ref_vis), 0, 1))
    cand_vis = np.where(np.isnan(cand[..., 0]), 0.0, np.clip(np.nan_to_num(cand_vis), 0, 1))
    both = np.minimum(ref_vis, cand_vis)
    rot = kabsch(cand[..., _ALIGN, :], ref[..., _ALIGN, :], both[..., _ALIGN])
    aligned = np.einsum("nij,nkj->nki", rot, np.nan_to_num(cand))
    aligned = np.where(np.isnan(cand), np.nan, aligned)

    ref_angles, cand_angles = _angles(ref), _angles(aligned)
    w_angle = np.minimum(_angle_weights(ref_vis), _angle_weights(cand_vis))
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
    return _Batch(score, ref_angles, cand_angles, w_angle, np.sqrt(d2), offset, w_part, rot, ref)


def _mirror_arrays(world: np.ndarray, vis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror images of (..., 33, 3) poses: x reflected, left and right swapped."""
    return world[..., _MIRROR, :] * np.array([-1.0, 1.0, 1.0]), vis[..., _MIRROR]


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
            out[sl] = _compare_batch(ref_world[sl], ref_vis[sl], cand_world[sl], cand_vis[sl]).score
            if mirror:
                mw, mv = _mirror_arrays(cand_world[sl], cand_vis[sl])
                out[sl] = np.fmax(out[sl], _compare_batch(ref_world[sl], ref_vis[sl], mw, mv).score)
    return out


# -- one pose against another -----------------------------------------------------------


@dataclass(frozen=True)
class JointResult:
    """One joint angle of a comparison, in degrees (difference = candidate - reference)."""

    name: str
    reference_deg: float
    candidate_deg: float
    difference_deg: float
    score: float
    weight: float


@dataclass(frozen=True)
class PartResult:
    """Where one body part (elbow, wrist, knee, ankle) sits against the reference.

    ``error_torso`` is the depth-discounted distance in torso lengths, ``error_cm`` the
    same in centimetres for the candidate's body, ``direction`` where to move it.
    """

    name: str
    error_torso: float
    error_cm: float
    direction: str
    score: float
    weight: float


@dataclass
class PoseComparison:
    """The result of :func:`compare_poses`.

    Attributes:
        score: 0..100, defined in the module docstring.
        mirrored: the candidate's mirror image was used (only ever with ``mirror=True``).
        joints: one per joint angle, named after the *candidate's* joint (when mirrored,
            the candidate's left knee is compared with the reference's right knee).
        parts: one per body part, named like ``joints``.
        cues: plain-language advice for the worst joints and parts, worst first.
        rotation: (3, 3) rotation taking the (mirrored, when used) normalised candidate
            onto the normalised reference.
    """

    score: float
    mirrored: bool
    joints: list[JointResult]
    parts: list[PartResult]
    cues: list[str]
    rotation: np.ndarray
    reference: Pose
    candidate: Pose
    mirror_checked: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The comparison as the CLI prints it: score, mirrored, joints, cues."""
        return {
            "score": _round(self.score, 1),
            "mirrored": self.mirrored,
            "joints": {
                j.name: {
                    "reference_deg": _round(j.reference_deg, 1),
                    "candidate_deg": _round(j.candidate_deg, 1),
                    "difference_deg": _round(j.difference_deg, 1),
                    "score": _round(j.score, 1),
                }
                for j in self.joints
            },
            "cues": list(self.cues),
        }

    def report(self) -> dict[str, Any]:
        """:meth:`to_dict` plus the body parts and what was compared (the app's download)."""
        return self.to_dict() | {
            "parts": {
                p.name: {
                    "error_torso_lengths": _round(p.error_torso, 3),
                    "error_cm": _round(p.error_cm, 1),
                    "move": p.direction,
                    "score": _round(p.score, 1),
                }
                for p in self.parts
            },
            "reference": self.reference.label,
            "candidate": self.candidate.label,
            "mirror_checked": self.mirror_checked,
        }

    def joints_table(self) -> pd.DataFrame:
        """One row per joint: reference, candidate, difference (degrees), score, weight."""
        return pd.DataFrame(
            {
                "joint": [j.name for j in self.joints],
                "reference_deg": [j.reference_deg for j in self.joints],
                "candidate_deg": [j.candidate_deg for j in self.joints],
                "difference_deg": [j.difference_deg for j in self.joints],
                "score": [j.score for j in self.joints],
                "visibility": [j.weight for j in self.joints],
            }
        )

    def parts_table(self) -> pd.DataFrame:
        """One row per body part: distance from its reference place, score, weight."""
        return pd.DataFrame(
            {
                "part": [p.name for p in self.parts],
                "off_cm": [p.error_cm for p in self.parts],
                "move": [p.direction for p in self.parts],
                "score": [p.score for p in self.parts],
                "visibility": [p.weight for p in self.parts],
            }
        )

    def aligned_reference_px(self) -> np.ndarray | None:
        """(33, 2) the reference skeleton in the candidate's picture, turned like the
        candidate and scaled to its torso; None when the candidate has no pixels."""
        cand = self.candidate
        if cand.xy_px is None:
            return None
        if self.mirrored:
            # The mirrored world points, paired with the pixels of the landmarks they
            # came from: the fitted camera then maps back into the real picture.
            flipped = cand.mirrored()
            cand = Pose(flipped.world, flipped.visibility, cand.xy_px[_MIRROR], cand.size_wh)
        return project_onto(self.reference.world, cand, self.rotation)


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def _torso_m(world: np.ndarray) -> float:
    return (
        float(
            np.linalg.norm(world[_LM["left_shoulder"]] - world[_LM["left_hip"]])
            + np.linalg.norm(world[_LM["right_shoulder"]] - world[_LM["right_hip"]])
        )
        / 2
    )


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
    hips = (cw[_LM["left_hip"]] + cw[_LM["right_hip"]]) / 2
    world = hips + _torso_m(cw) * (normalize(ref_world) @ rotation)  # rows: R^T @ ref
    return np.c_[world, np.ones(len(world))] @ camera


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


def _direction_words(offset: np.ndarray, ref_norm: np.ndarray) -> str:
    """Where to move a part, in the reference body's own up / left / forward terms."""
    up = _points(ref_norm, "mid:left_shoulder,right_shoulder") - _points(
        ref_norm, "mid:left_hip,right_hip"
    )
    left = ref_norm[_LM["left_hip"]] - ref_norm[_LM["right_hip"]]
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


def _cues(joints: list[JointResult], parts: list[PartResult]) -> list[str]:
    ranked: list[tuple[float, str]] = []
    for j in joints:
        if abs(j.difference_deg) >= CUE_MIN_DEG and j.weight >= 0.3:
            ranked.append(
                (
                    (j.difference_deg / HALF_SCORE_DEG) ** 2 * j.weight,
                    cue_for(j.name, j.difference_deg),
                )
            )
    for p in parts:
        if p.error_torso >= CUE_MIN_TORSO and p.weight >= 0.3 and p.direction:
            amount = max(5, int(round(p.error_cm / 5.0)) * 5)
            text = f"{p.name.replace('_', ' ')}: move it about {amount} cm {p.direction}"
            ranked.append(((p.error_torso / HALF_SCORE_TORSO) ** 2 * p.weight, text))
    ranked.sort(key=lambda r: -r[0])
    return [text for _, text in ranked[:MAX_CUES]]


def _swap_side(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


def _check_torso(pose: Pose) -> None:
    torso = [_LM[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]
    if np.isnan(pose.world[torso]).any() or _torso_m(pose.world) <= 1e-6:
        raise PoseLabError(f"{pose.label or 'pose'}: shoulders and hips are needed to compare")


def compare_poses(reference: Pose, candidate: Pose, mirror: bool = False) -> PoseComparison:
    """Score ``candidate`` against ``reference`` (see the module docstring).

    Args:
        mirror: also try the candidate's mirror image (a student facing the other way)
            and keep the better; ``result.mirrored`` says whether it won.

    Raises:
        PoseLabError: a pose lacks the shoulders and hips needed to normalise it.
    """
    _check_torso(reference)
    _check_torso(candidate)
    tries = [candidate, candidate.mirrored()] if mirror else [candidate]
    rw = np.stack([reference.world] * len(tries))
    rv = np.stack([reference.visibility] * len(tries))
    cw = np.stack([p.world for p in tries])
    cv = np.stack([p.visibility for p in tries])
    with np.errstate(invalid="ignore", divide="ignore"):
        batch = _compare_batch(rw, rv, cw, cv)
    best = 1 if mirror and batch.score[1] > batch.score[0] + 1e-9 else 0
    # Name the candidate's own joints: those are the ones the person moves.
    rename = _swap_side if best == 1 else str
    joints = [
        JointResult(
            rename(name),
            float(batch.ref_angles[best, a]),
            float(batch.cand_angles[best, a]),
            float(batch.cand_angles[best, a] - batch.ref_angles[best, a]),
            float(item_score(abs(batch.cand_angles[best, a] - batch.ref_angles[best, a]))),
            float(batch.angle_weights[best, a]),
        )
        for a, name in enumerate(JOINT_NAMES)
    ]
    torso_cm = 100 * _torso_m(candidate.world)
    parts = []
    for k, name in enumerate(PART_NAMES):
        err = float(batch.part_error[best, k])
        direction = ""
        if np.isfinite(err) and err > 0:
            direction = _direction_words(batch.part_offset[best, k], batch.ref_norm[best])
            if best == 1:  # the mirror image's left is the person's right
                direction = direction.replace("left", "@").replace("right", "left")
                direction = direction.replace("@", "right")
        parts.append(
            PartResult(
                rename(name),
                err,
                err * torso_cm,
                direction,
                float(item_score(err, HALF_SCORE_TORSO)),
                float(batch.part_weights[best, k]),
            )
        )
    return PoseComparison(
        score=float(batch.score[best]),
        mirrored=best == 1,
        joints=joints,
        parts=parts,
        cues=_cues(joints, parts),
        rotation=batch.rotation[best],
        reference=reference,
        candidate=candidate,
        mirror_checked=mirror,
    )


# -- clip against clip ------------------------------------------------------------------

DEFAULT_BAND = 0.1
"""DTW band half-width, as a share of the longer clip: how far tempos may drift apart."""
MAX_DTW_CELLS = 30_000_000


@dataclass(frozen=True)
class Moment:
    """A low point of a clip comparison: which frames, how good, what to fix."""

    ref_frame: int
    cand_frame: int
    ref_time_s: float
    cand_time_s: float
    score: float
    cues: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref_frame": self.ref_frame,
            "cand_frame": self.cand_frame,
            "ref_time_s": round(self.ref_time_s, 3),
            "cand_time_s": round(self.cand_time_s, 3),
            "score": _round(self.score, 1),
            "cues": list(self.cues),
        }


@dataclass
class ClipComparison:
    """The result of :func:`compare_clips` (or :func:`compare_pose_to_clip`).

    Attributes:
        score: mean score of the aligned frame pairs along the path, 0..100.
        frame_scores: (F_cand,) per candidate frame, the mean score of the reference
            frames matched to it; NaN where the candidate was not found.
        path: (K, 2) aligned ``[ref_frame, cand_frame]`` pairs, both increasing.
        path_scores: (K,) the score of each pair.
        worst: the lowest moments, worst first.
        mirrored: the candidate's mirror image was used for the whole clip.
        band_frames: DTW band half-width in frames.
    """

    score: float
    frame_scores: np.ndarray
    path: np.ndarray
    path_scores: np.ndarray
    worst: list[Moment]
    mirrored: bool
    band_frames: int
    ref_times_s: np.ndarray
    cand_times_s: np.ndarray
    reference: str = ""
    candidate: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The comparison as the CLI prints it: score, frame_scores, alignment, worst."""
        return {
            "score": _round(self.score, 1),
            "frame_scores": [_round(s, 1) for s in self.frame_scores],
            "alignment": [[int(r), int(c)] for r, c in self.path],
            "worst": [m.to_dict() for m in self.worst],
        }

    def report(self) -> dict[str, Any]:
        """:meth:`to_dict` plus what was compared and how (the app's JSON download)."""
        return self.to_dict() | {
            "reference": self.reference,
            "candidate": self.candidate,
            "mirrored": self.mirrored,
            "band_frames": self.band_frames,
        }

    def ref_frame_for(self, cand_frame: int) -> int:
        """The reference frame aligned with ``cand_frame`` (nearest on the path)."""
        k = int(np.argmin(np.abs(self.path[:, 1] - cand_frame)))
        return int(self.path[k, 0])

    def frames_table(self) -> pd.DataFrame:
        """Per candidate frame: time, matched reference frame and time, score (the CSV)."""
        frames = np.arange(len(self.frame_scores))
        ref = np.array([self.ref_frame_for(f) for f in frames], dtype=np.int64)
        return pd.DataFrame(
            {
                "cand_frame": frames,
                "cand_time_s": self.cand_times_s[frames],
                "ref_frame": ref,
                "ref_time_s": self.ref_times_s[ref],
                "score": self.frame_scores,
            }
        )


def _usable(seq: PoseSequence, person: int) -> np.ndarray:
    """Frame indices where ``person`` has shoulders and hips."""
    name = seq.source or "input"
    if not 0 <= person < seq.num_people:
        raise PoseLabError(f"{name}: person {person} was not found")
    torso = [_LM[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]
    ok = ~np.isnan(seq.world[:, person, torso, 0]).any(axis=-1)
    if not ok.any():
        raise PoseLabError(f"{name}: person {person} was not found in any frame")
    return np.flatnonzero(ok)


def _band_cells(n: int, m: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Per reference row i, the first and last candidate column inside the band."""
    centre = np.arange(n) * ((m - 1) / (n - 1) if n > 1 else 0.0)
    lo = np.clip(np.floor(centre - radius), 0, m - 1).astype(np.int64)
    hi = np.clip(np.ceil(centre + radius), 0, m - 1).astype(np.int64)
    lo[0], hi[-1] = 0, m - 1  # the path starts and ends at the corners
    # Neighbouring rows must overlap, so that a path exists.
    hi[:-1] = np.maximum(hi[:-1], lo[1:])
    return lo, hi


def dtw(cost: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Dynamic time warping path through ``cost`` (n, m) within rows' ``[lo, hi]`` band.

    Steps are (1, 0), (0, 1) and (1, 1); the path runs from (0, 0) to (n-1, m-1).
    Returns (K, 2) ``[row, column]`` pairs. Cells outside the band are never used.
    """
    n, m = cost.shape
    acc = np.full((n, m), np.inf)
    for i in range(n):
        cols = slice(lo[i], hi[i] + 1)
        c = cost[i, cols]
        if i == 0:
            acc[0, cols] = np.cumsum(c)
            continue
        prev = acc[i - 1]
        j = np.arange(lo[i], hi[i] + 1)
        diag = np.where(j > 0, prev[np.maximum(j - 1, 0)], np.inf)
        step = c + np.minimum(diag, prev[j])
        # A run of horizontal steps: acc[j] = C[j] + min over k <= j of (step[k] - C[k]).
        cum = np.cumsum(c)
        acc[i, cols] = cum + np.minimum.accumulate(step - cum)
    i, j = n - 1, m - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        options = []
        if i > 0 and j > 0:
            options.append((acc[i - 1, j - 1], i - 1, j - 1))
        if i > 0:
            options.append((acc[i - 1, j], i - 1, j))
        if j > 0:
            options.append((acc[i, j - 1], i, j - 1))
        _, i, j = min(options)
        path.append((i, j))
    return np.asarray(path[::-1], dtype=np.int64)


def _pick_worst(scores: np.ndarray, count: int, spacing: int) -> list[int]:
    """Indices of the lowest ``scores``, at least ``spacing`` apart."""
    chosen: list[int] = []
    for k in np.argsort(np.nan_to_num(scores, nan=np.inf)):
        if not np.isfinite(scores[k]) or len(chosen) >= count:
            break
        if all(abs(int(k) - c) >= spacing for c in chosen):
            chosen.append(int(k))
    return chosen


def _moments(
    ref: PoseSequence,
    cand: PoseSequence,
    ref_person: int,
    cand_person: int,
    pairs: list[tuple[int, int]],
    scores: np.ndarray,
    mirror: bool,
) -> list[Moment]:
    out = []
    for r, c in pairs:
        # Cues name the person's own joints, also when the mirror image was used.
        result = compare_poses(
            Pose.from_sequence(ref, r, ref_person),
            Pose.from_sequence(cand, c, cand_person),
            mirror=mirror,
        )
        t_ref = float(ref.times_s[r])
        out.append(
            Moment(r, c, t_ref, float(cand.times_s[c]), float(scores[c]), tuple(result.cues))
        )
    return out


def compare_clips(
    reference: PoseSequence,
    candidate: PoseSequence,
    ref_person: int = 0,
    cand_person: int = 0,
    mirror: bool = False,
    band: float = DEFAULT_BAND,
    worst: int = 3,
) -> ClipComparison:
    """Align two clips in time (DTW) and score them frame by frame.

    Args:
        band: how far the alignment may stray from an even tempo, as a share of the
            longer clip (the path stays within ``band * max(F_ref, F_cand)`` frames of
            the straight line between the first and the last frames).
        mirror: also try the candidate's mirror image (for the whole clip) and keep it
            when it scores higher.
        worst: how many low moments to report, at least half a second apart.

    Raises:
        PoseLabError: a person is never found, or the clips are too long to compare.
    """
    ri, ci = _usable(reference, ref_person), _usable(candidate, cand_person)
    n, m = len(ri), len(ci)
    if n * m > MAX_DTW_CELLS:
        raise PoseLabError(
            f"{reference.source} and {candidate.source}: clips too long to compare "
            f"({n} x {m} frames; at most {MAX_DTW_CELLS:,} pairs)"
        )
    radius = max(2.0, band * max(n, m))
    lo, hi = _band_cells(n, m, radius)
    rows = np.repeat(np.arange(n), hi - lo + 1)
    cols = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)])
    rw = reference.world[ri, ref_person].astype(np.float64)
    rv = reference.visibility[ri, ref_person].astype(np.float64)
    cw = candidate.world[ci, cand_person].astype(np.float64)
    cv = candidate.visibility[ci, cand_person].astype(np.float64)
    tries = [(cw, cv)] + ([_mirror_arrays(cw, cv)] if mirror else [])
    best: tuple[float, np.ndarray, np.ndarray, bool] | None = None
    for k, (w, v) in enumerate(tries):
        scores = np.full((n, m), np.nan)
        scores[rows, cols] = pair_scores(rw[rows], rv[rows], w[cols], v[cols])
        cost = 100.0 - np.nan_to_num(scores, nan=0.0)
        path = dtw(cost, lo, hi)
        path_scores = scores[path[:, 0], path[:, 1]]
        overall = float(np.nanmean(path_scores))
        if best is None or overall > best[0]:
            best = (overall, path, path_scores, k == 1)
    assert best is not None
    overall, path, path_scores, used_mirror = best
    frame_scores = np.full(candidate.num_frames, np.nan)
    sums = np.bincount(path[:, 1], weights=np.nan_to_num(path_scores), minlength=m)
    counts = np.bincount(path[:, 1], weights=~np.isnan(path_scores), minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame_scores[ci] = np.where(counts > 0, sums / counts, np.nan)
    full_path = np.c_[ri[path[:, 0]], ci[path[:, 1]]]
    spacing = max(1, round((candidate.fps or 30.0) * 0.5))
    low = _pick_worst(frame_scores, worst, spacing)
    ref_of = {int(c): int(r) for r, c in full_path[::-1]}  # first match per frame
    moments = _moments(
        reference,
        candidate,
        ref_person,
        cand_person,
        [(ref_of[c], c) for c in low],
        frame_scores,
        used_mirror,
    )
    return ClipComparison(
        score=overall,
        frame_scores=frame_scores,
        path=full_path,
        path_scores=path_scores,
        worst=moments,
        mirrored=used_mirror,
        band_frames=int(round(radius)),
        ref_times_s=np.asarray(reference.times_s, dtype=np.float64),
        cand_times_s=np.asarray(candidate.times_s, dtype=np.float64),
        reference=reference.source,
        candidate=candidate.source,
    )


def compare_pose_to_clip(
    reference: Pose,
    candidate: PoseSequence,
    cand_person: int = 0,
    mirror: bool = False,
    worst: int = 3,
) -> ClipComparison:
    """Score every frame of a clip against one reference pose (holding a pose).

    The result has the shape of a clip comparison with a single reference frame 0:
    ``score`` is the mean over the frames where the person was found.
    """
    _check_torso(reference)
    ci = _usable(candidate, cand_person)
    cw = candidate.world[ci, cand_person].astype(np.float64)
    cv = candidate.visibility[ci, cand_person].astype(np.float64)
    rw = np.repeat(reference.world[None], len(ci), axis=0)
    rv = np.repeat(reference.visibility[None], len(ci), axis=0)
    scores = pair_scores(rw, rv, cw, cv)
    used_mirror = False
    if mirror:
        mw, mv = _mirror_arrays(cw, cv)
        flipped = pair_scores(rw, rv, mw, mv)
        if np.nanmean(flipped) > np.nanmean(scores):
            scores, used_mirror = flipped, True
    frame_scores = np.full(candidate.num_frames, np.nan)
    frame_scores[ci] = scores
    spacing = max(1, round((candidate.fps or 30.0) * 0.5))
    moments = []
    for c in _pick_worst(frame_scores, worst, spacing):
        pose = Pose.from_sequence(candidate, c, cand_person)
        result = compare_poses(reference, pose, mirror=used_mirror)
        t = float(candidate.times_s[c])
        moments.append(Moment(0, c, 0.0, t, float(frame_scores[c]), tuple(result.cues)))
    return ClipComparison(
        score=float(np.nanmean(scores)),
        frame_scores=frame_scores,
        path=np.c_[np.zeros(len(ci), dtype=np.int64), ci],
        path_scores=scores,
        worst=moments,
        mirrored=used_mirror,
        band_frames=0,
        ref_times_s=np.zeros(1),
        cand_times_s=np.asarray(candidate.times_s, dtype=np.float64),
        reference=reference.label,
        candidate=candidate.source,
    )


# -- command line (wired into pose_core.cli by the lead) ---------------------------------


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m pose_core compare``."""
    from pose_core.cli import add_settings_arguments

    parser.add_argument(
        "reference",
        metavar="REFERENCE",
        help="image, clip, saved reference JSON, or a built-in name (mountain, tree, ...)",
    )
    parser.add_argument("candidate", metavar="CANDIDATE", help="image or clip")
    parser.add_argument("--ref-frame", type=int, default=None, help="frame of a reference clip")
    parser.add_argument("--cand-frame", type=int, default=None, help="frame of a candidate clip")
    parser.add_argument("--person", type=int, default=0, help="person id in both inputs")
    parser.add_argument(
        "--mirror", action="store_true", help="also try the candidate's mirror image"
    )
    parser.add_argument(
        "--band", type=float, default=DEFAULT_BAND, help="DTW band, share of the longer clip"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_settings_arguments(parser)


def _load(spec: str, settings: Any, model: Any, is_reference: bool) -> PoseSequence | Pose:
    """An input as a whole analysis (PoseSequence) or as one pose (a saved reference)."""
    from pose_core.analysis import analyze_clip, analyze_image
    from pose_core.media import media_kind
    from pose_core.references import builtin_references, load_reference

    path = Path(spec)
    if path.suffix.lower() == ".json":
        return load_reference(path).pose()
    if not path.exists():
        builtins = builtin_references()
        if is_reference and spec in builtins:
            return builtins[spec].pose()
        raise PoseLabError(f"{path.name}: file not found")
    if path.is_dir():
        raise PoseLabError(f"{path.name}: is a folder, not a media file")
    if media_kind(path) == "image":
        return analyze_image(path, settings, model, draw=False).poses
    return analyze_clip(path, settings, model).poses


def _single(item: PoseSequence | Pose, frame: int | None, person: int, flag: str) -> Pose | None:
    """The one pose an input stands for, or None for a whole clip."""
    if isinstance(item, Pose):
        return item
    if item.num_frames == 1:
        return Pose.from_sequence(item, 0, person)
    if frame is None:
        return None
    return Pose.from_sequence(item, frame, person)


def _summary_pose(result: PoseComparison) -> str:
    lines = [
        f"score {result.score:.1f} / 100" + (" (candidate mirrored)" if result.mirrored else ""),
        f"{'joint':16} {'reference':>9} {'candidate':>9} {'diff':>7} {'score':>6}",
    ]
    for j in result.joints:
        lines.append(
            f"{j.name:16} {j.reference_deg:9.1f} {j.candidate_deg:9.1f} "
            f"{j.difference_deg:+7.1f} {j.score:6.1f}"
        )
    lines += [f"- {c}" for c in result.cues] or ["- no joint is clearly off"]
    return "\n".join(lines)


def _summary_clip(result: ClipComparison) -> str:
    lines = [
        f"score {result.score:.1f} / 100 over {len(result.path)} aligned frame pairs"
        + (" (candidate mirrored)" if result.mirrored else "")
    ]
    for m in result.worst:
        lines.append(
            f"low point: candidate frame {m.cand_frame} ({m.cand_time_s:.2f} s) vs reference "
            f"frame {m.ref_frame} ({m.ref_time_s:.2f} s): {m.score:.1f}"
        )
        lines += [f"  - {c}" for c in m.cues]
    return "\n".join(lines)


def run_compare(args: argparse.Namespace) -> int:
    """``python -m pose_core compare``: prints the result; 0 on success.

    Errors are one line on stderr naming the file and the reason, exit code 1 (2 for
    bad options); never a traceback.
    """
    from pose_core.cli import settings_from_args
    from pose_core.model import resolve_model

    try:
        if args.person < 0:
            raise ValueError("--person must be 0 or more")
        if args.max_people <= args.person:
            args.max_people = args.person + 1
        if not 0 < args.band <= 1:
            raise ValueError("--band must be within 0..1")
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        model = resolve_model(settings.model_path)
        ref = _load(args.reference, settings, model, is_reference=True)
        cand = _load(args.candidate, settings, model, is_reference=False)
        if isinstance(cand, Pose):
            raise PoseLabError(
                f"{Path(args.candidate).name}: the candidate must be an image or a clip"
            )
        ref_pose = _single(ref, args.ref_frame, args.person, "--ref-frame")
        cand_pose = _single(cand, args.cand_frame, args.person, "--cand-frame")
        if ref_pose is None and cand_pose is not None:
            raise PoseLabError(
                f"{Path(args.reference).name}: is a clip; pick a frame with --ref-frame N "
                "or compare it with a whole clip"
            )
        if ref_pose is not None and cand_pose is not None:
            pose_result = compare_poses(ref_pose, cand_pose, mirror=args.mirror)
            doc, text = pose_result.to_dict(), _summary_pose(pose_result)
        else:
            assert isinstance(cand, PoseSequence)
            if ref_pose is None:
                assert isinstance(ref, PoseSequence)
                clip_result = compare_clips(
                    ref, cand, args.person, args.person, mirror=args.mirror, band=args.band
                )
            else:
                clip_result = compare_pose_to_clip(ref_pose, cand, args.person, args.mirror)
            doc, text = clip_result.to_dict(), _summary_clip(clip_result)
    except PoseLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback: one line naming the inputs
        names = f"{Path(args.reference).name} vs {Path(args.candidate).name}"
        print(f"error: {names}: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    print(json.dumps(doc) if args.json else text)
    return 0
