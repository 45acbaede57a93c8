"""The Batch page in AppTest: a folder picked from the list, or several uploads, run to a
sortable summary, the range-of-motion chart and the downloads."""

from __future__ import annotations

import json
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pose_core.batch.dataset import SUMMARY_COLUMNS
from tests.app.browser_kit import (
    CHROMIUM_ARGS,
    IDLE,
    chromium,
    new_page,
    start_server,
    stop_server,
)

PAGE = "pages/batch.py"
ROOT = Path(__file__).resolve().parents[2]


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
    assert summary["error"].tolist() == ["", ""]
    assert [t["name"] for t in spec["data"]] == ["week1/jump.mp4"]  # photos have no motion
    assert list(spec["data"][0]["x"]) == ["left_knee", "right_knee", "left_hip", "right_hip"]
    knee = summary.loc[1, "rom_left_knee_deg"]
    assert spec["data"][0]["y"][0] == pytest.approx(knee)
    downloads = [d.proto.label for d in at.get("download_button")]
    assert downloads == [
        "Landmarks Parquet",
        "Angles Parquet",
        "Kinematics Parquet",
        "Summary CSV",
        "All CSVs (zip)",
    ]
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


# -- in a real browser -------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_home(sample_media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``season/`` (a photo and a clip) to finish, ``long/`` (three clips) to cancel."""
    root = tmp_path_factory.mktemp("home")
    (root / "season" / "week1").mkdir(parents=True)
    (root / "long").mkdir()
    shutil.copy(sample_media / "standing.jpg", root / "season" / "pose.jpg")
    shutil.copy(sample_media / "cam01.mp4", root / "season" / "week1" / "jump.mp4")
    for name in ("cam02.mp4", "cam03.mp4", "two_people.mp4"):
        shutil.copy(sample_media / name, root / "long" / name)
    return root


@pytest.fixture(scope="module")
def batch_browser(browser_home: Path, tmp_path_factory: pytest.TempPathFactory):
    """A tab on a server whose Batch page lists ``browser_home``, and that server."""
    server = start_server(
        tmp_path_factory.mktemp("server"), env={"POSELAB_BROWSE_ROOT": str(browser_home)}
    )
    try:
        executable = chromium()
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            page = new_page(browser, server, width=1400, height=1800)
            page.set_default_timeout(60_000)
            page.goto(server.url)
            try:
                yield page, server
            finally:
                page.context.close()
                browser.close()
    finally:
        stop_server(server)


def _pick_folder(page, name: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Folder under").click()
    page.get_by_role("option", name=name, exact=True).click()
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE)


@pytest.mark.browser
def test_batch_page_in_a_browser_runs_downloads_and_cancels(batch_browser, tmp_path: Path):
    page, server = batch_browser
    page.wait_for_selector(IDLE)
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=re.compile("Batch$")).click()
    page.wait_for_selector('h1:has-text("Batch")')
    page.wait_for_selector(IDLE)
    page.get_by_text("A folder on this machine").click()
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE)
    _pick_folder(page, "season")
    page.get_by_role("button", name="Analyse 2 files").click()
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=180_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg')
    page.wait_for_selector(IDLE)
    assert (
        "2 inputs: 2 analysed" in page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    )
    with page.expect_download() as download:
        page.locator('[data-testid="stDownloadButton"] button').filter(has_text="All CSVs").click()
    saved = tmp_path / "batch.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as zf:
        assert sorted(zf.namelist()) == sorted(
            ["summary.csv"]
            + [f"{s}{x}" for s in ("pose", "week1/jump") for x in (".csv", ".angles.csv")]
            + ["pose.kinematics.csv", "week1/jump.kinematics.csv"]
        )
    page.wait_for_selector(IDLE)
    # a longer folder, cancelled while it runs: what finished stays, the rest is interrupted
    _pick_folder(page, "long")
    page.get_by_role("button", name="Analyse 3 files").click()
    page.wait_for_selector('[data-testid="stProgress"]')
    page.get_by_role("button", name="Cancel").click()
    warning = page.locator('[data-testid="stAlertContentWarning"]')
    warning.wait_for(timeout=60_000)
    assert re.search(r"3 inputs: .*interrupted \(run again to resume\)", warning.inner_text())
    page.wait_for_selector(IDLE)
    assert server.errors == []
