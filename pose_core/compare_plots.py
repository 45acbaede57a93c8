"""Plotly figures for comparisons: score timeline, per-joint scores, reference skeletons.

No Streamlit here. The timeline carries each point's candidate frame as ``customdata``,
so :func:`pose_core.figures.selected_frame` turns a click back into a frame.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pose_core.compare import ClipComparison, Pose, PoseComparison, normalize
from pose_core.landmarks import CONNECTIONS

MARKER_COLOR = "#e4572e"
REFERENCE_COLOR = "#f2c14e"
CANDIDATE_COLOR = "#3a86ff"
_HEIGHT = 320


def score_color(score: float) -> str:
    """Green from 80, amber from 50, red below."""
    if not np.isfinite(score):
        return "#9e9e9e"
    return "#2a9d8f" if score >= 80 else "#e9c46a" if score >= 50 else "#e76f51"


def score_timeline_figure(result: ClipComparison, current: int | None = None) -> go.Figure:
    """Per-frame score of the candidate clip over its time, with a marker at ``current``."""
    t = result.cand_times_s
    frames = np.arange(len(result.frame_scores))
    ref_frames = np.array([result.ref_frame_for(int(f)) for f in frames])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=t,
            y=result.frame_scores,
            customdata=np.c_[frames, ref_frames],
            mode="lines+markers",
            marker={"size": 4, "color": [score_color(s) for s in result.frame_scores]},
            line={"width": 2, "color": "#8d99ae"},
            name="score",
            hovertemplate="frame %{customdata[0]} (%{x:.2f} s) ↔ reference frame "
            "%{customdata[1]}<br>score %{y:.1f}<extra></extra>",
        )
    )
    for m in result.worst:
        fig.add_annotation(
            x=m.cand_time_s, y=m.score, text="low", showarrow=True, arrowhead=2, ay=30
        )
    if current is not None and len(t):
        c = min(max(int(current), 0), len(t) - 1)
        fig.add_vline(x=float(t[c]), line_width=2, line_dash="dot", line_color=MARKER_COLOR)
        if np.isfinite(result.frame_scores[c]):
            fig.add_trace(
                go.Scatter(
                    x=[t[c]],
                    y=[result.frame_scores[c]],
                    mode="markers",
                    marker={"size": 11, "color": MARKER_COLOR},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
    fig.add_hline(y=result.score, line_width=1, line_dash="dash", line_color="#6c757d")
    fig.update_layout(
        height=_HEIGHT,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=False,
        clickmode="event+select",
        xaxis_title="candidate time (s)",
        yaxis_title="score (0-100)",
        yaxis_range=[0, 102],
    )
    return fig


def joint_bars_figure(result: PoseComparison) -> go.Figure:
    """One horizontal bar per joint: its score, coloured, the difference in the hover."""
    names = [j.name.replace("_", " ") for j in result.joints]
    scores = [j.score for j in result.joints]
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=names,
            orientation="h",
            marker={"color": [score_color(s) for s in scores]},
            customdata=[j.difference_deg for j in result.joints],
            hovertemplate="%{y}: %{x:.0f} / 100<br>%{customdata:+.0f}°<extra></extra>",
        )
    )
    fig.update_layout(
        height=_HEIGHT + 60,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_range=[0, 100],
        xaxis_title="joint score",
        yaxis_autorange="reversed",
    )
    return fig


def _bones(world: np.ndarray, axes: tuple[int, int]) -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    a, b = axes
    for i, j in CONNECTIONS:
        if i < 11 or j < 11:
            continue  # the face: too small to read at this size
        xs += [world[i, a], world[j, a], None]
        ys += [-world[i, 1], -world[j, 1], None]
    return xs, ys


def skeleton_figure(reference: object, overlay: Pose | None = None, title: str = "") -> go.Figure:
    """Front and side views of a reference pose (a Reference or a Pose), normalised.

    ``overlay`` draws a second pose (e.g. the aligned candidate) in another colour.
    """
    world = normalize(np.asarray(reference.world, dtype=np.float64))  # type: ignore[attr-defined]
    fig = make_subplots(cols=2, subplot_titles=("front", "side"), horizontal_spacing=0.08)
    layers = [(world, REFERENCE_COLOR, "reference")]
    if overlay is not None:
        layers.append((normalize(overlay.world), CANDIDATE_COLOR, "candidate"))
    for coords, color, name in layers:
        for col, axes in ((1, (0, 1)), (2, (2, 1))):
            xs, ys = _bones(coords, axes)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"width": 5, "color": color},
                    name=name,
                    showlegend=col == 1 and overlay is not None,
                    hoverinfo="skip",
                ),
                row=1,
                col=col,
            )
            nose = coords[0]
            fig.add_trace(
                go.Scatter(
                    x=[nose[axes[0]]],
                    y=[-nose[1]],
                    mode="markers",
                    marker={"size": 14, "color": color},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=1,
                col=col,
            )
    for col in (1, 2):
        fig.update_xaxes(visible=False, scaleanchor=f"y{'' if col == 1 else col}", row=1, col=col)
        fig.update_yaxes(visible=False, row=1, col=col)
    fig.update_layout(
        height=_HEIGHT,
        margin={"l": 10, "r": 10, "t": 40 if title else 25, "b": 10},
        title=title or None,
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig
