"""The app's engine-side helpers: figures, on-demand frames, upload spilling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pose_core.errors import MediaError
from pose_core.figures import angle_figure, landmark_series, selected_frame, trajectory_figure
from pose_core.frames import read_frame
from pose_core.kinematics import joint_angles
from pose_core.landmarks import LANDMARK_INDEX
from pose_core.media import ClipReader
from pose_core.sequence import PoseSequence
from pose_core.uploads import safe_name, spill


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
    np.testing.assert_allclose(landmark_series(walk, 0, "nose", "x (pixels)"), [20, 30, 40, 50])
    np.testing.assert_allclose(landmark_series(walk, 0, "nose", "y (pixels)"), [80, 75, 70, 65])
    np.testing.assert_allclose(
        landmark_series(walk, 0, "nose", "world z (m)"), [0, 0.1, 0.2, 0.3], atol=1e-6
    )
    assert np.isnan(landmark_series(walk, 0, "left_wrist", "x (pixels)")[2])


def test_trajectory_figure_marks_the_current_frame(walk: PoseSequence) -> None:
    fig = trajectory_figure(walk, 0, ["nose", "left_wrist"], "y (pixels)", current=2)
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


@pytest.mark.parametrize(
    ("selection", "frame"),
    [
        (None, None),  # nothing selected yet
        ({"selection": {"points": []}}, None),  # selection cleared
        ({"selection": {"points": [{"customdata": 17, "x": 0.3}]}}, 17),  # Streamlit state
        ({"points": [{"customdata": [5]}]}, 5),  # inner dict, customdata as a list
        ({"selection": {"points": [{"x": 1.0}, {"customdata": 9}]}}, 9),  # first with data
    ],
)
def test_selected_frame(selection, frame) -> None:
    assert selected_frame(selection) == frame


def test_read_frame_matches_streamed_frames(sample_media: Path) -> None:
    path = sample_media / "cam01.mp4"
    wanted = {0, 1, 37, 99}
    frames = [f for f in ClipReader(path) if f.index in wanted]
    for fr in frames:
        assert np.array_equal(read_frame(path, fr.time_s), fr.rgb), fr.index


def test_read_frame_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(MediaError, match="bad.mp4"):
        read_frame(bad, 0.0)


def test_spill_names_files_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSELAB_TMP", str(tmp_path))
    a = spill(b"x" * 3000, "my clip.mp4")
    b = spill(b"x" * 3000, "my clip.mp4")
    assert a == b and a.path.read_bytes() == b"x" * 3000
    assert a.path.name == "my clip.mp4" and a.path.parent.name == a.digest[:32]
    assert a.path.is_relative_to(tmp_path)


@pytest.mark.parametrize(
    ("data", "limit_mb", "message"),
    [
        (b"", 1, "file is empty"),  # nothing uploaded
        (b"x" * (2 * 1024 * 1024), 1, "over the 1 MB upload limit"),  # too large
    ],
)
def test_spill_refuses(tmp_path, monkeypatch, data, limit_mb, message) -> None:
    monkeypatch.setenv("POSELAB_TMP", str(tmp_path))
    with pytest.raises(MediaError, match=message):
        spill(data, "up.mp4", limit_mb=limit_mb)
    assert not list((tmp_path / "poselab" / "uploads").rglob("*.part"))


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("dance.MP4", "dance.MP4"),  # kept as is
        ("../../etc/passwd", "passwd"),  # no folders
        ("C:\\clips\\jump.mov", "jump.mov"),  # Windows path from the browser
        ("a<b>|c?.mp4", "a_b_c_.mp4"),  # odd characters replaced
        ("..", "upload"),  # nothing left
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe
