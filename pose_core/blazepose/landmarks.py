"""The landmark stage: crop a person's region, decode the network, project to the frame.

MediaPipe's landmark graph, step by step: the rotated region is warped to the 256 px
input (edge pixels repeated, values scaled to [0, 1]); the 39 landmarks come as
(x, y, z, visibility, presence) in input pixels, the last two as logits; x and y are
refined by a 7 x 7 window of the heatmap (sigmoid-weighted mean, only where its peak is
at least 0.5); points are rotated back into the frame and z is scaled like x; world
landmarks (metres, origin between the hips) are only rotated back. Landmarks 33 and 34
(hip centre and scale point) give the next frame's region. The person counts as present
when the pose flag exceeds the presence threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pose_core.blazepose.models import LandmarkOutput, Networks
from pose_core.blazepose.roi import Roi, roi_from_alignment, warp

NUM_BODY = 33
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONFIDENCE = 0.5
_HIP_CENTRE, _SCALE_POINT = 33, 34


@dataclass(frozen=True)
class PoseLandmarks:
    """One person's landmarks in a frame.

    Shapes: ``xy`` (39, 2) frame pixels (33 body points then 6 auxiliary ones); ``z``
    (39,) pixels, same scale as x, smaller is nearer the camera, origin at the hips;
    ``visibility`` and ``presence`` (39,) 0..1; ``world`` (33, 3) metres; ``score`` the
    pose flag (0..1); ``roi`` the region they were found in.
    """

    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    score: float
    roi: Roi

    def next_roi(self) -> Roi:
        """The region to look for this person in the next frame."""
        return roi_from_alignment(self.xy[_HIP_CENTRE], self.xy[_SCALE_POINT])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def refine_from_heatmap(xy: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """Landmarks ``xy`` (k, 2) as crop fractions, moved to the sigmoid-weighted mean of
    their 7 x 7 heatmap window when its peak is confident; ``heatmap`` (h, w, k) logits.

    Like MediaPipe: cells are indexed by truncating toward zero, the window shrinks at the
    edges, and a point left of or above the map is left alone (one below it keeps an
    empty window, so it stays too).
    """
    h, w, k = heatmap.shape
    col = np.trunc(xy[:, 0] * w).astype(int)
    row = np.trunc(xy[:, 1] * h).astype(int)
    half = (HEATMAP_KERNEL - 1) // 2
    offsets = np.arange(-half, half + 1)
    rows, cols = row[:, None] + offsets, col[:, None] + offsets
    mask = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    values = heatmap[
        np.clip(rows, 0, h - 1)[:, :, None],
        np.clip(cols, 0, w - 1)[:, None, :],
        np.arange(k)[:, None, None],
    ]
    conf = np.where(mask, _sigmoid(values.astype(np.float64)), 0.0)
    total = conf.sum(axis=(1, 2))
    peak = conf.max(axis=(1, 2))
    mean_col = (conf * cols[:, None, :]).sum(axis=(1, 2)) / np.where(total > 0, total, 1)
    mean_row = (conf * rows[:, :, None]).sum(axis=(1, 2)) / np.where(total > 0, total, 1)
    ok = (col >= 0) & (col < w) & (row >= 0) & (peak >= HEATMAP_MIN_CONFIDENCE) & (total > 0)
    out = xy.astype(np.float64).copy()
    out[ok, 0] = mean_col[ok] / w
    out[ok, 1] = mean_row[ok] / h
    return out


def landmark_input(rgb: np.ndarray | list[np.ndarray], rois: list[Roi], size: int) -> np.ndarray:
    """The regions warped to the landmark model input: (n, size, size, 3) float32 in [0, 1].

    ``rgb`` is one frame, or one frame per region (e.g. with other people greyed out).
    """
    frames = rgb if isinstance(rgb, list) else [rgb] * len(rois)
    crops = np.stack(
        [warp(f, roi, size, replicate=True) for f, roi in zip(frames, rois, strict=True)]
    )
    return crops.astype(np.float32) * np.float32(1.0 / 255.0)


def decode_person(out: LandmarkOutput, i: int, roi: Roi, size: int) -> PoseLandmarks:
    """Person ``i`` of a landmark-model batch, projected from its ``roi`` to the frame."""
    raw = out.landmarks[i].astype(np.float64)
    uv = refine_from_heatmap(raw[:, 0:2] / size, out.heatmap[i])
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    world = out.world[i, :NUM_BODY].astype(np.float64)
    rotated = np.stack(
        [c * world[:, 0] - s * world[:, 1], s * world[:, 0] + c * world[:, 1], world[:, 2]],
        axis=-1,
    )
    return PoseLandmarks(
        xy=roi.to_frame(uv),
        z=raw[:, 2] / size * roi.w,
        visibility=_sigmoid(raw[:, 3]),
        presence=_sigmoid(raw[:, 4]),
        world=rotated,
        score=float(out.flag[i]),
        roi=roi,
    )


def find_landmarks(
    nets: Networks, rgb: np.ndarray | list[np.ndarray], rois: list[Roi]
) -> list[PoseLandmarks]:
    """Landmarks of the person in each region, in one batched network call; ``rgb`` is
    the frame, or one frame per region."""
    if not rois:
        return []
    size = nets.landmark_size
    out = nets.landmarks(landmark_input(rgb, rois, size))
    return [decode_person(out, i, roi, size) for i, roi in enumerate(rois)]
