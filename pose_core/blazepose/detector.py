"""The pose detector stage: crop to the network, decode its boxes, merge them, map back.

MediaPipe's pose detector graph, step by step: the region is letterboxed into the
224 px input (black padding, values scaled to [-1, 1]); each anchor's logit is clipped
to +-100 and passed through a sigmoid; boxes and the 4 keypoints are offsets from the
anchor centre in input pixels; overlapping boxes are merged by weighted non-maximum
suppression (IoU above 0.5, the Tasks default); the result is mapped back to the frame.
Keypoint 0 is the hip centre and keypoint 1 the full-body scale point.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pose_core.blazepose.anchors import ssd_anchors
from pose_core.blazepose.models import Networks
from pose_core.blazepose.roi import Roi, roi_from_alignment, warp

SCORE_CLIP = 100.0
NMS_IOU = 0.5
NUM_KEYPOINTS = 4


@dataclass(frozen=True)
class PoseDetection:
    """One detected person: ``score`` (0..1), ``box`` (xmin, ymin, xmax, ymax) and
    ``keypoints`` (4, 2), all in frame pixels."""

    score: float
    box: np.ndarray
    keypoints: np.ndarray

    def roi(self) -> Roi:
        """The landmark model's region for this person."""
        return roi_from_alignment(self.keypoints[0], self.keypoints[1])


@lru_cache(maxsize=4)
def _anchors(size: int) -> np.ndarray:
    return ssd_anchors(size)


def decode(
    raw_boxes: np.ndarray, raw_scores: np.ndarray, size: int, min_score: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores (k,), boxes (k, 4) xmin-ymin-xmax-ymax and keypoints (k, 4, 2), as fractions
    of the detector input, of the anchors that score at least ``min_score``."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))
    keep = np.flatnonzero(scores >= min_score)
    anchors = _anchors(size)[keep]
    raw = raw_boxes[keep].astype(np.float64) / size
    centre = raw[:, 0:2] + anchors
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = raw[:, 4 : 4 + 2 * NUM_KEYPOINTS].reshape(-1, NUM_KEYPOINTS, 2) + anchors[:, None]
    return scores[keep], boxes, keypoints


def _iou_one(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    lo = np.maximum(box[:2], boxes[:, :2])
    hi = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(
    scores: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray, threshold: float = NMS_IOU
) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """MediaPipe's weighted NMS: the best box absorbs every box overlapping it by more
    than ``threshold`` IoU, its box and keypoints becoming their score-weighted mean and
    its score staying its own. Returns (score, box, keypoints), best first."""
    order = np.argsort(-scores, kind="stable")
    out: list[tuple[float, np.ndarray, np.ndarray]] = []
    while order.size:
        top = order[0]
        near = _iou_one(boxes[top], boxes[order]) > threshold
        group = order[near] if near.any() else order[:1]
        w = scores[group][:, None]
        box = (boxes[group] * w).sum(0) / w.sum()
        kps = (keypoints[group] * w[:, :, None]).sum(0) / w.sum()
        out.append((float(scores[top]), box, kps))
        order = order[~near] if near.any() else order[1:]
    return out


def detector_input(rgb: np.ndarray, region: Roi, size: int) -> np.ndarray:
    """The region letterboxed into the detector input: (size, size, 3) float32 in [-1, 1]."""
    crop = warp(rgb, region, size, replicate=False)
    return crop.astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0)


def detect_people(
    nets: Networks, rgb: np.ndarray, region: Roi, min_score: float
) -> list[PoseDetection]:
    """People the detector finds in ``region`` (an upright square, frame pixels) of
    ``rgb``, best first."""
    size = nets.detector_size
    out = nets.detect(detector_input(rgb, region, size))
    scores, boxes, keypoints = decode(out.boxes, out.scores, size, min_score)
    found = []
    for score, box, kps in weighted_nms(scores, boxes, keypoints):
        corners = region.to_frame(box.reshape(2, 2))
        found.append(PoseDetection(score, corners.reshape(4), region.to_frame(kps)))
    return found
