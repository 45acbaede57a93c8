"""Left and right kept apart through a clip, from the way the body faces in 3D.

A monocular model cannot always tell whether it sees a person's front or back: seen from
the side, their left and right nearly coincide in the picture, and the model sometimes
trades the labels for a second or more (the Pose2Sim clip cam02 does, frames 44-78).
The image-plane tracker (:mod:`pose_core.tracking`) cannot see that: either labelling
fits the picture. The world landmarks can: the body's left-to-right axis then turns by
140-180° within one or two frames (4,000°/s at 60 fps), where a real turn, even a
pirouette, stays below about 1,000°/s.

:func:`consistent_sides` picks, for each person and frame, the labelling (as given, or
left and right traded) that makes the body's facing turn least over the whole clip:
a shortest path over two states per frame where turning costs ``angle^2 / time`` (a
random walk), a frame may be passed over at a price (the model's in-between frame of a
flip points anywhere), and a traded frame costs a little (the model's labels win ties).
"""

from __future__ import annotations

import warnings

import numpy as np

from pose_core.landmarks import BODY, LANDMARK_INDEX, MIRROR_PERMUTATION
from pose_core.poses import PoseSequence

_MIRROR = np.asarray(MIRROR_PERMUTATION)
_BODY = np.asarray(BODY)
_KEEP_TRADE = (np.arange(len(MIRROR_PERMUTATION)), _MIRROR)
_LEFT = [LANDMARK_INDEX["left_shoulder"], LANDMARK_INDEX["left_hip"]]
_RIGHT = [LANDMARK_INDEX["right_shoulder"], LANDMARK_INDEX["right_hip"]]

TURN_RATE_DEG2_S = 30.0 * 30.0**2
"""Turning cost scale: 30° between two frames 1/30 s apart costs 1 (a random walk)."""
SKIP_COST = 1.0
"""Price of passing over one frame 1/30 s long (as much as turning 30° in it)."""
TRADE_COST = 1e-3
"""Price of trading a frame's left and right labels: the model's labels win a tie."""
MOVE_RATE_S = 30.0 * 0.05**2
"""Picture cost scale: the body moving 0.05 body sizes in 1/30 s costs 1 (a label
trade of someone facing the camera moves the limbs about 0.25)."""
MAX_SKIP_S = 0.1
"""The longest run of frames that may be passed over, in seconds."""


def side_axes(world: np.ndarray) -> np.ndarray:
    """(F, 3) unit vectors from the body's right to its left side (shoulders and hips)
    of (F, 33, 3) world landmarks; NaN where a torso landmark is missing."""
    axis = world[:, _LEFT].sum(axis=1) - world[:, _RIGHT].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return axis / np.linalg.norm(axis, axis=-1, keepdims=True)


def _step_costs(v: np.ndarray, xy: np.ndarray, t: np.ndarray, gap: int) -> np.ndarray:
    """(N - gap, 2): the cost of going from node a to node a + ``gap`` with the labels of
    both kept alike (0) or one traded (1); turning plus moving in the picture."""
    a, b = np.arange(len(v) - gap), np.arange(gap, len(v))
    dt = np.maximum(t[b] - t[a], 1e-3)[:, None]
    cos = np.clip(np.einsum("ni,ni->n", v[a], v[b]), -1.0, 1.0)
    turn = np.degrees(np.arccos(np.stack([cos, -cos], axis=1))) ** 2 / (dt * TURN_RATE_DEG2_S)
    pa = xy[a][:, _BODY]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a frame without pixels: no cost
        span = np.nanmax(pa, axis=1) - np.nanmin(pa, axis=1)
        size = np.maximum(np.hypot(span[:, 0], span[:, 1]), 1e-6)
        moves = np.stack(
            [
                np.nanmean(np.linalg.norm(xy[b][:, m][:, _BODY] - pa, axis=-1), axis=1)
                for m in _KEEP_TRADE
            ],
            axis=1,
        )
    move = np.nan_to_num(moves / size[:, None]) ** 2 / (dt * MOVE_RATE_S)
    return turn + move


def _shortest_path(v: np.ndarray, xy: np.ndarray, t: np.ndarray, max_skip: int) -> dict[int, bool]:
    """Node index -> traded? along the cheapest path over (N, 3) side axes and (N, 33, 2)
    pixels at times (N,) seconds."""
    n = len(v)
    steps = {g: _step_costs(v, xy, t, g).tolist() for g in range(1, min(max_skip + 1, n - 1) + 1)}
    cost = [[0.0, TRADE_COST]] + [[np.inf, np.inf] for _ in range(n - 1)]
    back = [[(0, 0), (0, 0)] for _ in range(n)]  # per node and state: previous node, state
    for b in range(1, n):
        for a in range(max(0, b - max_skip - 1), b):
            same, other = steps[b - a][a]
            base = SKIP_COST * (b - a - 1)
            for s, extra in ((0, 0.0), (1, TRADE_COST)):
                # From state s' of a to state s of b: the labels trade when s' != s.
                for prev in (0, 1):
                    total = cost[a][prev] + (same if prev == s else other) + base + extra
                    if total < cost[b][s]:
                        cost[b][s], back[b][s] = total, (a, prev)
    node, state = n - 1, int(np.argmin(cost[-1]))
    path = {node: bool(state)}
    while node > 0:
        node, state = back[node][state]
        path[node] = bool(state)
    return path


def trade_plan(
    axes: np.ndarray, xy_px: np.ndarray, times_s: np.ndarray, max_skip: int
) -> np.ndarray:
    """(F,) True where a frame's labels should be traded, for (F, 3) side ``axes`` and
    (F, 33, 2) pixels.

    Frames the path passes over keep or trade their labels, whichever faces nearer the
    path frames around them; frames without a torso keep theirs.
    """
    known = np.flatnonzero(~np.isnan(axes[:, 0]))
    plan = np.zeros(len(axes), bool)
    if len(known) < 2:
        return plan
    times = np.asarray(times_s, np.float64)[known]
    path = _shortest_path(axes[known], xy_px[known], times, max_skip)
    nodes = sorted(path)
    for a, b in zip(nodes, nodes[1:], strict=False):
        # Frames passed over face like the mean of the two path frames around them.
        facing = sum(axes[known[k]] * (-1.0 if path[k] else 1.0) for k in (a, b))
        for k in range(a, b + 1):
            plan[known[k]] = path[k] if k in path else float(facing @ axes[known[k]]) < 0.0
    return plan


def consistent_sides(seq: PoseSequence) -> tuple[PoseSequence, int]:
    """``seq`` with every person's left and right labels consistent through the clip,
    and how many (frame, person) labellings were traded. A still image is returned as is.
    """
    if seq.num_frames < 2:
        return seq, 0
    max_skip = max(1, round(MAX_SKIP_S * (seq.fps or 30.0)))
    plans = np.zeros(seq.visibility.shape[:2], bool)
    for p in range(seq.num_people):
        axes = side_axes(seq.world[:, p].astype(np.float64))
        plans[:, p] = trade_plan(axes, seq.xy_px[:, p].astype(np.float64), seq.times_s, max_skip)
    traded = int(plans.sum())
    if not traded:
        return seq, 0
    arrays = {}
    for name in ("xyz", "visibility", "presence", "world"):
        a = getattr(seq, name).copy()
        a[plans] = a[plans][:, _MIRROR]
        arrays[name] = a
    return seq.with_steps(f"consistent_sides(traded={traded})", **arrays), traded
