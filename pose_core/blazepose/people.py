"""Relations between the people found in one frame: same person, shared limbs, masks.

A person's scale is the hip-centre-to-scale-point distance (about half the body's
height), the unit every threshold here is measured in.
"""

from __future__ import annotations

import cv2
import numpy as np

from pose_core.blazepose.landmarks import PoseLandmarks
from pose_core.blazepose.roi import ROI_SCALE, Roi, iou
from pose_core.landmarks import CONNECTIONS

# Shoulders, elbows, wrists, hips, knees, ankles: what OKS and shared limbs compare.
BODY = np.array([11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])
# Elbows, wrists, knees, ankles: the points that land on the wrong person.
LIMBS = np.array([13, 14, 15, 16, 25, 26, 27, 28])
_HIP_CENTRE = 33
# Hip centres nearer than this many scales mean one person seen twice.
SAME_HIPS = 0.3
# Overlapping regions are one person only if their hips are nearer than this (scales).
SAME_REGION_HIPS = 0.4
# Object keypoint similarity above this means one person seen twice.
SAME_OKS = 0.5
# OKS falls to exp(-1/2) at this many scales of distance.
_OKS_KAPPA = 0.2
# Body points this near (in the larger scale) a body point of another pose coincide; a
# pose with at least this share of coinciding points repeats (part of) the other.
SAME_POINT = 0.12
SAME_SHARE = 0.5
# A limb point of one person this near (in the smaller scale) a body point of another
# is on that other body.
SHARED_LIMB = 0.15
GREY = 128
# Another body with this many body points in a person's crop crowds it.
CROWDING_POINTS = 4
# Greyed-out bodies: limb bar width and head radius, in scales. Thin enough to leave a
# person standing close behind mostly visible.
LIMB_WIDTH = 0.15
HEAD_RADIUS = 0.2
# A searched-for person needs this mean presence of the shoulders (a torso in the picture).
MIN_SHOULDER_PRESENCE = 0.5


def scale(person: PoseLandmarks) -> float:
    """The hip-centre-to-scale-point distance, pixels."""
    return person.roi.w / (2.0 * ROI_SCALE)


def oks(a: PoseLandmarks, b: PoseLandmarks) -> float:
    """Object keypoint similarity of two poses' body points (0..1), in their mean scale."""
    s = (scale(a) + scale(b)) / 2
    d2 = np.sum((a.xy[BODY] - b.xy[BODY]) ** 2, axis=1)
    return float(np.mean(np.exp(-d2 / (2 * (s * _OKS_KAPPA) ** 2))))


def coinciding(a: PoseLandmarks, b: PoseLandmarks) -> float:
    """Share (0..1) of ``a``'s body points that sit on one of ``b``'s body points."""
    radius = SAME_POINT * max(scale(a), scale(b))
    d = np.linalg.norm(a.xy[BODY][:, None, :] - b.xy[BODY][None, :, :], axis=-1)
    return float(np.mean(d.min(axis=1) < radius))


def same_person(a: PoseLandmarks, b: PoseLandmarks) -> bool:
    """Whether two poses are one person, or one is a chimera of the other: close hip
    centres, similar keypoints, or half the body points of either on the other's."""
    hips = float(np.linalg.norm(a.xy[_HIP_CENTRE] - b.xy[_HIP_CENTRE]))
    return (
        hips < SAME_HIPS * min(scale(a), scale(b))
        or oks(a, b) > SAME_OKS
        or max(coinciding(a, b), coinciding(b, a)) >= SAME_SHARE
    )


def plausible(person: PoseLandmarks) -> bool:
    """Whether a pose found by the extra searches has a torso in the picture (the extra
    regions make the detector fire on texture now and then)."""
    return float(np.mean(person.presence[[11, 12]])) >= MIN_SHOULDER_PRESENCE


def _hips_apart(a: PoseLandmarks, b: PoseLandmarks) -> float:
    """Hip-centre distance in the smaller of the two scales."""
    gap = float(np.linalg.norm(a.xy[_HIP_CENTRE] - b.xy[_HIP_CENTRE]))
    return gap / min(scale(a), scale(b))


def new_region(candidate: PoseLandmarks, known: list[PoseLandmarks], min_iou: float) -> bool:
    """Whether ``candidate`` is someone not in ``known``. MediaPipe counts regions that
    overlap by more than ``min_iou`` (IoU) as one person; people standing side by side
    have such regions too, so we also ask for hips within SAME_REGION_HIPS scales, or
    for the poses to be the same (:func:`same_person`)."""
    return not any(
        (iou(candidate.roi, k.roi) > min_iou and _hips_apart(candidate, k) < SAME_REGION_HIPS)
        or same_person(candidate, k)
        for k in known
    )


def shared_limbs(a: PoseLandmarks, b: PoseLandmarks) -> np.ndarray:
    """Indices of ``a``'s limb points (elbows, wrists, knees, ankles) that sit on one of
    ``b``'s body points (those and the shoulders and hips)."""
    radius = SHARED_LIMB * min(scale(a), scale(b))
    d = np.linalg.norm(a.xy[LIMBS][:, None, :] - b.xy[BODY][None, :, :], axis=-1)
    return LIMBS[(d < radius).any(axis=1)]


def body_mask(shape: tuple[int, ...], person: PoseLandmarks) -> np.ndarray:
    """(H, W) uint8 mask, 255 on a thick skeleton of ``person``: limbs as wide bars, the
    torso filled, the head a disc."""
    mask = np.zeros(shape[:2], np.uint8)
    s = scale(person)
    pts = np.round(person.xy[:33]).astype(np.int32)
    width = max(3, int(round(LIMB_WIDTH * s)))
    for i, j in CONNECTIONS:
        a, b = (int(pts[i, 0]), int(pts[i, 1])), (int(pts[j, 0]), int(pts[j, 1]))
        cv2.line(mask, a, b, (255,), width)
    cv2.fillConvexPoly(mask, cv2.convexHull(pts[[11, 12, 24, 23]]), (255,))
    head = np.round(person.xy[0]).astype(int)
    cv2.circle(mask, (int(head[0]), int(head[1])), max(3, int(round(HEAD_RADIUS * s))), (255,), -1)
    return mask


def crowding(person: PoseLandmarks, others: list[PoseLandmarks], region: Roi) -> list[int]:
    """Indices of ``others`` with at least ``CROWDING_POINTS`` body points inside the
    unrotated bounds of ``region`` (someone else in this person's crop)."""
    x0, y0, x1, y1 = region.bounds()
    inside = []
    for k, other in enumerate(others):
        pts = other.xy[BODY]
        n = np.sum((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1))
        if other is not person and n >= CROWDING_POINTS:
            inside.append(k)
    return inside


def grey_out(rgb: np.ndarray, people: list[PoseLandmarks]) -> np.ndarray:
    """A copy of ``rgb`` with ``people`` painted mid-grey, so the networks see past them."""
    out = rgb.copy()
    if not people:
        return out
    mask = np.zeros(rgb.shape[:2], np.uint8)
    for person in people:
        mask |= body_mask(rgb.shape, person)
    out[mask > 0] = GREY
    return out
