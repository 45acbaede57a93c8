"""Reference routines: a teacher's whole clip in the library, compared without the video."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pose_core.cli import main
from pose_core.compare import compare_clips
from pose_core.references import LibraryError
from pose_core.routines import (
    load_routine,
    routine_from_sequence,
    save_routine,
    scan_routines,
    thumbnail_frames,
)


@pytest.fixture
def routine_file(analysed, tmp_path: Path) -> Path:
    teacher = analysed("cam01.mp4").poses
    pictures = {k: np.full((960, 540, 3), k, np.uint8) for k in thumbnail_frames(100)}
    routine = routine_from_sequence("Teacher warm-up", teacher, 0, pictures, "week 1")
    return save_routine(routine, tmp_path)


def test_a_saved_routine_compares_like_the_teachers_clip(analysed, routine_file: Path) -> None:
    routine = load_routine(routine_file)
    teacher, student = analysed("cam01.mp4").poses, analysed("cam03.mp4").poses
    assert routine.name == "Teacher warm-up" and routine.description == "week 1"
    assert routine.source == "cam01.mp4"
    assert routine.poses.num_frames == 100 and routine.poses.num_people == 1
    np.testing.assert_allclose(routine.poses.times_s, teacher.times_s, atol=1e-5)
    np.testing.assert_allclose(routine.poses.world, teacher.world[:, :1], atol=1e-4, equal_nan=True)
    # Thumbnails: four frames spread through the clip, scaled to 240 px, JPEG round trip.
    assert sorted(routine.thumbnails) == [0, 33, 66, 99]
    assert routine.thumbnails[66].shape == (240, 135, 3)
    assert abs(int(routine.thumbnails[66].mean()) - 66) <= 2
    before = compare_clips(teacher, student)
    after = compare_clips(routine.poses, student)
    assert after.score == pytest.approx(before.score, abs=0.1)
    np.testing.assert_array_equal(after.path, before.path)


def test_cli_compares_a_student_with_a_saved_routine(
    cached_outputs, routine_file: Path, sample_media: Path, capsys
) -> None:
    cand = str(sample_media / "cam03.mp4")
    assert main(["compare", str(routine_file), cand, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] > 75
    assert main(["compare", str(routine_file), cand, "--video", "x.mp4"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --video needs two clips: a saved routine keeps no video"]


@pytest.fixture
def cached_outputs(monkeypatch, analysed):
    """The CLI's analyses served from the session's (the code path is unchanged)."""
    import pose_core.cli

    monkeypatch.setenv("POSELAB_NATIVE_LOGS", "1")
    monkeypatch.setattr(
        pose_core.cli, "analyze_path", lambda path, *a, **k: analysed(Path(path).name)
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # another format
        (lambda d: d.update(format="poselab.reference"), "not a PoseLab routine"),
        # a frame too few in the landmarks
        (lambda d: d.update(world=d["world"][:-1]), "world must be 100 x 33 x 3"),
        # a number that is not a number
        (lambda d: d["visibility"][0].__setitem__(0, "high"), "visibility must hold numbers"),
        # a broken thumbnail
        (lambda d: d["thumbnails"][0].update(jpeg_base64="%%%"), "not base64"),
    ],
)
def test_bad_routine_files_are_one_line_and_skipped(
    routine_file: Path, tmp_path: Path, edit, message: str
) -> None:
    doc = json.loads(routine_file.read_text())
    edit(doc)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(LibraryError, match=message):
        load_routine(bad)
    found, errors = scan_routines(tmp_path)
    assert list(found) == ["Teacher warm-up"]
    assert len(errors) == 1 and errors[0].startswith("bad.json: ")


def test_a_routine_needs_a_clip_and_its_person(analysed) -> None:
    with pytest.raises(LibraryError, match="needs a clip"):
        routine_from_sequence("x", analysed("standing.jpg").poses)
    with pytest.raises(LibraryError, match="person 3 is not in cam01.mp4"):
        routine_from_sequence("x", analysed("cam01.mp4").poses, person=3)
