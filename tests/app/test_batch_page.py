"""The Batch page in AppTest: a folder picked from the list, or several uploads, run to a
sortable summary, the range-of-motion chart and the downloads."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pose_core.batch.dataset import SUMMARY_COLUMNS

PAGE = "pages/batch.py"


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _text(element) -> str:
    """A message box's text as the user reads it (Markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", element.value)


def _until_done(at: AppTest, timeout_s: float = 180) -> AppTest:
    """Rerun as the page's polling fragment would, until the batch job has finished."""
    job = at.session_state["batch_job"]
    assert job.wait(timeout_s), "the batch did not finish"
    return _run(at)


@pytest.fixture
def browse_root(tmp_path: Path, sample_media: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "home"
    (root / "season" / "week1").mkdir(parents=True)
    (root / ".hidden").mkdir()
    shutil.copy(sample_media / "cam01.mp4", root / "season" / "week1" / "jump.mp4")
    shutil.copy(sample_media / "standing.jpg", root / "season" / "pose.jpg")
    monkeypatch.setenv("POSELAB_BROWSE_ROOT", str(root))
    return root


def test_folder_batch_gives_summary_chart_and_downloads(app: AppTest, browse_root: Path):
    at = _run(app.switch_page(PAGE))
    assert at.button(key="batch_run").disabled  # nothing chosen yet
    at.radio(key="batch_source").set_value("A folder on this machine")
    _run(at)
    folder = at.selectbox(key="batch_folder")
    assert folder.options == [".", "season", "season/week1"]  # hidden folders: not offered
    folder.set_value("season")
    _run(at)
    run = at.button(key="batch_run")
    assert run.label == "Analyse 2 files" and not run.disabled
    run.click()
    _run(at)
    at = _until_done(at)
    assert "2 inputs: 2 analysed" in _text(at.success[0])
    summary = at.dataframe[0].value
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary["source"].tolist() == ["pose.jpg", "week1/jump.mp4"]
    assert summary["frames"].tolist() == [1, 100]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in spec["data"]] == ["pose.jpg", "week1/jump.mp4"]
    assert list(spec["data"][1]["x"]) == ["left_knee", "right_knee", "left_hip", "right_hip"]
    knee = summary.loc[1, "rom_left_knee_deg"]
    assert spec["data"][1]["y"][0] == pytest.approx(knee)
    downloads = [d.proto.label for d in at.get("download_button")]
    assert downloads == ["Landmarks Parquet", "Angles Parquet", "Summary CSV", "All CSVs (zip)"]
    # the same folder again: everything is skipped, fast
    start = time.monotonic()
    at.button(key="batch_run").click()
    _run(at)
    at = _until_done(at)
    assert "2 inputs: 0 analysed, 2 skipped (done before)" in _text(at.success[0])
    assert time.monotonic() - start < 15


def test_uploads_and_a_bad_file_get_one_summary_row_each(app: AppTest, sample_media: Path):
    at = _run(app.switch_page(PAGE))
    uploader = at.file_uploader(key="batch_uploads")
    uploader.set_value(
        [
            ("standing.jpg", (sample_media / "standing.jpg").read_bytes(), "image/jpeg"),
            ("notes.mp4", b"not a clip at all\n", "video/mp4"),
        ]
    )
    _run(at)
    at.button(key="batch_run").click()
    _run(at)
    at = _until_done(at)
    assert _text(at.warning[0]).startswith("2 inputs: 1 analysed, 1 failed")
    summary = at.dataframe[0].value
    assert summary["status"].tolist() == ["analysed", "failed"]
    assert summary["error"].iloc[1].startswith("notes.mp4: not a readable image")
