"""Finding people the single full-picture detector pass misses.

The detector sees the whole picture letterboxed into 224 px, so small or crowded people
are lost. We also run it alone on square windows (side = the short side), optionally
(``crowd``) on overlapping tiles (0.6 of the short side, 30 % overlap), and then on all
those regions again with everyone found so far greyed out (up to two rounds). The
landmark model runs once per new person's region; repeats, chimeras and people with no
torso in the picture are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pose_core.blazepose.detector import PoseDetection, detect_people
from pose_core.blazepose.landmarks import PoseLandmarks, find_landmarks
from pose_core.blazepose.models import Networks
from pose_core.blazepose.people import SAME_HIPS, grey_out, new_region, plausible
from pose_core.blazepose.roi import Roi, square_roi

# Crowd tiles: side as a fraction of the picture's short side, and their overlap.
TILE_FRACTION = 0.6
TILE_OVERLAP = 0.3
# Rounds of "grey out who we have, look again". The grey shapes next to bodies make
# the detector see people in furniture and mannequins, so greyed pictures need a
# higher detector score.
GREY_ROUNDS = 2
GREYED_MIN_SCORE = 0.8


@dataclass(frozen=True)
class Thresholds:
    """MediaPipe's three confidences (0..1): detector score, pose presence flag, and the
    region IoU above which a new region is an already-followed person."""

    detection: float
    presence: float
    tracking: float


def greyed_score(limits: Thresholds) -> float:
    """The detector score a person needs on a picture with others greyed out."""
    return max(limits.detection, GREYED_MIN_SCORE)


def _spread(length: float, side: float, count: int) -> list[float]:
    """``count`` start offsets of windows of ``side`` evenly covering ``length``."""
    if count <= 1:
        return [max(0.0, (length - side) / 2)]
    return [i * (length - side) / (count - 1) for i in range(count)]


def full_picture(width: int, height: int) -> Roi:
    """The whole picture, letterboxed to a square."""
    return square_roi(0, 0, width, height)


def square_windows(width: int, height: int) -> list[Roi]:
    """Squares of the short side along the long side, ends included (none for a square)."""
    short, long_ = min(width, height), max(width, height)
    if long_ - short < 0.05 * short:
        return []
    starts = _spread(long_, short, math.ceil(long_ / short))
    if width > height:
        return [square_roi(x, 0, short, short) for x in starts]
    return [square_roi(0, y, short, short) for y in starts]


def crowd_tiles(width: int, height: int) -> list[Roi]:
    """Overlapping squares of 0.6 of the short side, 30 % overlap, covering the picture."""
    side = TILE_FRACTION * min(width, height)
    step = side * (1 - TILE_OVERLAP)
    nx = max(1, math.ceil((width - side) / step) + 1)
    ny = max(1, math.ceil((height - side) / step) + 1)
    return [
        square_roi(x, y, side, side)
        for y in _spread(height, side, ny)
        for x in _spread(width, side, nx)
    ]


def search_regions(width: int, height: int, crowd: bool) -> list[Roi]:
    """Every region a full search runs the detector on: picture, windows, [tiles]."""
    regions = [full_picture(width, height), *square_windows(width, height)]
    return regions + crowd_tiles(width, height) if crowd else regions


def _fresh(detections: list[PoseDetection], known: list[PoseLandmarks]) -> list[Roi]:
    """Regions of detections that are neither a known person nor an earlier detection,
    judged by the detector's hip centre (cheap, before the landmark model)."""
    rois: list[Roi] = []
    hips: list[tuple[np.ndarray, float]] = [(k.xy[33], k.roi.w / 2.5) for k in known]
    for det in sorted(detections, key=lambda d: -d.score):
        centre = det.keypoints[0]
        size = float(np.linalg.norm(det.keypoints[1] - centre))
        if any(np.linalg.norm(centre - c) < SAME_HIPS * min(size, s) for c, s in hips):
            continue
        hips.append((centre, size))
        rois.append(det.roi())
    return rois


def landmark_new(
    nets: Networks,
    rgb: np.ndarray,
    detections: list[PoseDetection],
    known: list[PoseLandmarks],
    limits: Thresholds,
) -> list[PoseLandmarks]:
    """The new people among ``detections``: landmarks found, present with a torso in the
    picture, not in ``known``."""
    found = find_landmarks(nets, rgb, _fresh(detections, known))
    new: list[PoseLandmarks] = []
    for person in found:
        if (
            person.score > limits.presence
            and plausible(person)
            and new_region(person, known + new, limits.tracking)
        ):
            new.append(person)
    return new


def find_people(
    nets: Networks,
    rgb: np.ndarray,
    regions: list[Roi],
    known: list[PoseLandmarks],
    limits: Thresholds,
    grey_rounds: int = GREY_ROUNDS,
) -> list[PoseLandmarks]:
    """People in ``rgb`` not in ``known``: the detector on ``regions``, then up to
    ``grey_rounds`` passes over the same regions with everyone found greyed out."""
    detections = [d for r in regions for d in detect_people(nets, rgb, r, limits.detection)]
    new = landmark_new(nets, rgb, detections, known, limits)
    for _ in range(grey_rounds):
        if not known + new:
            break
        grey = grey_out(rgb, known + new)
        found = [d for r in regions for d in detect_people(nets, grey, r, greyed_score(limits))]
        # Landmarks on the greyed picture too, or the model snaps back to who we have.
        more = landmark_new(nets, grey, found, known + new, limits)
        if not more:
            break
        new += more
    return new
