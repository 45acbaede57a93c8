"""The clip stages: what the annotated clip shows is exactly what the CSV says, and the
background thread never outlives a stage."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from pose_core import export, pipeline
from pose_core.drawing import draw_frame
from pose_core.errors import Cancelled
from pose_core.media import ClipReader, fit_within


def test_drawn_pixels_are_the_exported_landmarks(analysed, sample_media, tmp_path, monkeypatch):
    result = analysed("cam01.mp4")
    csv = tmp_path / "cam01.csv"
    export.write_csv(export.landmarks_table(result.poses), csv)
    exported = export.read_landmarks(csv)
    written: list[np.ndarray] = []
    real_prepare = pipeline.ClipWriter.prepare

    def spy(self, rgb):
        written.append(rgb.copy())
        return real_prepare(self, rgb)

    monkeypatch.setattr(pipeline.ClipWriter, "prepare", spy)
    pipeline.render_clip(sample_media / "cam01.mp4", result.poses, tmp_path / "drawn.mp4")
    with ClipReader(sample_media / "cam01.mp4") as reader:
        for frame, drawn in zip(reader, written, strict=True):
            rgb = fit_within(frame.rgb, pipeline.ANNOTATED_MAX_SIDE)
            assert np.array_equal(drawn, draw_frame(rgb, exported, frame.index)), frame.index
    assert len(written) == 100


def test_background_stops_its_thread_when_cancelled() -> None:
    cancel = threading.Event()
    before = threading.active_count()
    frames = pipeline.background(iter(range(1000)), cancel, "numbers")
    assert next(frames) == 0
    cancel.set()
    with pytest.raises(Cancelled, match="numbers: analysis cancelled"):
        next(frames)
    assert threading.active_count() == before


def test_background_hands_on_the_producers_error() -> None:
    def broken():
        yield 1
        raise OSError("disk gone")

    frames = pipeline.background(broken(), None, "x")
    assert next(frames) == 1
    with pytest.raises(OSError, match="disk gone"):
        next(frames)


def test_fps_comes_from_the_frames_spacing() -> None:
    assert pipeline.fps_from_times(np.array([0.0, 0.033, 0.067, 0.1]), 0.0) == pytest.approx(
        1 / 0.0335, rel=0.02
    )
    assert pipeline.fps_from_times(np.array([0.0]), 25.0) == 25.0  # one frame: the header's
