"""The prepared sample media is what sample_media/README.md and the other tests say it is."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from pose_core import samples
from pose_core.analysis import analyze_image
from pose_core.errors import PoseLabError
from pose_core.media import ClipReader, ClipWriter, read_image
from pose_core.settings import Settings


@pytest.mark.parametrize(
    ("name", "size_wh", "frames", "fps"),
    [
        # Sports2D demo, 1768x994 VP9 downscaled to 960 px wide
        ("two_people.mp4", (960, 540), 230, 30),
        # Pose2Sim, four synchronised portrait cameras, about 1080x1920 downscaled
        ("cam01.mp4", (540, 960), 100, 60),
        ("cam02.mp4", (540, 960), 100, 60),
        ("cam03.mp4", (540, 960), 100, 60),
        ("cam04.mp4", (540, 960), 100, 60),
    ],
)
def test_clips_decode_with_their_size_rate_and_times(sample_media, name, size_wh, frames, fps):
    with ClipReader(sample_media / name) as reader:
        assert reader.info.size_wh == size_wh
        assert reader.info.fps == pytest.approx(fps, rel=0.01)
        assert reader.info.codec == "h264"
        assert reader.info.rotation == 0
        times = []
        for frame in reader:
            assert frame.rgb.shape == (size_wh[1], size_wh[0], 3)
            assert frame.rgb.dtype == np.uint8
            times.append(frame.time_s)
    assert len(times) == frames
    assert times[0] == 0.0
    assert np.all(np.diff(times) > 0)
    # The source's times are kept: a constant frame rate, so the last frame is at (n-1)/fps.
    assert times[-1] == pytest.approx((frames - 1) / fps, abs=2e-3)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        # portrait: one person standing, from cam01 frame 0
        ("standing.jpg", (960, 450, 3)),
        # landscape: both people, from two_people.mp4 frame 71
        ("two_people.jpg", (540, 660, 3)),
        # portrait strip of trees and buildings, from two_people.mp4 frame 0
        ("nobody.jpg", (540, 270, 3)),
    ],
)
def test_stills_decode_upright_with_their_size(sample_media, name, shape):
    rgb = read_image(sample_media / name)
    assert rgb.shape == shape and rgb.dtype == np.uint8
    assert rgb.std() > 20  # a real picture, not a blank frame


def test_stills_show_what_their_names_say(sample_media, model):
    def people(name, max_people):
        result = analyze_image(sample_media / name, Settings(max_people=max_people), model)
        found = result.poses.detected[0]
        return [np.nanmean(result.poses.xy_px[0, p, :, 0]) for p in np.flatnonzero(found)]

    assert len(people("standing.jpg", 3)) == 1
    assert people("nobody.jpg", 6) == []
    both = people("two_people.jpg", 2)
    assert len(both) == 2
    assert abs(both[0] - both[1]) > 200  # two different people, not one found twice


def test_manifest_matches_the_files_and_the_pinned_wheels(sample_media):
    manifest = json.loads((sample_media / "manifest.json").read_text())
    assert manifest["version"] == samples.VERSION
    assert manifest["sources"] == samples.WHEELS
    assert set(manifest["files"]) == {
        "two_people.mp4",
        "cam01.mp4",
        "cam02.mp4",
        "cam03.mp4",
        "cam04.mp4",
        "standing.jpg",
        "two_people.jpg",
        "nobody.jpg",
        "LICENSE-Sports2D.txt",
        "LICENSE-Pose2Sim.txt",
    }
    for name, digest in manifest["files"].items():
        assert samples.sha256(sample_media / name) == digest, name
    assert not list(sample_media.glob(".*.part*"))  # no leftovers of an interrupted run


@pytest.mark.parametrize("name", ["LICENSE-Sports2D.txt", "LICENSE-Pose2Sim.txt"])
def test_the_wheels_licences_travel_with_the_media(sample_media, name):
    text = (sample_media / name).read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2022, perfanalytics" in text


def test_prepare_does_nothing_when_up_to_date(sample_media, capsys):
    # Checked first so that this test never remakes files other tests are reading.
    assert samples._up_to_date(sample_media) is not None, "stale: run `make samples`"
    before = {p.name: p.stat().st_mtime_ns for p in sample_media.iterdir()}
    samples.prepare(sample_media)
    assert capsys.readouterr().out.startswith("sample media up to date")
    assert {p.name: p.stat().st_mtime_ns for p in sample_media.iterdir()} == before


def _synthetic_clip(path, frames=5, fps=25.0):
    with ClipWriter(path, (64, 48), fps) as out:
        for i in range(frames):
            rgb = np.full((48, 64, 3), 40 * i, np.uint8)
            rgb[:, :32] = 255  # left half white, right half changes per frame
            out.write(rgb, i / fps)


def test_cut_keeps_times_and_crops_stills(tmp_path):
    src = tmp_path / "src.mp4"
    _synthetic_clip(src)
    dest = tmp_path / "out"
    dest.mkdir()
    cut = samples.Cut(
        "small.mp4", "x==1", "m", (32, 24), (samples.Still("left.jpg", 2, (0, 0, 16, 24)),)
    )
    made = samples._cut(src, cut, dest)
    assert made == [dest / "small.mp4", dest / "left.jpg"]
    assert sorted(os.listdir(dest)) == ["left.jpg", "small.mp4"]
    with ClipReader(dest / "small.mp4") as reader:
        assert reader.info.size_wh == (32, 24)
        times = [f.time_s for f in reader]
    assert times == pytest.approx([i / 25.0 for i in range(5)], abs=1e-3)
    left = read_image(dest / "left.jpg")
    assert left.shape == (24, 16, 3) and left.min() > 230  # only the white half was kept


def test_cut_leaves_nothing_behind_when_a_still_is_past_the_end(tmp_path):
    src = tmp_path / "src.mp4"
    _synthetic_clip(src)
    dest = tmp_path / "out"
    dest.mkdir()
    cut = samples.Cut("small.mp4", "x==1", "m", (32, 24), (samples.Still("late.jpg", 99),))
    with pytest.raises(PoseLabError, match="shorter than expected"):
        samples._cut(src, cut, dest)
    assert os.listdir(dest) == []


def test_a_corrupt_cached_wheel_is_discarded(tmp_path):
    bad = tmp_path / "sports2d-0.8.34-py3-none-any.whl"
    bad.write_bytes(b"truncated download")
    assert samples._cached_wheel("sports2d==0.8.34", tmp_path) is None
    assert not bad.exists()
