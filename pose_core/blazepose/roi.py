"""Rotated regions of interest and the warps between them and the frame.

A person's region is a square centred on the hips, with a side of 2.5 times the
hip-centre-to-scale-point distance (twice the distance, then MediaPipe's 1.25 margin),
turned so that the body's axis points up in the crop. Everything here is in frame pixels;
MediaPipe stores the same rectangles normalized, which does not change their IoU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

# The crop's margin around twice the centre-to-scale distance (RectTransformation 1.25).
ROI_SCALE = 1.25
# The angle the centre-to-scale vector is turned to: straight up in the crop.
_TARGET_ANGLE = math.pi / 2


@dataclass(frozen=True)
class Roi:
    """A rotated rectangle in frame pixels.

    ``cx``, ``cy``: centre; ``w``, ``h``: side lengths; ``rotation``: radians, positive
    clockwise on screen (y points down), the crop's x axis being ``(cos, sin)``.
    """

    cx: float
    cy: float
    w: float
    h: float
    rotation: float = 0.0

    def crop_matrix(self, size: int) -> np.ndarray:
        """(2, 3) map from a ``size`` x ``size`` crop's pixels to frame pixels."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        k_w, k_h = self.w / size, self.h / size
        return np.array(
            [
                [c * k_w, -s * k_h, self.cx - c * self.w / 2 + s * self.h / 2],
                [s * k_w, c * k_h, self.cy - s * self.w / 2 - c * self.h / 2],
            ]
        )

    def to_frame(self, uv: np.ndarray) -> np.ndarray:
        """Points (..., 2) given as fractions of the crop (0..1) to frame pixels."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        u = (uv[..., 0] - 0.5) * self.w
        v = (uv[..., 1] - 0.5) * self.h
        return np.stack([self.cx + c * u - s * v, self.cy + s * u + c * v], axis=-1)

    def bounds(self) -> tuple[float, float, float, float]:
        """Axis-aligned (xmin, ymin, xmax, ymax) of the unrotated rectangle, as MediaPipe's
        association compares them."""
        return (
            self.cx - self.w / 2,
            self.cy - self.h / 2,
            self.cx + self.w / 2,
            self.cy + self.h / 2,
        )


def normalize_radians(angle: float) -> float:
    """``angle`` wrapped into [-pi, pi)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def roi_from_alignment(center: np.ndarray, scale_point: np.ndarray) -> Roi:
    """The person region from the hip centre and the scale point (both (2,) pixels)."""
    dx, dy = float(scale_point[0] - center[0]), float(scale_point[1] - center[1])
    side = 2.0 * math.hypot(dx, dy) * ROI_SCALE
    rotation = normalize_radians(_TARGET_ANGLE - math.atan2(-dy, dx))
    return Roi(float(center[0]), float(center[1]), side, side, rotation)


def square_roi(x0: float, y0: float, w: float, h: float) -> Roi:
    """An upright square holding the rectangle (x0, y0, w, h), centred, padded on the
    short axis (MediaPipe's keep-aspect-ratio letterbox)."""
    side = max(w, h)
    return Roi(x0 + w / 2, y0 + h / 2, side, side, 0.0)


def iou(a: Roi, b: Roi) -> float:
    """Intersection over union of the two rectangles' unrotated bounds."""
    ax0, ay0, ax1, ay1 = a.bounds()
    bx0, by0, bx1, by1 = b.bounds()
    iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    ih = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def warp(rgb: np.ndarray, roi: Roi, size: int, replicate: bool) -> np.ndarray:
    """The ``size`` x ``size`` uint8 crop of ``rgb`` (H, W, 3) under ``roi``.

    Bilinear; outside the frame the edge pixels are repeated (``replicate``) or black.
    Built like MediaPipe's OpenCV converter (the rectangle's corners in float32 mapped
    onto the crop's corners by a perspective transform), which keeps our crops within
    rounding of its own.
    """
    f32 = [float(np.float32(v)) for v in (roi.cx, roi.cy, roi.w, roi.h)]
    degrees = float(np.float32(roi.rotation) * np.float32(180.0 / math.pi))
    box = ((f32[0], f32[1]), (f32[2], f32[3]), degrees)
    corners = cv2.boxPoints(box).astype(np.float32)  # bottom-left, top-left, top-right, ...
    target = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    border = cv2.BORDER_REPLICATE if replicate else cv2.BORDER_CONSTANT
    return cv2.warpPerspective(
        rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=(0, 0, 0)
    )
