"""Clips against clips (dynamic time warping) and clips against one pose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pose_core.compare.motion import VELOCITY_SHARE, movement_scores, part_velocities
from pose_core.compare.noise import score_band
from pose_core.compare.pose import compare_poses, rounded
from pose_core.compare.scoring import check_torso, compare_batch, pair_scores
from pose_core.compare.tempo import tempo, tempo_summary
from pose_core.errors import PoseLabError
from pose_core.landmarks import TORSO
from pose_core.poses import Pose, PoseSequence, mirror_world

DEFAULT_BAND = 0.1
"""DTW band half-width, as a share of the longer clip: how far tempos may drift apart."""
MAX_DTW_CELLS = 30_000_000
_CHUNK = 4096  # frame pairs scored at once


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
            "score": rounded(self.score, 1),
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
        tempo: (F_cand,) the candidate's tempo relative to the reference's (1.1 = 10 %
            faster), from the alignment path; NaN where unknown (see ``tempo.tempo``).

    A frame pair of two clips scores ``(1 - VELOCITY_SHARE)`` of its pose score plus
    ``VELOCITY_SHARE`` of how alike the limbs move there (:mod:`.motion`).
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
    tempo: np.ndarray | None = None

    @property
    def band(self) -> str:
        return score_band(self.score)

    @property
    def tempo_note(self) -> str:
        """One sentence on the tempo ("you rush the second half by ~10 %"), or ""."""
        return "" if self.tempo is None else tempo_summary(self.tempo)

    def to_dict(self) -> dict[str, Any]:
        """The comparison as the CLI prints it: score, frame_scores, alignment, worst."""
        return {
            "score": rounded(self.score, 1),
            "frame_scores": [rounded(s, 1) for s in self.frame_scores],
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
            "band": self.band,
            "tempo": self.tempo_note,
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
    ok = ~np.isnan(seq.world[:, person, list(TORSO), 0]).any(axis=-1)
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
        band = np.arange(lo[i], hi[i] + 1)
        diag = np.where(band > 0, prev[np.maximum(band - 1, 0)], np.inf)
        step = c + np.minimum(diag, prev[band])
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
            ref.pose(r, ref_person),
            cand.pose(c, cand_person),
            mirror=mirror,
        )
        t_ref = float(ref.times_s[r])
        out.append(
            Moment(r, c, t_ref, float(cand.times_s[c]), float(scores[c]), tuple(result.cues))
        )
    return out


@dataclass(frozen=True)
class _Aligned:
    score: float
    path: np.ndarray  # (K, 2) into the usable frames
    path_scores: np.ndarray  # (K,)


Side = tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]
"""A clip's usable frames: (F, 33, 3) world, (F, 33) visibility, part velocities."""


def _sides(
    ref: tuple[np.ndarray, np.ndarray, np.ndarray], cand: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[Side, Side]:
    """Both clips' (world, visibility, times) with their velocities, over the same share
    of the routine (a clip twice as long takes velocities over twice as long)."""
    lengths = [float(t[-1] - t[0]) for *_, t in (ref, cand)]
    shorter = max(min(lengths), 1e-6)
    (rw, rv, rt), (cw, cv, ct) = ref, cand
    return (
        (rw, rv, part_velocities(rw, rv, rt, max(1.0, lengths[0] / shorter))),
        (cw, cv, part_velocities(cw, cv, ct, max(1.0, lengths[1] / shorter))),
    )


def _align(ref: Side, cand: Side, band: tuple[np.ndarray, np.ndarray]) -> _Aligned:
    """DTW of two clips' frames within ``band`` on pose and movement scores."""
    (rw, rv, (rd, rdw)), (cw, cv, (cd, cdw)), (lo, hi) = ref, cand, band
    rows = np.repeat(np.arange(len(rw)), hi - lo + 1)
    cols = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)])
    both = np.empty(len(rows))
    for s in range(0, len(rows), _CHUNK):  # bounded memory on long clips
        r, c = rows[s : s + _CHUNK], cols[s : s + _CHUNK]
        with np.errstate(invalid="ignore", divide="ignore"):
            batch = compare_batch(rw[r], rv[r], cw[c], cv[c])
            moves = movement_scores((rd[r], rdw[r]), (cd[c], cdw[c]), batch.rotation)
        pose = batch.score
        both[s : s + _CHUNK] = pose + VELOCITY_SHARE * (
            np.where(np.isnan(moves), pose, moves) - pose
        )
    scores = np.full((len(rw), len(cw)), np.nan)
    scores[rows, cols] = both
    path = dtw(100.0 - np.nan_to_num(scores, nan=0.0), lo, hi)
    path_scores = scores[path[:, 0], path[:, 1]]
    return _Aligned(float(np.nanmean(path_scores)), path, path_scores)


