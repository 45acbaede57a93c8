"""SSD anchor centres of the BlazePose detector, as MediaPipe's pose detection graph sets
its ``SsdAnchorsCalculator`` up: 5 layers with strides 8, 16, 32, 32, 32 on a 224 px
input, fixed anchor size, and two anchors per layer and cell (aspect ratio 1 plus the
interpolated scale). Layers that share a stride share a grid, so the 224 px input has
28*28*2 + 14*14*2 + 7*7*6 = 2254 anchors.
"""

from __future__ import annotations

import numpy as np

STRIDES = (8, 16, 32, 32, 32)
ANCHORS_PER_LAYER = 2
ANCHOR_OFFSET = 0.5


def ssd_anchors(input_size: int = 224, strides: tuple[int, ...] = STRIDES) -> np.ndarray:
    """Anchor centres, shape (anchors, 2), as (x, y) fractions of the input (0..1).

    Order: grid by grid (consecutive equal strides merged), then row, column, anchor.
    """
    centres: list[np.ndarray] = []
    i = 0
    while i < len(strides):
        stride = strides[i]
        layers = 0
        while i < len(strides) and strides[i] == stride:
            layers += 1
            i += 1
        cells = int(np.ceil(input_size / stride))
        grid = (np.arange(cells) + ANCHOR_OFFSET) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        per_cell = np.stack([xs, ys], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(per_cell, layers * ANCHORS_PER_LAYER, axis=1).reshape(-1, 2))
    return np.concatenate(centres, axis=0)
