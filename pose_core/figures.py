"""Plotly figures for the app: landmark trajectories and joint angles over time.

Every trace carries the frame index of each point as ``customdata``, so a click on a
chart can be turned back into a frame (:func:`selected_frame`). A marker (a vertical
line plus a dot on every curve) shows the current frame. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from pose_core.kinematics import Angles
from pose_core.landmarks import LANDMARK_INDEX
from pose_core.sequence import PoseSequence

# Chart coordinate label -> (array, component, axis title).
COORDINATES: dict[str, tuple[str, int, str]] = {
    "y (pixels)": ("px", 1, "y (pixels, up = higher in the frame)"),
    "x (pixels)": ("px", 0, "x (pixels from the left)"),
    "z (relative depth)": ("xyz", 2, "z (relative to the hips, smaller = nearer)"),
    "world x (m)": ("world", 0, "world x (metres from the hips)"),
    "world y (m)": ("world", 1, "world y (metres from the hips, up = higher)"),
    "world z (m)": ("world", 2, "world z (metres, smaller = nearer)"),
}
_DOWNWARD = frozenset({"y (pixels)", "world y (m)"})
DEFAULT_LANDMARKS: tuple[str, ...] = ("left_wrist", "right_wrist", "left_ankle", "right_ankle")
DEFAULT_ANGLES: tuple[str, ...] = ("left_knee", "right_knee", "left_hip", "right_hip")
MARKER_COLOR = "#e4572e"
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
_HEIGHT = 330


def landmark_series(poses: PoseSequence, person: int, landmark: str, coordinate: str) -> np.ndarray:
    """(F,) one coordinate of one landmark of one person over time; NaN where missing."""
    source, component, _ = COORDINATES[coordinate]
    lm = LANDMARK_INDEX[landmark]
    if source == "px":
        return poses.xy_px[:, person, lm, component].astype(np.float64)
    array = poses.xyz if source == "xyz" else poses.world
    return array[:, person, lm, component].astype(np.float64)


def _base_figure(y_title: str, times_s: np.ndarray, current: int) -> go.Figure:
    fig = go.Figure()
    if len(times_s):
        t = float(times_s[min(max(current, 0), len(times_s) - 1)])
        fig.add_vline(x=t, line_width=2, line_dash="dot", line_color=MARKER_COLOR)
    fig.update_layout(
        height=_HEIGHT,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="x unified",
        clickmode="event+select",
        xaxis_title="time (s)",
        yaxis_title=y_title,
    )
    return fig


def _add_series(
    fig: go.Figure, name: str, times_s: np.ndarray, values: np.ndarray, current: int, unit: str
) -> None:
    frames = np.arange(len(times_s))
    color = SERIES_COLORS[
        sum(1 for t in fig.data if t.showlegend is not False) % len(SERIES_COLORS)
    ]
    fig.add_trace(
        go.Scatter(
            x=times_s,
            y=values,
            customdata=frames,
            mode="lines+markers",
            marker={"size": 3, "color": color},
            line={"width": 2, "color": color},
            name=name,
            hovertemplate=f"{name}<br>frame %{{customdata}}<br>t %{{x:.2f}} s<br>"
            f"%{{y:.1f}}{unit}<extra></extra>",
        )
    )
    if 0 <= current < len(values) and not np.isnan(values[current]):
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


def trajectory_figure(
    poses: PoseSequence,
    person: int,
    landmarks: Sequence[str],
    coordinate: str,
    current: int,
) -> go.Figure:
    """Line chart of ``coordinate`` of each of ``landmarks`` over time for one person.

    Image and world y grow downwards; their axes are reversed, so a rising curve is a
    rising body part.
    """
    _, _, title = COORDINATES[coordinate]
    fig = _base_figure(title, poses.times_s, current)
    unit = " px" if "pixels" in coordinate else (" m" if "world" in coordinate else "")
    for name in landmarks:
        values = landmark_series(poses, person, name, coordinate)
        _add_series(fig, name, poses.times_s, values, current, unit)
    if coordinate in _DOWNWARD:
        fig.update_yaxes(autorange="reversed")
    return fig


def angle_figure(
    angles: Angles,
    person: int,
    names: Sequence[str],
    current: int,
    world: bool = False,
) -> go.Figure:
    """Line chart of joint angles (degrees) over time for one person.

    ``world`` plots the 3D angles from world landmarks instead of the image-plane ones.
    """
    title = "angle (degrees, 3D)" if world else "angle (degrees, image plane)"
    fig = _base_figure(title, angles.times_s, current)
    for name in names:
        _add_series(fig, name, angles.times_s, angles.series(name, person, world), current, "°")
    return fig


def selected_frame(selection: Mapping[str, Any] | None) -> int | None:
    """The frame index of the first clicked point in a Plotly selection, if any.

    Accepts Streamlit's chart state (``{"selection": {"points": [...]}}``) or the
    inner selection dict.
    """
    if not selection:
        return None
    inner = selection.get("selection", selection)
    points = inner.get("points") or []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list | tuple):
            data = data[0] if data else None
        if data is not None:
            return int(data)
    return None
