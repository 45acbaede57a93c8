"""Plotly figures: landmark trajectories, joint angles, comparison scores and skeletons.

One style for all of them (``_STYLE``, the colours below). Every point of a time series
carries its frame index as ``customdata``, so the app can turn a click back into a
frame; a marker (a vertical line plus a dot on every curve) shows the current frame.
No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pose_core.compare import ClipComparison, PoseComparison
from pose_core.kinematics import Angles, normalize
from pose_core.landmarks import CONNECTIONS, LANDMARK_INDEX
from pose_core.poses import Pose, PoseSequence

# Landmark CSV column -> (label, axis title, unit); image and world y grow downwards.
COORDINATES: dict[str, tuple[str, str, str]] = {
    "y_px": ("y (pixels)", "y (pixels, up = higher in the frame)", " px"),
    "x_px": ("x (pixels)", "x (pixels from the left)", " px"),
    "z": ("z (relative depth)", "z (relative to the hips, smaller = nearer)", ""),
    "world_x": ("world x (m)", "world x (metres from the hips)", " m"),
    "world_y": ("world y (m)", "world y (metres from the hips, up = higher)", " m"),
    "world_z": ("world z (m)", "world z (metres, smaller = nearer)", " m"),
}
_DOWNWARD = frozenset({"y_px", "world_y"})
DEFAULT_LANDMARKS: tuple[str, ...] = ("left_wrist", "right_wrist", "left_ankle", "right_ankle")
DEFAULT_ANGLES: tuple[str, ...] = ("left_knee", "right_knee", "left_hip", "right_hip")

MARKER_COLOR = "#e4572e"
REFERENCE_COLOR = "#f2c14e"
CANDIDATE_COLOR = "#3a86ff"
# One clearly different colour per curve (the Streamlit theme pairs similar shades).
SERIES_COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#d62728",
)
HEIGHT = 330
_STYLE: dict[str, Any] = {
    "height": HEIGHT,
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    "clickmode": "event+select",
}


def score_color(score: float) -> str:
    """Green from 80, amber from 50, red below; grey when there is no score."""
    if not np.isfinite(score):
        return "#9e9e9e"
    return "#2a9d8f" if score >= 80 else "#e9c46a" if score >= 50 else "#e76f51"


def landmark_series(poses: PoseSequence, person: int, landmark: str, column: str) -> np.ndarray:
    """(F,) one landmark CSV ``column`` of one landmark of one person; NaN where missing."""
    lm = LANDMARK_INDEX[landmark]
    if column in ("x_px", "y_px"):
        return poses.xy_px[:, person, lm, "xy".index(column[0])].astype(np.float64)
    if column == "z":
        return poses.xyz[:, person, lm, 2].astype(np.float64)
    axis = "xyz".index(column.removeprefix("world_"))
    return poses.world[:, person, lm, axis].astype(np.float64)


def _time_figure(y_title: str, times_s: np.ndarray, current: int | None) -> go.Figure:
    fig = go.Figure()
    if current is not None and len(times_s):
        t = float(times_s[min(max(current, 0), len(times_s) - 1)])
        fig.add_vline(x=t, line_width=2, line_dash="dot", line_color=MARKER_COLOR)
    fig.update_layout(**_STYLE, hovermode="x unified", xaxis_title="time (s)", yaxis_title=y_title)
    return fig


def _add_series(
    fig: go.Figure,
    name: str,
    times_s: np.ndarray,
    values: np.ndarray,
    current: int | None,
    unit: str,
    color: str | None = None,
) -> None:
    if color is None:
        shown = sum(1 for t in fig.data if t.showlegend is not False)
        color = SERIES_COLORS[shown % len(SERIES_COLORS)]
    fig.add_trace(
        go.Scatter(
            x=times_s,
            y=values,
            customdata=np.arange(len(times_s)),
            mode="lines+markers",
            marker={"size": 3, "color": color},
            line={"width": 2, "color": color},
            name=name,
            hovertemplate=f"{name}<br>frame %{{customdata}}<br>t %{{x:.2f}} s<br>"
            f"%{{y:.1f}}{unit}<extra></extra>",
        )
    )
    if current is not None and 0 <= current < len(values) and np.isfinite(values[current]):
        fig.add_trace(
            go.Scatter(
                x=[times_s[current]],
                y=[values[current]],
                customdata=[current],
                mode="markers",
                marker={"size": 11, "color": MARKER_COLOR, "line": {"width": 1, "color": "white"}},
                showlegend=False,
                hoverinfo="skip",
            )
        )


FILLED_NAME = "interpolated (gap filled)"


def _mark_filled(fig: go.Figure, times_s: np.ndarray, filled: np.ndarray | None) -> None:
    """Ring every point of frames in ``filled`` (F,), one legend entry for them all."""
    if filled is None or not filled.any():
        return
    xs: list[float] = []
    ys: list[float] = []
    for trace in [t for t in fig.data if t.showlegend is not False]:
        xs += list(np.asarray(trace.x)[filled])
        ys += list(np.asarray(trace.y, dtype=np.float64)[filled])
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker={"size": 9, "symbol": "circle-open", "color": "#6c757d"},
            name=FILLED_NAME,
            hoverinfo="skip",
        )
    )


def trajectory_figure(
    poses: PoseSequence, person: int, landmarks: Sequence[str], column: str, current: int | None
) -> go.Figure:
    """One landmark CSV ``column`` of each of ``landmarks`` over time, for one person.

    Image and world y grow downwards; their axes are reversed, so a rising curve is a
    rising body part. Frames filled over a gap are ringed.
    """
    _, title, unit = COORDINATES[column]
    fig = _time_figure(title, poses.times_s, current)
    for name in landmarks:
        values = landmark_series(poses, person, name, column)
        _add_series(fig, name, poses.times_s, values, current, unit)
    _mark_filled(fig, poses.times_s, None if poses.filled is None else poses.filled[:, person])
    if column in _DOWNWARD:
        fig.update_yaxes(autorange="reversed")
    return fig


def angle_figure(
    angles: Angles,
    person: int,
    names: Sequence[str],
    current: int | None,
    world: bool = False,
    filled: np.ndarray | None = None,
) -> go.Figure:
    """Joint and segment angles (degrees) over time for one person; ``world``: the 3D
    angles; ``filled`` (F, P) rings the frames filled over a gap."""
    title = "angle (degrees, 3D)" if world else "angle (degrees, image plane)"
    fig = _time_figure(title, angles.times_s, current)
    for name in names:
        _add_series(fig, name, angles.times_s, angles.series(name, person, world), current, "°")
    _mark_filled(fig, angles.times_s, None if filled is None else filled[:, person])
    return fig


def score_timeline_figure(result: ClipComparison, current: int | None = None) -> go.Figure:
    """Per-frame score of the candidate clip over its time, with a marker at ``current``."""
    fig = _time_figure("score (0-100)", result.cand_times_s, current)
    _add_series(fig, "score", result.cand_times_s, result.frame_scores, current, "", "#8d99ae")
    line = fig.data[0]
    line.marker.color = [score_color(s) for s in result.frame_scores]
    line.marker.size = 5
    line.text = [result.ref_frame_for(f) for f in range(len(result.frame_scores))]
    line.hovertemplate = (
        "frame %{customdata} (%{x:.2f} s) ↔ reference frame %{text}<br>"
        "score %{y:.1f}<extra></extra>"
    )
    for m in result.worst:
        fig.add_annotation(
            x=m.cand_time_s, y=m.score, text="low", showarrow=True, arrowhead=2, ay=30
        )
    fig.add_hline(y=result.score, line_width=1, line_dash="dash", line_color="#6c757d")
    fig.update_layout(showlegend=False, xaxis_title="candidate time (s)", yaxis_range=[0, 102])
    return fig


def joint_bars_figure(result: PoseComparison) -> go.Figure:
    """One horizontal bar per joint: its score, coloured, the difference in the hover."""
    scores = [j.score for j in result.joints]
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=[j.name.replace("_", " ") for j in result.joints],
            orientation="h",
            marker={"color": [score_color(s) for s in scores]},
            customdata=[j.difference_deg for j in result.joints],
            hovertemplate="%{y}: %{x:.0f} / 100<br>%{customdata:+.0f}°<extra></extra>",
        )
    )
    fig.update_layout(
        **(_STYLE | {"height": HEIGHT + 60, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}}),
        xaxis_range=[0, 100],
        xaxis_title="joint score",
        yaxis_autorange="reversed",
    )
    return fig


def _bones(world: np.ndarray, axes: tuple[int, int]) -> tuple[list[Any], list[Any]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    a, _ = axes
    for i, j in CONNECTIONS:
        if i < 11 or j < 11:
            continue  # the face: too small to read at this size
        xs += [world[i, a], world[j, a], None]
        ys += [-world[i, 1], -world[j, 1], None]
    return xs, ys


def skeleton_figure(reference: Pose, overlay: Pose | None = None, title: str = "") -> go.Figure:
    """Front and side views of a pose, normalised; ``overlay`` is drawn over it in
    another colour (e.g. the aligned candidate)."""
    fig = make_subplots(cols=2, subplot_titles=("front", "side"), horizontal_spacing=0.08)
    layers = [(normalize(reference.world), REFERENCE_COLOR, "reference")]
    if overlay is not None:
        layers.append((normalize(overlay.world), CANDIDATE_COLOR, "candidate"))
    for coords, color, name in layers:
        for col, axes in ((1, (0, 1)), (2, (2, 1))):
            xs, ys = _bones(coords, axes)
            line = {"width": 5, "color": color}
            shown = col == 1 and overlay is not None
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", line=line, name=name, showlegend=shown,
                    hoverinfo="skip",
                ),
                row=1,
                col=col,
            )  # fmt: skip
            nose = coords[0]
            fig.add_trace(
                go.Scatter(
                    x=[nose[axes[0]]], y=[-nose[1]], mode="markers",
                    marker={"size": 14, "color": color}, showlegend=False, hoverinfo="skip",
                ),
                row=1,
                col=col,
            )  # fmt: skip
    for col in (1, 2):
        fig.update_xaxes(visible=False, scaleanchor=f"y{'' if col == 1 else col}", row=1, col=col)
        fig.update_yaxes(visible=False, row=1, col=col)
    fig.update_layout(
        **(_STYLE | {"margin": {"l": 10, "r": 10, "t": 40 if title else 25, "b": 10}}),
        title=title or None,
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig
