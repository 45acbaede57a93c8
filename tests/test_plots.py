"""Figures: series in CSV columns, the current-frame marker, frames as click data."""

from __future__ import annotations

import numpy as np
import pytest

from pose_core.kinematics import joint_angles
from pose_core.landmarks import LANDMARK_INDEX
from pose_core.plots import FILLED_NAME, angle_figure, landmark_series, trajectory_figure
from pose_core.poses import PoseSequence


@pytest.fixture
def walk() -> PoseSequence:
    """Four frames, one person, every landmark moving right 10 px and up 5 px a frame."""
    seq = PoseSequence.empty(4, 1, (200, 100), times_s=np.arange(4) / 10, fps=10.0)
    f = np.arange(4, dtype=np.float32)[:, None]
    seq.xyz[:, 0, :, 0] = (20 + 10 * f) / 200
    seq.xyz[:, 0, :, 1] = (80 - 5 * f) / 100
    seq.xyz[:, 0, :, 2] = 0.0
    seq.world[:, 0] = 0.1 * f[..., None]
    seq.world[:, 0, :, 1] += np.arange(33) * 0.01  # distinct points: no zero-length bones
    seq.visibility[:, 0] = 1.0
    seq.xyz[2, 0, LANDMARK_INDEX["left_wrist"]] = np.nan  # one missing sample
    return seq


def test_landmark_series_in_pixels_and_metres(walk: PoseSequence) -> None:
    np.testing.assert_allclose(landmark_series(walk, 0, "nose", "x_px"), [20, 30, 40, 50])
    np.testing.assert_allclose(landmark_series(walk, 0, "nose", "y_px"), [80, 75, 70, 65])
    np.testing.assert_allclose(
        landmark_series(walk, 0, "nose", "world_z"), [0, 0.1, 0.2, 0.3], atol=1e-6
    )
    assert np.isnan(landmark_series(walk, 0, "left_wrist", "x_px")[2])


def test_trajectory_figure_marks_the_current_frame(walk: PoseSequence) -> None:
    fig = trajectory_figure(walk, 0, ["nose", "left_wrist"], "y_px", current=2)
    lines = [t for t in fig.data if t.showlegend is not False]
    markers = [t for t in fig.data if t.showlegend is False]
    assert [t.name for t in lines] == ["nose", "left_wrist"]
    assert list(lines[0].customdata) == [0, 1, 2, 3]  # frame of each point, for clicks
    assert [(m.x[0], m.y[0]) for m in markers] == [(0.2, 70.0)]  # left_wrist is missing there
    assert fig.layout.shapes[0].x0 == pytest.approx(0.2)
    assert fig.layout.yaxis.autorange == "reversed"  # up on the chart = up in the frame


def test_angle_figure_2d_and_3d(walk: PoseSequence) -> None:
    angles = joint_angles(walk)
    fig = angle_figure(angles, 0, ["left_knee", "trunk_lean"], current=0, world=True)
    assert [t.name for t in fig.data if t.showlegend is not False] == ["left_knee", "trunk_lean"]
    assert "3D" in fig.layout.yaxis.title.text


def test_frames_filled_over_a_gap_are_ringed_on_both_charts(walk: PoseSequence) -> None:
    filled = np.array([[False], [True], [True], [False]])
    walk = walk.with_steps("filled", filled=filled)
    for fig in (
        trajectory_figure(walk, 0, ["nose", "left_wrist"], "x_px", 0),
        angle_figure(joint_angles(walk), 0, ["left_knee", "trunk"], 0, filled=filled),
    ):
        rings = [t for t in fig.data if t.name == FILLED_NAME]
        assert len(rings) == 1 and rings[0].marker.symbol == "circle-open"
        assert list(rings[0].x) == pytest.approx([0.1, 0.2, 0.1, 0.2])  # frames 1, 2 of each
    assert not [
        t for t in angle_figure(joint_angles(walk), 0, ["trunk"], 0).data if t.name == FILLED_NAME
    ]
