"""Smoothing, outlier rejection and gap filling: pure functions from a PoseSequence to
a new one, each recorded in its history.

The offline filters (Butterworth, Savitzky-Golay, median, Hampel) run along time on each
stretch a person was seen without a break, so a gap is never smoothed over; they assume
the clip's median frame rate (``PoseSequence.fps``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import ndimage, signal

from pose_core.errors import PoseLabError
from pose_core.poses import PoseSequence
from pose_core.settings import Settings

FILTERS: dict[str, str] = {
    "none": "none (raw landmarks)",
    "one_euro": "One Euro (adaptive, online)",
    "butterworth": "Butterworth, zero-phase (order 4)",
    "savgol": "Savitzky-Golay (quadratic)",
    "median": "moving median",
}
"""Filter name -> what the app calls it."""
BUTTERWORTH_ORDER = 4
SAVGOL_POLYORDER = 2
HAMPEL_HALF_WINDOW_S = 0.1
HAMPEL_SIGMAS = 3.0


class OneEuroFilter:
    """Casiez et al.'s One Euro filter, element-wise over an array, NaN-aware.

    A NaN input passes through and restarts the filter for that element, so a person
    who reappears is not dragged from where they were last seen.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 10.0, d_cutoff: float = 1.0) -> None:
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        """Filter the sample ``x`` taken at time ``t`` (seconds, increasing)."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._dx is None or self._t is None or self._x.shape != x.shape:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t
            return x.copy()
        dt = max(t - self._t, 1e-3)
        self._t = t
        fresh = np.isnan(self._x) & ~np.isnan(x)
        dx = (x - self._x) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        a = self._alpha(cutoff, dt)
        x_hat = a * x + (1 - a) * self._x
        x_hat = np.where(fresh, x, x_hat)
        dx_hat = np.where(fresh | np.isnan(dx_hat), 0.0, dx_hat)
        self._x, self._dx = x_hat, dx_hat
        return x_hat


def one_euro(seq: PoseSequence, min_cutoff: float = 1.0, beta: float = 10.0) -> PoseSequence:
    """Smooth normalized and world coordinates of every person along time."""
    xyz = np.empty_like(seq.xyz)
    world = np.empty_like(seq.world)
    f_xyz = OneEuroFilter(min_cutoff, beta)
    f_world = OneEuroFilter(min_cutoff, beta)
    for i, t in enumerate(seq.times_s):
        xyz[i] = f_xyz(seq.xyz[i], float(t))
        world[i] = f_world(seq.world[i], float(t))
    return seq.with_steps(f"one_euro(min_cutoff={min_cutoff}, beta={beta})", xyz=xyz, world=world)


def _fill(values: np.ndarray, times: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linear interpolation along axis 0 over interior NaN runs no longer than max_gap_s."""
    out = values.copy()
    flat = out.reshape(len(out), -1)
    for col in range(flat.shape[1]):
        v = flat[:, col]
        ok = ~np.isnan(v)
        idx = np.flatnonzero(ok)
        if len(idx) < 2 or ok.all():
            continue
        gaps = np.flatnonzero(np.diff(idx) > 1)
        for g in gaps:
            a, b = idx[g], idx[g + 1]
            if times[b] - times[a] <= max_gap_s + 1e-9:
                v[a + 1 : b] = np.interp(times[a + 1 : b], [times[a], times[b]], [v[a], v[b]])
    return out


def fill_gaps(seq: PoseSequence, max_gap_s: float) -> PoseSequence:
    """Interpolate a person's landmarks across gaps up to ``max_gap_s`` seconds.

    Only gaps with the person seen on both sides are filled; filled frames get the
    lower visibility and presence of the two ends, so they never look surer than
    what was measured, and are flagged in ``filled``.
    """
    if max_gap_s <= 0 or seq.num_frames < 3:
        return seq
    t = seq.times_s
    xyz = _fill(seq.xyz, t, max_gap_s)
    world = _fill(seq.world, t, max_gap_s)
    filled = np.isnan(seq.xyz[..., 0]) & ~np.isnan(xyz[..., 0])
    was = seq.filled if seq.filled is not None else np.zeros(seq.detected.shape, bool)
    person_filled = was | (~seq.detected & ~np.isnan(xyz[..., 0]).all(axis=-1))
    vis, pres = seq.visibility.copy(), seq.presence.copy()
    for arr in (vis, pres):
        fwd = _hold(arr, forward=True)
        bwd = _hold(arr, forward=False)
        arr[filled] = np.fmin(fwd, bwd)[filled]
    return seq.with_steps(
        f"fill_gaps(max_gap_s={max_gap_s})",
        xyz=xyz,
        world=world,
        visibility=vis,
        presence=pres,
        filled=person_filled,
    )


def _hold(arr: np.ndarray, forward: bool) -> np.ndarray:
    """Carry the last non-NaN value along axis 0 (forward or backward)."""
    a = arr if forward else arr[::-1]
    out = a.copy()
    for i in range(1, len(out)):
        out[i] = np.where(np.isnan(out[i]), out[i - 1], out[i])
    return out if forward else out[::-1]


Block = Callable[[np.ndarray], np.ndarray]
"""Filters a (n, C) block of values along axis 0; n is at least ``min_len``."""


