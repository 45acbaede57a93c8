"""`python -m pose_core batch` end to end on a folder of the sample clips, as a user runs it:
every output, a dataset equal to the per-clip CSVs, one line per failure, a second run
that skips everything."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pose_core.batch.dataset import SUMMARY_COLUMNS
from pose_core.export import ANGLE_COLUMNS, KINEMATICS_COLUMNS, LANDMARK_COLUMNS
from pose_core.landmarks import ANGLE_NAMES, SEGMENT_NAMES


def _run(*args, timeout=300):
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pose_core", "batch", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc, time.monotonic() - start


def make_folder(sample_media: Path, root: Path) -> Path:
    """``a/clip.mp4`` (cam01) and ``b/clip.mp4`` (cam02): same names, other folders; a
    photo; a text file and a hidden clip that are not inputs."""
    folder = root / "session"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    shutil.copy(sample_media / "cam01.mp4", folder / "a" / "clip.mp4")
    shutil.copy(sample_media / "cam02.mp4", folder / "b" / "clip.mp4")
    shutil.copy(sample_media / "standing.jpg", folder / "standing.jpg")
    (folder / "notes.txt").write_text("not media\n")
    shutil.copy(sample_media / "cam01.mp4", folder / ".hidden.mp4")
    return folder


@pytest.fixture(scope="module")
def batch_runs(sample_media, tmp_path_factory):
    """A first run (annotated media, 2 workers, plus a broken file), then a second."""
    tmp = tmp_path_factory.mktemp("batch")
    folder = make_folder(sample_media, tmp)
    broken = tmp / "broken.mp4"
    broken.write_text("this is not a video\n")
    out = tmp / "out"
    first = _run(folder, broken, "--out", out, "--workers", 2)
    second = _run(folder, broken, "--out", out, "--workers", 2)
    return first, second, out


def test_every_output_written_and_the_broken_file_is_one_summary_row(batch_runs):
    (proc, _), _, out = batch_runs
    assert proc.returncode == 1, proc.stderr  # one input failed
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: broken.mp4: not a readable image")
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    kinds = (".csv", ".angles.csv", ".kinematics.csv", ".json")
    per_clip = [f"{s}{x}" for s in ("a/clip", "b/clip") for x in kinds]
    assert files == sorted(
        per_clip
        + ["a/clip.annotated.mp4", "b/clip.annotated.mp4"]
        + [f"standing{x}" for x in (*kinds, ".annotated.png")]
        + ["angles.parquet", "kinematics.parquet", "landmarks.parquet"]
        + ["manifest.jsonl", "summary.csv"]
    )
    assert "4 inputs: 3 analysed, 1 failed" in proc.stdout
    progress = proc.stderr.split("\r")[-1]  # the one progress line, as last drawn
    assert "4 / 4 clips · 201 / 201 frames" in progress


def test_summary_has_one_row_per_input_with_range_of_motion(batch_runs):
    _, _, out = batch_runs
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary["source"].tolist() == ["a/clip.mp4", "b/clip.mp4", "standing.jpg", "broken.mp4"]
    assert summary["status"].tolist() == ["skipped"] * 3 + ["failed"]  # as the 2nd run wrote it
    assert summary["error"].iloc[3].startswith("broken.mp4: ")
    clip = summary.iloc[0]
    assert (clip["kind"], int(clip["frames"]), int(clip["people"])) == ("clip", 100, 1)
    assert float(clip["duration_s"]) == pytest.approx(99 / 60, abs=1e-3)
    report = json.loads((out / "a" / "clip.json").read_text())
    joints = [rom for rom in report["range_of_motion"]["0"] if rom["angle"] in ANGLE_NAMES]
    assert len(joints) == len(ANGLE_NAMES)
    for rom in joints:
        assert float(clip[f"rom_{rom['angle']}_deg"]) == pytest.approx(rom["range_deg"], abs=0.01)


def test_dataset_rows_equal_the_per_clip_csvs(batch_runs):
    _, _, out = batch_runs
    landmarks = pd.read_parquet(out / "landmarks.parquet")
    angles = pd.read_parquet(out / "angles.parquet")
    kinematics = pd.read_parquet(out / "kinematics.parquet")
    assert tuple(landmarks.columns) == ("source", *LANDMARK_COLUMNS)
    assert tuple(angles.columns) == ("source", *ANGLE_COLUMNS)
    assert tuple(kinematics.columns) == ("source", *KINEMATICS_COLUMNS)
    sources = ["a/clip.mp4", "b/clip.mp4", "standing.jpg"]
    assert landmarks["source"].unique().tolist() == sources
    for source, stem in zip(sources, ["a/clip", "b/clip", "standing"], strict=True):
        tables = ((landmarks, ".csv"), (angles, ".angles.csv"), (kinematics, ".kinematics.csv"))
        for table, suffix in tables:
            rows = table[table["source"] == source].drop(columns="source")
            csv = pd.read_csv(out / f"{stem}{suffix}")
            pd.testing.assert_frame_equal(rows.reset_index(drop=True), csv, check_dtype=False)
    assert len(landmarks[landmarks["source"] == "a/clip.mp4"]) == 100 * 33
    assert sorted(angles["angle"].unique()) == sorted(ANGLE_NAMES + SEGMENT_NAMES)


def _batch_seconds(stdout: str) -> float:
    """The run's own time from its last line (``... in 12.3 s``), Python's start-up aside."""
    return float(re.search(r" in ([0-9.]+) s$", stdout.splitlines()[-2]).group(1))


def test_second_run_skips_everything_in_a_tenth_of_the_time(batch_runs):
    (first, _), (second, _), out = batch_runs
    assert second.returncode == 1  # the broken file is still broken, and says so again
    assert "4 inputs: 0 analysed, 3 skipped (done before), 1 failed" in second.stdout
    assert "error: broken.mp4: not a readable image" in second.stderr
    first_s, second_s = _batch_seconds(first.stdout), _batch_seconds(second.stdout)
    assert second_s < 0.1 * first_s, (first_s, second_s)
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == 4  # 3 results and the failure, nothing recorded twice
