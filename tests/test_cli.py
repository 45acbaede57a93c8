"""`python -m pose_core analyze` end to end, in a subprocess as a user runs it."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from pose_core.export import ANGLE_COLUMNS, LANDMARK_COLUMNS, landmarks_table, read_landmarks
from pose_core.media import ClipReader, write_image


def _run(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "pose_core", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def cli_run(sample_media, tmp_path_factory):
    """One CLI call with a clip, a still, and four bad inputs."""
    tmp = tmp_path_factory.mktemp("cli")
    with ClipReader(sample_media / "cam01.mp4") as reader:
        write_image(tmp / "standing.png", next(iter(reader)).rgb)
    (tmp / "notes.mp4").write_text("this is not a video\n")
    (tmp / "empty.jpg").write_bytes(b"")
    data = (sample_media / "cam02.mp4").read_bytes()
    (tmp / "cut.mp4").write_bytes(data[: len(data) // 20])
    inputs = [
        sample_media / "cam01.mp4",
        tmp / "standing.png",
        tmp / "notes.mp4",
        tmp / "empty.jpg",
        tmp / "cut.mp4",
        tmp / "missing.mov",
    ]
    out = tmp / "out"
    return _run("analyze", *inputs, "--out", out), out


def test_good_inputs_get_four_files_and_bad_ones_one_line_each(cli_run):
    proc, out = cli_run
    assert proc.returncode == 1  # some inputs failed
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert [e.split(":")[1].strip() for e in errors] == [
        "notes.mp4",
        "empty.jpg",
        "cut.mp4",
        "missing.mov",
    ]
    assert "empty.jpg: file is empty" in proc.stderr
    assert "missing.mov: file not found" in proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [f"cam01{s}" for s in (".csv", ".angles.csv", ".kinematics.csv", ".json", ".annotated.mp4")]
        + [
            f"standing{s}"
            for s in (".csv", ".angles.csv", ".kinematics.csv", ".json", ".annotated.png")
        ]
    )
    assert "100 / 100 frames" in proc.stderr  # the progress bar got to the end


def test_landmark_csv_has_exact_columns_and_reads_back_unchanged(cli_run):
    _, out = cli_run
    written = pd.read_csv(out / "cam01.csv")
    assert list(written.columns) == list(LANDMARK_COLUMNS)
    assert len(written) == 100 * 33
    back = read_landmarks(out / "cam01.csv")
    assert back.size_wh == (540, 960)
    pd.testing.assert_frame_equal(landmarks_table(back), written, check_exact=False, rtol=1e-6)
    angles = pd.read_csv(out / "cam01.angles.csv")
    assert tuple(angles.columns) == ANGLE_COLUMNS and len(angles) == 100 * 26


def test_report_json(cli_run):
    _, out = cli_run
    report = json.loads((out / "cam01.json").read_text())
    assert report["frames"] == 100 and report["people"] == 1
    assert report["width"] == 540 and report["height"] == 960
    assert report["fps"] == pytest.approx(60)
    assert report["detection_rate"] == 1.0
    assert set(report["timings_s"]) >= {"inference", "total"}
    still = json.loads((out / "standing.json").read_text())
    assert still["kind"] == "image" and still["frames"] == 1


def test_nobody_in_the_picture_is_a_success_that_says_so(tmp_path):
    import numpy as np

    write_image(tmp_path / "wall.png", np.full((300, 400, 3), 200, np.uint8))
    proc = _run("analyze", tmp_path / "wall.png", "--out", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    assert "nobody found" in proc.stdout
    assert len(pd.read_csv(tmp_path / "o" / "wall.csv")) == 0


def test_bad_options_are_one_line(tmp_path):
    proc = _run("analyze", "x.png", "--out", tmp_path, "--max-people", "0")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: max_people must be 1..10, got 0"


def test_same_named_inputs_never_overwrite_each_other(sample_media, tmp_path):
    for folder in ("monday", "tuesday"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "class.jpg").write_bytes((sample_media / "standing.jpg").read_bytes())
    out = tmp_path / "out"
    proc = _run(
        "analyze", tmp_path / "monday" / "class.jpg", tmp_path / "tuesday" / "class.jpg",
        "--out", out, "--no-video",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.glob("*.csv")) == [
        "monday_class.angles.csv",
        "monday_class.csv",
        "monday_class.kinematics.csv",
        "tuesday_class.angles.csv",
        "tuesday_class.csv",
        "tuesday_class.kinematics.csv",
    ]


def test_trim_filter_height_and_formats_reach_the_files(sample_media, tmp_path):
    out = tmp_path / "out"
    proc = _run(
        "analyze", sample_media / "cam01.mp4", "--out", out, "--no-video", "--quiet",
        "--start", "0.5", "--end", "0.9", "--filter", "butterworth", "--cutoff-hz", "8",
        "--hampel", "--height", "1.75", "--formats", "csv,raw,trc,mot,parquet",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"cam01{s}.csv" for s in ("", ".angles", ".kinematics", ".raw")]
        + [f"cam01{s}.parquet" for s in ("", ".angles", ".kinematics")]
        + ["cam01.p0.trc", "cam01.p0.mot", "cam01.json"]
    )
    report = json.loads((out / "cam01.json").read_text())
    assert report["frames"] == 25 and report["times_s"][0] == 0.5
    assert {k: report["settings"][k] for k in ("start_s", "end_s", "filter", "cutoff_hz")} == {
        "start_s": 0.5,
        "end_s": 0.9,
        "filter": "butterworth",
        "cutoff_hz": 8.0,
    }
    assert report["settings"]["hampel"] is True and report["scale"]["height_m"] == 1.75
    assert (out / "cam01.p0.trc").read_text().split("\n")[2].split("\t")[2:5] == ["25", "33", "m"]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--filter", "butterworth", "--cutoff-hz", "40"],
            "error: cam01.mp4: the Butterworth cut-off (40 Hz) must be below half the frame "
            "rate (30.0 Hz)",
        ),
        (["--start", "5"], "error: cam01.mp4: starts at 5 s, but the clip lasts 1.67 s"),
        (["--height", "3"], "error: height_m must be 0 (unknown) or 0.5..2.5 m, got 3.0"),
    ],
)
def test_bad_research_settings_are_one_line(sample_media, tmp_path, args, line):
    proc = _run("analyze", sample_media / "cam01.mp4", "--out", tmp_path, "--no-video", *args)
    assert proc.returncode in (1, 2) and proc.stderr.strip().splitlines()[-1] == line


def test_odd_inputs_are_told_apart_by_content(sample_media, tmp_path):
    photo_as_clip = tmp_path / "holiday.mp4"
    photo_as_clip.write_bytes((sample_media / "standing.jpg").read_bytes())
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    proc = _run("analyze", photo_as_clip, fifo, "--out", tmp_path / "o", timeout=120)
    assert proc.returncode == 1
    assert "holiday.mp4: 1 person found" in proc.stdout  # a photo, whatever its name
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: stream: not a regular file (a pipe or a device?)"
    )
