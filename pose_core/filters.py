"""Smoothing and gap filling: pure functions from a PoseSequence to a new one."""

from __future__ import annotations

import math

import numpy as np

from pose_core.poses import PoseSequence


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
