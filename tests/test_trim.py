"""Trimming: only the frames between start and end are read (from the key frame before
the start), with the stream's times and pixels exactly as an untrimmed read gives them."""

from __future__ import annotations

import numpy as np
import pytest

from pose_core import export
from pose_core.analysis import analyze_clip
from pose_core.errors import MediaError
from pose_core.media import ClipReader
from pose_core.settings import Settings


@pytest.fixture(scope="module")
def every_frame(sample_media) -> list[tuple[float, np.ndarray]]:
    with ClipReader(sample_media / "two_people.mp4") as reader:
        return [(f.time_s, f.rgb) for f in reader]


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        (1.0, 2.0, 30, 60),  # both ends inclusive, 30 fps
        (2.5, 0.0, 75, 229),  # 0 = to the end
        (0.0, 1.0, 0, 30),
        (4.99, 5.02, 150, 151),  # each end rounds to its nearest frame (5.0 s, 5.033 s)
    ],
)
def test_a_trimmed_read_gives_the_same_frames_and_times(
    sample_media, every_frame, start, end, first, last
) -> None:
    with ClipReader(sample_media / "two_people.mp4", start, end) as reader:
        got = [(f.index, f.time_s, f.rgb) for f in reader]
    assert [g[0] for g in got] == list(range(last - first + 1))
    for (_, t, rgb), (t_all, rgb_all) in zip(got, every_frame[first : last + 1], strict=True):
        assert t == pytest.approx(t_all, abs=1e-9)
        np.testing.assert_array_equal(rgb, rgb_all)


def test_a_start_after_the_end_of_the_clip_is_one_clear_line(sample_media) -> None:
    with pytest.raises(
        MediaError, match=r"two_people.mp4: starts at 9 s, but the clip lasts 7.67 s"
    ):
        ClipReader(sample_media / "two_people.mp4", 9.0)


def test_an_end_before_the_start_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match=r"the clip's end \(1.0 s\) must come after its start"):
        Settings(start_s=2.0, end_s=1.0)


def test_a_trimmed_analysis_keeps_stream_times_and_draws_only_its_frames(
    sample_media, model, tmp_path
) -> None:
    out = tmp_path / "cut.mp4"
    result = analyze_clip(sample_media / "cam01.mp4", Settings(start_s=0.5, end_s=0.9), model, out)
    times = result.poses.times_s
    assert result.poses.num_frames == 25 and result.frames_lost == 0
    np.testing.assert_allclose(times, 0.5 + np.arange(25) / 60, atol=1e-6)  # 60 fps
    settings = export.report(result)["settings"]
    assert (settings["start_s"], settings["end_s"]) == (0.5, 0.9)
    with ClipReader(out) as drawn:
        drawn_times = [f.time_s for f in drawn]
    assert len(drawn_times) == 25 and drawn_times[0] == 0.0
