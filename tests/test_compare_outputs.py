"""Files a comparison writes: the side-by-side video (--video) and the report (--report)."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pose_core.cli import main
from pose_core.compare import compare_clips
from pose_core.compare.video import render_comparison
from pose_core.report import write_report


def _with_sound(src: Path, out: Path) -> Path:
    """``src``'s frames re-encoded with a 440 Hz tone as its sound (the samples have none)."""
    with av.open(str(src)) as inp, av.open(str(out), "w") as dst:
        vin = inp.streams.video[0]
        video = dst.add_stream("libx264", rate=vin.average_rate)
        video.width, video.height, video.pix_fmt = vin.width, vin.height, "yuv420p"
        audio = dst.add_stream("aac", rate=48000)
        n = 0
        for frame in inp.decode(video=0):
            dst.mux(video.encode(frame.reformat(format="yuv420p")))
            n += 1
        dst.mux(video.encode(None))
        seconds = n / float(vin.average_rate)
        t = np.arange(int(48000 * seconds)) / 48000
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for k in range(0, len(tone), 1024):
            chunk = tone[k : k + 1024][None]
            af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            af.sample_rate, af.pts, af.time_base = 48000, k, Fraction(1, 48000)
            dst.mux(audio.encode(af))
        dst.mux(audio.encode(None))
    return out


def test_side_by_side_video_plays_in_browsers_and_keeps_the_students_sound(
    analysed, sample_media: Path, tmp_path: Path
) -> None:
    teacher, student = analysed("cam01.mp4").poses, analysed("cam03.mp4").poses
    clip = _with_sound(sample_media / "cam03.mp4", tmp_path / "student.mp4")
    result = compare_clips(teacher, student)
    out = tmp_path / "side.mp4"
    done = []
    note = render_comparison(
        (sample_media / "cam01.mp4", teacher, 0),
        (clip, student, 0),
        result,
        out,
        lambda k, n: done.append((k, n)),
    )
    assert note is None and done[-1] == (100, 100)
    assert b"moov" in out.read_bytes()[:4096]  # faststart: the index comes first
    with av.open(str(out)) as f:
        v = f.streams.video[0]
        assert v.codec_context.name == "h264" and v.codec_context.pix_fmt == "yuv420p"
        # Two 540x960 clips side by side at 720 px high: 405 + 405 wide.
        assert (v.width, v.height) == (810, 720)
        assert v.frames == 100
        assert float(f.duration / av.time_base) == pytest.approx(100 / 60, abs=0.05)
        assert len(f.streams.audio) == 1 and f.streams.audio[0].codec_context.name == "aac"
        frame = next(f.decode(video=0)).to_ndarray(format="rgb24")
    # The teacher's skeleton is drawn (yellow) on both halves; the overlay box is dark.
    yellow = (frame[..., 0] > 200) & (frame[..., 1] > 160) & (frame[..., 2] < 90)
    assert yellow[:, :405].sum() > 50 and yellow[:, 405:].sum() > 50
    assert frame[10:30, 5:8].mean() < 60  # the margin of the score box


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


def test_report_is_one_a4_page_as_pdf_and_png(analysed, tmp_path: Path) -> None:
    result = compare_clips(analysed("cam01.mp4").poses, analysed("cam02.mp4").poses)
    pdf, png = write_report(result, tmp_path / "report.pdf", who="cam01 vs cam02")
    assert _pdf_pages(pdf) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf.read_bytes())
    assert box is not None
    assert (float(box[1]), float(box[2])) == pytest.approx((595.4, 841.7), abs=1.0)  # A4
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_writes_video_and_report_and_refuses_a_video_of_one_pose(
    sample_media: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("POSELAB_NATIVE_LOGS", "1")
    photo = str(sample_media / "standing.jpg")
    assert main(["compare", "mountain", photo, "--report", str(tmp_path / "r.pdf")]) == 0
    assert _pdf_pages(tmp_path / "r.pdf") == 1 and (tmp_path / "r.png").is_file()
    capsys.readouterr()
    assert main(["compare", "mountain", photo, "--video", str(tmp_path / "v.mp4")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --video needs two clips, each compared as a whole clip"]