def _per_column(path: np.ndarray, path_scores: np.ndarray, m: int) -> np.ndarray:
    """(m,) the mean score of the path's pairs in each column (NaN where none)."""
    sums = np.bincount(path[:, 1], weights=np.nan_to_num(path_scores), minlength=m)
    counts = np.bincount(path[:, 1], weights=~np.isnan(path_scores), minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


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
    ref = (*_arrays(reference, ri, ref_person), reference.times_s[ri])
    (cw, cv), cand_t = _arrays(candidate, ci, cand_person), candidate.times_s[ci]
    tries = [(cw, cv)] + ([mirror_world(cw, cv)] if mirror else [])
    aligned = [_align(*_sides(ref, (*c, cand_t)), _band_cells(n, m, radius)) for c in tries]
    used_mirror = len(aligned) > 1 and aligned[1].score > aligned[0].score
    best = aligned[int(used_mirror)]
    frame_scores = np.full(candidate.num_frames, np.nan)
    frame_scores[ci] = _per_column(best.path, best.path_scores, m)
    full_path = np.c_[ri[best.path[:, 0]], ci[best.path[:, 1]]]
    spacing = max(1, round((candidate.fps or 30.0) * 0.5))
    ref_of = {int(c): int(r) for r, c in full_path[::-1]}  # first match per frame
    pairs = [(ref_of[c], c) for c in _pick_worst(frame_scores, worst, spacing)]
    sides = (reference, candidate, ref_person, cand_person)
    ref_t, cand_t = (np.asarray(s.times_s, dtype=np.float64) for s in (reference, candidate))
    return ClipComparison(
        score=best.score,
        frame_scores=frame_scores,
        path=full_path,
        path_scores=best.path_scores,
        worst=_moments(*sides, pairs, frame_scores, used_mirror),
        mirrored=used_mirror,
        band_frames=int(round(radius)),
        ref_times_s=ref_t,
        cand_times_s=cand_t,
        reference=reference.source,
        candidate=candidate.source,
        tempo=tempo(full_path, ref_t, cand_t),
    )


def _arrays(seq: PoseSequence, frames: np.ndarray, person: int) -> tuple[np.ndarray, np.ndarray]:
    """World and visibility of ``person`` in ``frames``, as float64."""
    return (
        seq.world[frames, person].astype(np.float64),
        seq.visibility[frames, person].astype(np.float64),
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
    check_torso(reference)
    ci = _usable(candidate, cand_person)
    cw = candidate.world[ci, cand_person].astype(np.float64)
    cv = candidate.visibility[ci, cand_person].astype(np.float64)
    rw = np.repeat(reference.world[None], len(ci), axis=0)
    rv = np.repeat(reference.visibility[None], len(ci), axis=0)
    scores = pair_scores(rw, rv, cw, cv)
    used_mirror = False
    if mirror:
        mw, mv = mirror_world(cw, cv)
        flipped = pair_scores(rw, rv, mw, mv)
        if np.nanmean(flipped) > np.nanmean(scores):
            scores, used_mirror = flipped, True
    frame_scores = np.full(candidate.num_frames, np.nan)
    frame_scores[ci] = scores
    spacing = max(1, round((candidate.fps or 30.0) * 0.5))
    moments = []
    for c in _pick_worst(frame_scores, worst, spacing):
        pose = candidate.pose(c, cand_person)
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