def _runs(ok: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of every run of True in a (F,) mask."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _along_time(values: np.ndarray, block: Block, min_len: int) -> np.ndarray:
    """``block`` applied to each person's unbroken runs of (F, P, ...) ``values``;
    runs shorter than ``min_len`` frames, and values next to a lone NaN, stay as they are."""
    out = values.astype(np.float64, copy=True)
    for p in range(values.shape[1]):
        flat = out[:, p].reshape(len(out), -1)
        for a, b in _runs(~np.isnan(flat).all(axis=1)):
            if b - a < min_len:
                continue
            part = flat[a:b]
            whole = ~np.isnan(part).any(axis=0)
            part[:, whole] = block(part[:, whole])
        out[:, p] = flat.reshape(out[:, p].shape)
    return out.astype(values.dtype)


def _apply(seq: PoseSequence, step: str, block: Block, min_len: int) -> PoseSequence:
    xyz = _along_time(seq.xyz, block, min_len)
    world = _along_time(seq.world, block, min_len)
    return seq.with_steps(step, xyz=xyz, world=world)


def _rate(seq: PoseSequence) -> float:
    if seq.fps <= 0:
        raise PoseLabError(f"{seq.source}: the frame rate is unknown; choose another filter")
    return seq.fps


def _odd_frames(seq: PoseSequence, window_s: float, least: int) -> int:
    n = max(least, int(round(window_s * _rate(seq))))
    return n if n % 2 else n + 1


def butterworth(seq: PoseSequence, cutoff_hz: float) -> PoseSequence:
    """Zero-phase low-pass Butterworth of order 4: a 2nd-order filter run forward and
    backward (no lag), -6 dB at ``cutoff_hz``, as Pose2Sim and Sports2D do.

    Raises:
        PoseLabError: the cut-off is not below half the frame rate.
    """
    fps = _rate(seq)
    if not 0 < cutoff_hz < fps / 2:
        raise PoseLabError(
            f"{seq.source}: the Butterworth cut-off ({cutoff_hz:g} Hz) must be below half "
            f"the frame rate ({fps / 2:.1f} Hz)"
        )
    sos = signal.butter(BUTTERWORTH_ORDER // 2, cutoff_hz / (fps / 2), output="sos")
    pad = 3 * (2 * len(sos) + 1)

    def block(x: np.ndarray) -> np.ndarray:
        return np.asarray(signal.sosfiltfilt(sos, x, axis=0, padlen=min(pad, len(x) - 1)))

    return _apply(seq, f"butterworth(order={BUTTERWORTH_ORDER}, cutoff_hz={cutoff_hz})", block, 4)


def savgol(seq: PoseSequence, window_s: float) -> PoseSequence:
    """Savitzky-Golay: a quadratic fitted over a window of ``window_s`` seconds (an odd
    number of frames, at least 5) around each frame."""
    n = _odd_frames(seq, window_s, 5)

    def block(x: np.ndarray) -> np.ndarray:
        return np.asarray(signal.savgol_filter(x, n, SAVGOL_POLYORDER, axis=0, mode="interp"))

    return _apply(seq, f"savgol(window_frames={n}, polyorder={SAVGOL_POLYORDER})", block, n)


def median(seq: PoseSequence, window_s: float) -> PoseSequence:
    """Moving median over ``window_s`` seconds (an odd number of frames, at least 3)."""
    n = _odd_frames(seq, window_s, 3)

    def block(x: np.ndarray) -> np.ndarray:
        return np.asarray(ndimage.median_filter(x, size=(n, 1), mode="nearest"))

    return _apply(seq, f"median(window_frames={n})", block, n)


def hampel(seq: PoseSequence) -> PoseSequence:
    """Hampel outlier rejection: a value further than 3 scaled MADs from the median of
    the frames within 0.1 s of it is replaced by that median."""
    k = max(1, int(round(HAMPEL_HALF_WINDOW_S * _rate(seq))))

    def block(x: np.ndarray) -> np.ndarray:
        padded = np.pad(x, ((k, k), (0, 0)), mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1, axis=0)
        med = np.median(windows, axis=-1)
        mad = 1.4826 * np.median(np.abs(windows - med[..., None]), axis=-1)
        return np.where(np.abs(x - med) > HAMPEL_SIGMAS * mad, med, x)

    return _apply(seq, f"hampel(half_window_frames={k}, sigmas={HAMPEL_SIGMAS})", block, 3)


def smooth(seq: PoseSequence, settings: Settings) -> PoseSequence:
    """A clip's landmarks as ``settings`` ask: Hampel (optional), gap filling, then the
    chosen filter (filled values are flagged in ``filled``)."""
    if settings.hampel:
        seq = hampel(seq)
    seq = fill_gaps(seq, settings.max_gap_s)
    if settings.filter == "one_euro":
        return one_euro(seq, settings.smoothing_min_cutoff, settings.smoothing_beta)
    if settings.filter == "butterworth":
        return butterworth(seq, settings.cutoff_hz)
    if settings.filter == "savgol":
        return savgol(seq, settings.window_s)
    if settings.filter == "median":
        return median(seq, settings.window_s)
    return seq
