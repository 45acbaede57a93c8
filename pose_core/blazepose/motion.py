"""A cheap cue for where a newcomer may be: movement outside the people already followed.

Each frame is shrunk to a small grey picture and compared with the previous one; changed
pixels inside the followed people's regions are ignored. What is left, if enough of it,
tells the follower which search region to run the detector on now instead of waiting
for its turn. A moving camera makes everything move, which only means searching often.
"""

from __future__ import annotations

import cv2
import numpy as np

from pose_core.blazepose.roi import Roi

# Long side of the small picture, pixels; grey-level change that counts as movement;
# share of the small picture's pixels that must move.
SMALL_SIDE = 160
MIN_CHANGE = 18
MIN_SHARE = 0.002
# Followed people's regions are ignored with this extra margin (fraction of their side).
MARGIN = 0.15


class MotionCue:
    """Movement outside the followed people, frame to frame. One per clip."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None

    def _small(self, rgb: np.ndarray) -> tuple[np.ndarray, float]:
        h, w = rgb.shape[:2]
        k = SMALL_SIDE / max(h, w)
        size = (max(1, round(w * k)), max(1, round(h * k)))
        grey = cv2.cvtColor(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        return grey, k

    def where(self, rgb: np.ndarray, followed: list[Roi]) -> tuple[float, float] | None:
        """Centre (x, y, frame pixels) of the movement outside ``followed`` since the last
        call, or None when too little moved (or on the first frame)."""
        small, k = self._small(rgb)
        previous, self._previous = self._previous, small
        if previous is None or previous.shape != small.shape:
            return None
        moved = cv2.absdiff(small, previous) > MIN_CHANGE
        for roi in followed:
            x0, y0, x1, y1 = roi.bounds()
            pad = MARGIN * roi.w
            a0, b0 = max(0, int((x0 - pad) * k)), max(0, int((y0 - pad) * k))
            moved[b0 : max(b0, int((y1 + pad) * k) + 1), a0 : max(a0, int((x1 + pad) * k) + 1)] = (
                False
            )
        ys, xs = np.nonzero(moved)
        if xs.size < MIN_SHARE * moved.size:
            return None
        return float(np.median(xs) / k), float(np.median(ys) / k)
