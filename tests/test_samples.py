"""The prepared sample media is what the README and the other tests say it is."""

import hashlib
import json

import numpy as np
import pytest

from pose_core.media import ClipReader, read_image


@pytest.mark.parametrize(
    ("name", "size_wh", "frames", "fps"),
    [
        ("two_people.mp4", (960, 540), 230, 30),
        ("cam01.mp4", (540, 960), 100, 60),
        ("cam02.mp4", (540, 960), 100, 60),
        ("cam03.mp4", (540, 960), 100, 60),
        ("cam04.mp4", (540, 960), 100, 60),
    ],
)
def test_clips(sample_media, name, size_wh, frames, fps):
    with ClipReader(sample_media / name) as reader:
        assert reader.info.size_wh == size_wh
        assert reader.info.fps == pytest.approx(fps, rel=0.01)
        times = [f.time_s for f in reader]
    assert len(times) == frames
    assert np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx((frames - 1) / fps, abs=2e-3)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("standing.jpg", (960, 540, 3)),
        ("two_people.jpg", (540, 960, 3)),
        ("nobody.jpg", (540, 350, 3)),
    ],
)
def test_stills(sample_media, name, shape):
    assert read_image(sample_media / name).shape == shape


def test_manifest_matches_the_files(sample_media):
    manifest = json.loads((sample_media / "manifest.json").read_text())
    assert set(manifest["sources"]) == {"sports2d==0.8.34", "pose2sim==0.10.49"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((sample_media / name).read_bytes()).hexdigest() == digest
