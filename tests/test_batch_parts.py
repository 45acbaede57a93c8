"""The batch's parts without the model: finding inputs by content, the manifest, the
progress line, the summary and the motion chart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pose_core.batch.dataset import SUMMARY_COLUMNS, rom_figure, summary_table
from pose_core.batch.inputs import collect, folders_under
from pose_core.batch.manifest import Manifest, engine_version, entry_key
from pose_core.batch.runner import BatchProgress
from pose_core.settings import Settings


@pytest.fixture
def tree(sample_media: Path, tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "a").mkdir(parents=True)
    (root / "b" / "deep").mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / "out").mkdir()
    shutil.copy(sample_media / "cam01.mp4", root / "a" / "clip.mp4")
    shutil.copy(sample_media / "cam01.mp4", root / "b" / "deep" / "clip.MOV")
    shutil.copy(sample_media / "standing.jpg", root / "b" / "photo.dat")  # a JPEG by content
    shutil.copy(sample_media / "cam01.mp4", root / ".cache" / "x.mp4")
    shutil.copy(sample_media / "cam01.mp4", root / "out" / "old.mp4")
    (root / "a" / "notes.mp4").write_text("not a clip\n")  # a clip's name, not its content
    (root / "readme.txt").write_text("hello\n")
    return root


def test_folders_are_searched_by_content_hidden_and_output_folders_skipped(tree: Path):
    found = collect([str(tree)], out_dir=tree / "out")
    assert [i.rel for i in found] == ["a/clip.mp4", "b/deep/clip.MOV", "b/photo.dat"]
    assert all(i.error is None for i in found)


def test_files_named_one_by_one_are_taken_and_clashes_numbered(tree: Path):
    found = collect([str(tree / "a" / "notes.mp4"), str(tree / "a" / "clip.mp4")] * 2)
    assert [i.rel for i in found] == ["notes.mp4", "clip.mp4", "notes-2.mp4", "clip-2.mp4"]
    missing = collect([str(tree / "nope.mp4")])
    assert [(i.rel, i.error) for i in missing] == [("nope.mp4", None)]  # the run says why


def test_globs_and_empty_matches(tree: Path):
    found = collect([str(tree / "**" / "clip.*")])
    assert [i.rel for i in found] == ["a/clip.mp4", "b/deep/clip.MOV"]
    (nothing,) = collect([str(tree / "*.mkv")])
    assert nothing.error == f"{tree / '*.mkv'}: matches no images or clips"
    empty = tree / "empty"
    empty.mkdir()
    (none,) = collect([str(empty)])
    assert none.error == f"{empty}: no images or clips in it"


def test_folder_list_for_the_app(tree: Path):
    names = [p.relative_to(tree).as_posix() for p in folders_under(tree)]
    assert names == [".", "a", "b", "b/deep", "out"]
    assert [p.relative_to(tree).as_posix() for p in folders_under(tree, depth=1)] == [
        ".",
        "a",
        "b",
        "out",
    ]


def test_manifest_key_follows_content_settings_video_and_engine():
    engine = engine_version(Settings())
    assert engine.startswith("ours:mediapipe==0.10.21:litert==") and engine.endswith(":batch2")
    assert engine_version(Settings(engine="tasks")).startswith("tasks:mediapipe==0.10.21::")
    base = entry_key("ab" * 32, Settings(), True, engine)
    assert base == entry_key("ab" * 32, Settings(), True, engine)
    assert base != entry_key("cd" * 32, Settings(), True, engine)
    assert base != entry_key("ab" * 32, Settings(max_gap_s=0.5), True, engine)
    assert base != entry_key("ab" * 32, Settings(), False, engine)
    assert base != entry_key("ab" * 32, Settings(), True, engine.replace("batch2", "batch3"))


def test_manifest_ignores_a_cut_line_and_entries_whose_files_are_gone(tmp_path: Path):
    (tmp_path / "a.csv").write_text("x\n")
    entry = {"key": "k1", "rel": "a.mp4", "digest": "d", "stat": [], "outputs": {"l": "a.csv"}}
    manifest = Manifest.load(tmp_path)
    manifest.add(entry)
    manifest.add(entry | {"key": "k2", "rel": "b.mp4", "outputs": {"l": "b.csv"}})
    with open(tmp_path / "manifest.jsonl", "a") as fh:
        fh.write(json.dumps(entry | {"key": "k3"})[:25])  # killed while writing
    again = Manifest.load(tmp_path)
    assert sorted(again.entries) == ["k1", "k2"]
    assert again.done("k1", "a.mp4") is not None
    assert again.done("k1", "elsewhere/a.mp4") is None  # same bytes, other outputs
    assert again.done("k2", "b.mp4") is None  # its CSV is gone: redo it


def test_progress_line_estimates_clips_not_started_from_those_seen():
    state = BatchProgress(4, started=0.0)
    assert state.line().startswith("0 / 4 clips · starting")
    state.update(0, 50, 100)
    state.update(1, 30, 300)
    assert (state.frames_done, state.frames_total) == (80, 800)  # 2 unseen x mean 200
    state.finish(0, 100)
    state.finish(2, None)  # failed before any frame: nothing left to do for it
    assert (state.clips_done, state.frames_done, state.frames_total) == (2, 130, 600)
    assert state.line().startswith("2 / 4 clips · 130 / 600 frames · ")


def test_summary_table_columns_and_the_motion_chart_skips_photos_and_failures():
    rows = [
        {"source": "a.mp4", "kind": "clip", "status": "analysed", "rom_left_knee_deg": 40.0},
        {"source": "b.jpg", "kind": "image", "status": "skipped", "rom_left_knee_deg": 0.0},
        {"source": "c.mp4", "status": "failed", "error": "c.mp4: file is empty"},
        {"source": "d.mp4", "kind": "clip", "status": "skipped", "rom_left_knee_deg": 12.5},
    ]
    table = summary_table(rows)
    assert tuple(table.columns) == SUMMARY_COLUMNS
    fig = rom_figure(table, ["left_knee", "right_knee"])
    bars = [(t.name, list(t.x), list(t.y)) for t in fig.data]
    assert bars == [("a.mp4", ["left_knee"], [40.0]), ("d.mp4", ["left_knee"], [12.5])]
    assert pd.isna(table.loc[2, "frames"])
