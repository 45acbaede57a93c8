"""One pose against another: the score, per-joint and per-part results, and cues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pose_core.compare.cues import (
    direction_words,
    joint_note,
    mirror_words,
    part_note,
    rank_cues,
)
from pose_core.compare.noise import score_band
from pose_core.compare.scoring import (
    HALF_SCORE_TORSO,
    PART_NAMES,
    Batch,
    check_torso,
    compare_batch,
    item_score,
    project_onto,
)
from pose_core.kinematics import torso_length
from pose_core.landmarks import ANGLE_NAMES, MIRROR_PERMUTATION, swap_side
from pose_core.poses import Pose


def rounded(x: float | None, digits: int) -> float | None:
    """``x`` rounded for a report; None where it is missing or not finite."""
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


@dataclass(frozen=True)
class JointResult:
    """One joint angle of a comparison, in degrees (difference = candidate - reference).

    ``note`` says why it got no cue ("not clearly visible", "within measurement noise"),
    or is "" when it is off by more than its noise floor.
    """

    name: str
    reference_deg: float
    candidate_deg: float
    difference_deg: float
    score: float
    weight: float
    note: str = ""


@dataclass(frozen=True)
class PartResult:
    """Where one body part (elbow, wrist, knee, ankle) sits against the reference.

    ``error_torso`` is the depth-discounted distance in torso lengths, ``error_cm`` the
    same in centimetres for the candidate's body, ``direction`` where to move it,
    ``note`` as for :class:`JointResult`.
    """

    name: str
    error_torso: float
    error_cm: float
    direction: str
    score: float
    weight: float
    note: str = ""


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
        band: what the score means, as precisely as the noise allows (``score_band``).
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

    @property
    def band(self) -> str:
        return score_band(self.score)

    def to_dict(self) -> dict[str, Any]:
        """The comparison as the CLI prints it: score, band, mirrored, joints, cues."""
        return {
            "score": rounded(self.score, 1),
            "band": self.band,
            "mirrored": self.mirrored,
            "joints": {
                j.name: {
                    "reference_deg": rounded(j.reference_deg, 1),
                    "candidate_deg": rounded(j.candidate_deg, 1),
                    "difference_deg": rounded(j.difference_deg, 1),
                    "score": rounded(j.score, 1),
                    "note": j.note,
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
                    "error_torso_lengths": rounded(p.error_torso, 3),
                    "error_cm": rounded(p.error_cm, 1),
                    "move": p.direction,
                    "score": rounded(p.score, 1),
                    "note": p.note,
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
                "note": [j.note for j in self.joints],
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
                "note": [p.note for p in self.parts],
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
            pixels = cand.xy_px[list(MIRROR_PERMUTATION)]
            cand = Pose(flipped.world, flipped.visibility, pixels, cand.size_wh)
        return project_onto(self.reference.world, cand, self.rotation)


def _joints(batch: Batch, best: int, rename: Callable[[str], str]) -> list[JointResult]:
    ref, cand = batch.ref_angles[best], batch.cand_angles[best]
    out = []
    for a, name in enumerate(ANGLE_NAMES):
        diff, weight = float(cand[a] - ref[a]), float(batch.angle_weights[best, a])
        score = float(item_score(abs(diff)))
        note = joint_note(name, diff, weight)
        out.append(
            JointResult(rename(name), float(ref[a]), float(cand[a]), diff, score, weight, note)
        )
    return out


def _parts(
    batch: Batch, best: int, rename: Callable[[str], str], torso_cm: float
) -> list[PartResult]:
    parts = []
    for k, name in enumerate(PART_NAMES):
        err = float(batch.part_error[best, k])
        direction = ""
        if np.isfinite(err) and err > 0:
            direction = direction_words(batch.part_offset[best, k], batch.ref_norm[best])
            if best == 1:  # the mirror image's left is the person's right
                direction = mirror_words(direction)
        score = float(item_score(err, HALF_SCORE_TORSO))
        weight = float(batch.part_weights[best, k])
        note = part_note(name, err, weight)
        parts.append(PartResult(rename(name), err, err * torso_cm, direction, score, weight, note))
    return parts


def compare_poses(reference: Pose, candidate: Pose, mirror: bool = False) -> PoseComparison:
    """Score ``candidate`` against ``reference`` (see the module docstring).

    Args:
        mirror: also try the candidate's mirror image (a student facing the other way)
            and keep the better; ``result.mirrored`` says whether it won.

    Raises:
        PoseLabError: a pose lacks the shoulders and hips needed to normalise it.
    """
    check_torso(reference)
    check_torso(candidate)
    tries = [candidate, candidate.mirrored()] if mirror else [candidate]
    rw = np.stack([reference.world] * len(tries))
    rv = np.stack([reference.visibility] * len(tries))
    cw = np.stack([p.world for p in tries])
    cv = np.stack([p.visibility for p in tries])
    with np.errstate(invalid="ignore", divide="ignore"):
        batch = compare_batch(rw, rv, cw, cv)
    best = 1 if mirror and batch.score[1] > batch.score[0] + 1e-9 else 0
    # Name the candidate's own joints: those are the ones the person moves.
    rename: Callable[[str], str] = swap_side if best == 1 else str
    joints = _joints(batch, best, rename)
    parts = _parts(batch, best, rename, 100 * float(torso_length(candidate.world)))
    return PoseComparison(
        score=float(batch.score[best]),
        mirrored=best == 1,
        joints=joints,
        parts=parts,
        cues=rank_cues(joints, parts),
        rotation=batch.rotation[best],
        reference=reference,
        candidate=candidate,
        mirror_checked=mirror,
    )
