"""End to end in a real browser: `streamlit run app.py` driven by Debian's Chromium.

Uploads a sample clip on the Clip page, waits for the charts, moves the scrubber,
downloads the landmark CSV and checks it against the engine's CSV for the same clip and
default settings. Fails on any HTTP status >= 500 and on any broken image. Saves a
screenshot of each page to a temp folder (the path is printed).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pose_core import export
from pose_core.analysis import analyze_clip

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLIP = "cam02.mp4"  # not the page's default sample, so the upload really runs the model
RESULT_TIMEOUT_MS = 120_000


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "Debian's chromium is not installed (apt-get install chromium fonts-liberation)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser test")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port; stopped by its PID."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = os.environ | {
        "POSELAB_WORK": str(tmp_path_factory.mktemp("work")),
        "POSELAB_DATA": str(tmp_path_factory.mktemp("data")),
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py"]
            + ["--server.headless", "true", "--server.address", "127.0.0.1"]
            + ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
            + ["--server.fileWatcherType", "none"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start; log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser_page(server: str) -> Iterator:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1500, "height": 1900}
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.server_errors = []  # type: ignore[attr-defined]
        page.on(
            "response",
            lambda r: r.status >= 500 and page.server_errors.append(f"{r.status} {r.url}"),
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="poselab-screens-"))
    print(f"\nscreenshots: {folder}")
    return folder


def _idle(page) -> None:
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]'
        '[data-test-connection-state="CONNECTED"]',
        timeout=RESULT_TIMEOUT_MS,
    )


def _images_ok(page) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
        ".every(i => i.complete)"
    )
    widths = page.eval_on_selector_all(
        '[data-testid="stImage"] img', "imgs => imgs.map(i => i.naturalWidth)"
    )
    assert all(w > 0 for w in widths), f"broken image(s): naturalWidth {widths}"


def _wait_charts(page) -> None:
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= 2",
        timeout=RESULT_TIMEOUT_MS,
    )


def _choose(page, selectbox, option: str) -> None:
    """Pick ``option`` in a selectbox (a click that only focused it is repeated)."""
    for _ in range(3):
        selectbox.click()
        try:
            page.get_by_role("option", name=option).click(timeout=2000)
            return
        except Exception:  # the list did not open: focus only, or closed by a rerun
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option}")


def _open_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
    page.wait_for_selector(f'h1:has-text("{title}")')
    _idle(page)


def _shoot(page, folder: Path, name: str) -> None:
    page.wait_for_timeout(300)  # let charts and fonts settle
    page.screenshot(path=str(folder / f"{name}.png"))


def test_clip_upload_scrub_download(browser_page, server: str, shots: Path, sample_media, model):
    page = browser_page
    page.goto(server)
    page.wait_for_selector('h1:has-text("PoseLab")')
    _idle(page)
    _images_ok(page)
    _shoot(page, shots, "1-home")

    page.get_by_role("button", name="Open the Clip page").click()
    page.wait_for_selector('h1:has-text("Clip")')
    _wait_charts(page)
    _idle(page)
    _images_ok(page)
    _shoot(page, shots, "2-clip-sample")

    t0 = time.monotonic()
    page.locator(
        '[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInput"]'
    ).set_input_files(str(sample_media / CLIP))
    page.wait_for_selector('[data-testid="stProgress"]', timeout=RESULT_TIMEOUT_MS)
    _wait_charts(page)
    upload_to_charts = time.monotonic() - t0
    print(f"\n{CLIP}: upload to charts {upload_to_charts:.1f} s")
    _idle(page)
    _images_ok(page)
    assert page.get_by_text("frame 0", exact=True).is_visible()
    _shoot(page, shots, "3-clip-uploaded")

    slider = page.get_by_role("slider", name="Frame")
    slider.focus()
    for shown in range(1, 4):  # one key at a time: each one reruns the viewer
        slider.press("ArrowRight")
        page.get_by_text(f"frame {shown}", exact=True).wait_for()
    _idle(page)
    _images_ok(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_text("frame 4", exact=True).wait_for()
    _idle(page)
    _shoot(page, shots, "4-clip-scrubbed")

    # A click on the trajectory chart, 60% across the plot, moves the scrubber there.
    plot = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first.bounding_box()
    x, y = plot["x"] + plot["width"] * 0.6, plot["y"] + plot["height"] * 0.5
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.get_by_text("frame 4", exact=True).wait_for(state="detached")
    _idle(page)
    caption = page.locator("strong", has_text="frame ").first.inner_text()
    assert 50 <= int(caption.split("frame ")[1]) <= 70, caption
    _images_ok(page)

    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="Landmark CSV").click()
    downloaded = Path(info.value.path()).read_text()
    _idle(page)

    expected = export.csv_text(export.landmarks_table(analyze_clip(sample_media / CLIP).poses))
    got_rows = list(csv.reader(io.StringIO(downloaded)))
    want_rows = list(csv.reader(io.StringIO(expected)))
    assert got_rows[0] == want_rows[0]
    assert len(got_rows) == len(want_rows) > 1

    # Cancel: another sample starts analysing; the button stops it within a frame or two.
    _choose(page, page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first,
            "two_people.mp4 (sample)")  # fmt: skip
    page.wait_for_selector('[data-testid="stProgress"]')
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Analysis of two_people.mp4 cancelled.").wait_for()
    _idle(page)

    _open_page(page, "Image")
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]')
    _idle(page)
    _images_ok(page)
    _shoot(page, shots, "5-image")

    _open_page(page, "Compare")
    _shoot(page, shots, "6-compare")
    assert not page.server_errors, page.server_errors


_ANGLE_CURVE = (
    '() => { const d = document.querySelectorAll(\'[data-testid="stPlotlyChart"] '
    ".js-plotly-plot')[1]; return d && d._fullData ? JSON.stringify(d._fullData.map("
    "t => [t.name, Array.from(t.y || []).slice(0, 40)])) : null }"
)


def test_filter_segments_and_opensim_download(browser_page, server: str, shots: Path) -> None:
    """Found by hand: a filter's knob drawn only once its filter was chosen showed its
    minimum (0.10 Hz) in the browser instead of 6 Hz, and sent that back."""
    page = browser_page
    page.goto(server)
    _idle(page)
    _open_page(page, "Clip")
    _wait_charts(page)
    _idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Filter (clips)").click()
    before = page.evaluate(_ANGLE_CURVE)
    t0 = time.monotonic()
    _choose(page, sidebar.locator('[data-testid="stSelectbox"]', has_text="Filter"),
            "Butterworth, zero-phase (order 4)")  # fmt: skip
    page.wait_for_function(f"() => ({_ANGLE_CURVE})() !== {json.dumps(before)}")
    print(f"\nfilter change to new angle curves: {time.monotonic() - t0:.2f} s")
    _idle(page)
    cutoff = sidebar.get_by_role("spinbutton", name="Butterworth cut-off (Hz)")
    assert cutoff.input_value() == "6.00" and cutoff.is_enabled()
    assert sidebar.get_by_role("spinbutton", name="One Euro min cut-off (Hz)").is_disabled()

    chooser = page.locator('[data-testid="stMultiSelect"]', has_text="Joint and segment angles")
    chooser.locator("input").click()
    chooser.locator("input").fill("left_thigh")
    page.get_by_role("option", name="left_thigh").click()
    _idle(page)
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => (({_ANGLE_CURVE})() || '').includes('left_thigh')")

    sidebar.get_by_text("Metric scale").click()
    height = sidebar.get_by_role("spinbutton", name="Height of the person seen most (m)")
    height.fill("1.75")
    height.press("Enter")
    _idle(page)
    _shoot(page, shots, "7-clip-butterworth-segments")
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="TRC").click()
    trc = Path(info.value.path()).read_text().split("\n")
    _idle(page)
    assert info.value.suggested_filename == "cam01.p0.trc"
    assert trc[2].split("\t")[2:5] == ["100", "33", "m"]  # frames, markers, metres
    assert not page.server_errors, page.server_errors
