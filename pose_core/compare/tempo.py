"""Tempo: how fast the student moves through the routine against the teacher, from the
clip alignment (DTW) path.
"""

from __future__ import annotations

import numpy as np

TEMPO_WINDOW_S = 1.0
"""The tempo is measured over this long a stretch of the student's clip."""


def tempo(path: np.ndarray, ref_times_s: np.ndarray, cand_times_s: np.ndarray) -> np.ndarray:
    """(F_cand,) the student's tempo relative to the teacher's at each candidate frame:
    reference seconds covered per candidate second over ``TEMPO_WINDOW_S`` (1.0 = the
    same, 1.1 = 10 % faster); NaN outside the aligned stretch.

    ``path`` is the (K, 2) ``[ref_frame, cand_frame]`` alignment.
    """
    cand_t = np.asarray(cand_times_s, dtype=np.float64)
    ref_t = np.asarray(ref_times_s, dtype=np.float64)
    cols = np.unique(path[:, 1])
    # The mean reference time matched to each candidate frame on the path.
    matched = np.array([ref_t[path[path[:, 1] == c, 0]].mean() for c in cols])
    t = cand_t[cols]
    out = np.full(len(cand_t), np.nan)
    for k, c in enumerate(cols):
        near = np.abs(t - t[k]) <= TEMPO_WINDOW_S / 2
        lo, hi = np.flatnonzero(near)[[0, -1]]
        if t[hi] - t[lo] >= TEMPO_WINDOW_S / 2:
            out[c] = (matched[hi] - matched[lo]) / (t[hi] - t[lo])
    return out


def tempo_summary(ratio: np.ndarray) -> str:
    """One sentence on the tempo, half by half: "you rush the second half by ~10 %"."""
    known = ratio[np.isfinite(ratio)]
    if len(known) < 2:
        return "too short to tell"
    halves = np.array_split(known, 2)
    words = []
    for name, half in zip(("first", "second"), halves, strict=True):
        change = 100 * (float(np.mean(half)) - 1.0)
        if change >= 5:
            words.append(f"you rush the {name} half by ~{round(change / 5) * 5:.0f} %")
        elif change <= -5:
            words.append(f"you drag the {name} half by ~{round(-change / 5) * 5:.0f} %")
    return "; ".join(words) if words else "even with the reference (within 5 %)"
