"""End to end in a real browser: `streamlit run app.py` driven by Debian's Chromium.

What AppTest cannot see: the upload, scrub and download round trip (the CSV equals the
engine's), pictures inside their columns at phone-to-desktop widths, a click on the
Compare timeline, choices kept across page switches as the browser shows them, how fast
a frame step and a chart click show the new frame, the address the server listens on,
and the server's memory and work folder after large photos. Every test fails on an
HTTP status >= 500 and on a broken picture. Screenshots go to a temp folder (printed).
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from pose_core import export
from pose_core.analysis import analyze_clip
from pose_core.media import read_image, write_image
from tests.app.browser_kit import (
    RESULT_TIMEOUT_MS,
    Server,
    exception_boxes,
    goto_app,
    idle,
    images_ok,
    new_page,
    open_page,
    overflowing_images,
    settle,
    sidebar_settings,
    start_server,
    stop_server,
    wait_charts,
)

pytestmark = pytest.mark.browser

CLIP = "cam02.mp4"  # not the page's default sample, so the upload really runs the model
STEP_TARGET_S = 0.3  # click to new frame, the target (printed with the figures)
# Asserted median: the target is met on a quiet machine (0.25 s here at load 4), not with
# four test suites sharing two cores (0.57 s); the old page took 1-2 s per step, 3 s a click.
STEP_LIMIT_S = 1.0
MAIN_INPUT = '[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInput"]'
# The newest frame picture: its src changes when a step shows another frame.
_FRAME_SRC = (
    '() => document.querySelector(\'[data-testid="stMain"] [data-testid="stImage"] img\').src'
)
_NEW_FRAME = """(old) => {
  const img = document.querySelector('[data-testid="stMain"] [data-testid="stImage"] img');
  return img && img.src !== old && img.complete && img.naturalWidth > 0;
}"""
# Click and picture-loaded times inside the browser (no Playwright round trips counted).
_STOPWATCH = """() => {
  window.__steps = {};
  document.addEventListener('mousedown', () => { window.__steps.click = performance.now(); },
    true);
  document.addEventListener('load', e => {
    if (e.target.tagName === 'IMG' && e.target.closest('[data-testid="stImage"]'))
      window.__steps.shown = performance.now();
  }, true);
}"""
# Pictures side by side must not overlap (a photo drawn over its neighbour).
_OVERLAPPING = """() => {
  const boxes = [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stImage"] img')]
    .filter(i => i.offsetParent !== null).map(i => i.getBoundingClientRect());
  const hits = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (x > 1 && y > 1) hits.push([a.left, a.right, b.left, b.right]);
  }));
  return hits;
}"""


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="poselab-screens-"))
    print(f"\nscreenshots: {folder}")
    return folder


def _pick(page, selectbox, option: str) -> None:
    """Pick ``option`` in a selectbox (a click that only focused it is repeated)."""
    for _ in range(3):
        selectbox.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=2000)
            return
        except Exception:  # the list did not open: focus only, or closed by a rerun
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option}")


def _choose(page, selectbox, option: str) -> None:
    """Pick ``option`` and wait for the page to have run with it."""
    _pick(page, selectbox, option)
    settle(page)


def _main_select(page, n: int = 0):
    return page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').nth(n)


def _shoot(page, folder: Path, name: str) -> None:
    page.wait_for_timeout(300)  # let charts and fonts settle
    page.screenshot(path=str(folder / f"{name}.png"))


def _sound(page) -> None:
    """No exception box, no picture out of its column or over another."""
    assert not exception_boxes(page), exception_boxes(page)
    assert not overflowing_images(page), overflowing_images(page)
    assert not page.evaluate(_OVERLAPPING), page.evaluate(_OVERLAPPING)
    images_ok(page)


def _frame_caption(page) -> int:
    text = page.locator("strong", has_text="frame ").first.inner_text()
    return int(text.split("frame ")[1])


def test_clip_upload_scrub_download(page, server: Server, shots: Path, sample_media) -> None:
    goto_app(page, server)
    images_ok(page)
    _shoot(page, shots, "1-home")
    page.get_by_role("button", name="Open the Clip page").click()
    page.wait_for_selector('h1:has-text("Clip")')
    wait_charts(page)
    idle(page)
    images_ok(page)

    t0 = time.monotonic()
    page.locator(MAIN_INPUT).set_input_files(str(sample_media / CLIP))
    page.wait_for_selector('[data-testid="stProgress"]', timeout=RESULT_TIMEOUT_MS)
    wait_charts(page)
    print(f"\n{CLIP}: upload to charts {time.monotonic() - t0:.1f} s")
    idle(page)
    images_ok(page)
    assert page.get_by_text("frame 0", exact=True).is_visible()
    slider = page.get_by_role("slider", name="Frame")
    slider.focus()
    for shown in range(1, 4):  # one key at a time: each one reruns the viewer
        slider.press("ArrowRight")
        page.get_by_text(f"frame {shown}", exact=True).wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("frame 4", exact=True).wait_for()
    idle(page)
    _shoot(page, shots, "2-clip-scrubbed")

    # A click on the trajectory chart, 60% across the plot, moves the scrubber there.
    plot = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first.bounding_box()
    x, y = plot["x"] + plot["width"] * 0.6, plot["y"] + plot["height"] * 0.5
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.get_by_text("frame 4", exact=True).wait_for(state="detached")
    idle(page)
    assert 50 <= _frame_caption(page) <= 70
    _sound(page)

    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="Landmark CSV").click()
    downloaded = Path(info.value.path()).read_text()
    expected = export.csv_text(export.landmarks_table(analyze_clip(sample_media / CLIP).poses))
    got_rows = list(csv.reader(io.StringIO(downloaded)))
    want_rows = list(csv.reader(io.StringIO(expected)))
    assert got_rows[0] == want_rows[0]
    assert len(got_rows) == len(want_rows) > 1

    # Cancel: another sample starts analysing; the button stops it within a frame or two.
    _pick(page, _main_select(page), "two_people.mp4 (sample)")
    page.wait_for_selector('[data-testid="stProgress"]')
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Analysis of two_people.mp4 cancelled.").wait_for()
    idle(page)


def _stopwatch(page, act) -> float:
    """Seconds from the mouse press of ``act()`` to the new frame's picture loaded."""
    old = page.evaluate(_FRAME_SRC)
    act()
    page.wait_for_function(_NEW_FRAME, arg=old, polling="raf", timeout=30_000)
    seconds = page.evaluate("() => window.__steps.shown - window.__steps.click") / 1000
    idle(page)
    return seconds


def test_frame_steps_and_chart_clicks_show_the_frame_fast(page, server: Server) -> None:
    goto_app(page, server)
    open_page(page, "Clip")  # cam01.mp4, 100 frames at 60 fps
    wait_charts(page)
    # The annotated clip is drawn in the background after an analysis: wait, as a user
    # reading the charts would, so the figures are about stepping alone.
    page.wait_for_selector('button:has-text("Annotated MP4")', timeout=RESULT_TIMEOUT_MS)
    idle(page)
    page.evaluate(_STOPWATCH)
    steps = []
    for k in range(1, 11):
        steps.append(_stopwatch(page, page.get_by_role("button", name="Next").click))
        assert _frame_caption(page) == k
    clicks = []
    plot = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first
    for share in (0.2, 0.8, 0.35, 0.65, 0.5):
        box = plot.bounding_box()
        x, y = box["x"] + box["width"] * share, box["y"] + box["height"] * 0.5
        page.mouse.move(x, y)
        clicks.append(_stopwatch(page, lambda x=x, y=y: page.mouse.click(x, y)))
        assert abs(_frame_caption(page) - share * 99) <= 8, share
    for name, times in (("Next", steps), ("chart click", clicks)):
        print(
            f"\nclick to new frame, {name}: median {statistics.median(times):.3f} s, "
            f"max {max(times):.3f} s (target {STEP_TARGET_S} s) over {len(times)}"
        )
        assert statistics.median(times) < STEP_LIMIT_S, times
    _sound(page)


WIDTHS = (820, 1280, 1920)  # tablet, laptop, desktop


def test_pictures_fit_their_columns_at_every_width(page, server: Server, shots):
    goto_app(page, server)
    for title in ("Image", "Clip", "Compare"):
        open_page(page, title)
        page.wait_for_selector('[data-testid="stMain"] [data-testid="stImage"] img')
        settle(page)
        if title == "Clip":  # a landscape clip (960x540) was drawn about 390 px wide
            _choose(page, _main_select(page), "two_people.mp4 (sample)")
            wait_charts(page)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 1400})
            page.wait_for_timeout(400)  # the layout follows the window
            _sound(page)
            # A landscape frame or photo uses its column, not a thumbnail's width.
            widths = page.evaluate(
                """() => [...document.querySelectorAll(
                    '[data-testid="stMain"] [data-testid="stImage"] img')]
                  .map(i => [i.getBoundingClientRect().width,
                    i.closest('[data-testid="stColumn"]').getBoundingClientRect().width,
                    i.naturalWidth, i.naturalHeight])"""
            )
            for shown, column, w, h in widths:
                if w > h:
                    assert shown >= min(column, w) * 0.9, (title, width, widths)
            _shoot(page, shots, f"width-{width}-{title.lower()}")


def test_a_nearly_square_photo_stays_beside_the_original(
    page, server: Server, sample_media, tmp_path
):
    """A 1000x1002 photo was drawn wider than its column, over the original."""
    rgb = read_image(sample_media / "standing.jpg")
    square = np.full((1002, 1000, 3), 235, np.uint8)
    person = cv2.resize(rgb, (470, 1002))
    square[:, 265:735] = person
    path = tmp_path / "square 1000x1002.jpg"
    write_image(path, square)
    goto_app(page, server)
    open_page(page, "Image")
    for width in (1280, 820):
        page.set_viewport_size({"width": width, "height": 1400})
        page.locator(MAIN_INPUT).set_input_files(str(path))
        page.get_by_text("square 1000x1002.jpg: 1 person found").wait_for(timeout=60_000)
        settle(page)
        _sound(page)


def test_compare_timeline_click_moves_the_frame_and_keeps_the_settings(page, server: Server):
    """A click on the score timeline once replaced the page with a TypeError and then
    reset every sidebar setting."""
    goto_app(page, server)
    open_page(page, "Compare")
    page.wait_for_selector('[data-testid="stPlotlyChart"] .nsewdrag', timeout=RESULT_TIMEOUT_MS)
    settle(page)
    settings = sidebar_settings(page)
    for share in (0.3, 0.7):
        plot = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first.bounding_box()
        x, y = plot["x"] + plot["width"] * share, plot["y"] + plot["height"] * 0.3
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_timeout(300)
        settle(page)
        shown = page.locator("strong", has_text="Candidate frame").first.inner_text()
        frame = int(shown.split()[-1])
        assert abs(frame - share * 99) <= 12, (share, shown)
        _sound(page)
    open_page(page, "Clip")
    open_page(page, "Compare")
    assert sidebar_settings(page) == settings


def test_page_switches_keep_upload_person_and_frame(page, server: Server, sample_media, tmp_path):
    """Choices made in a fragment (frame steps) and widgets drawn again after a switch
    show what the user chose, not their defaults."""
    clip = tmp_path / "my dance.mp4"
    clip.write_bytes((sample_media / "cam04.mp4").read_bytes())
    goto_app(page, server)
    open_page(page, "Clip")
    page.locator(MAIN_INPUT).set_input_files(str(clip))
    page.wait_for_selector('[data-testid="stProgress"]', timeout=RESULT_TIMEOUT_MS)
    wait_charts(page)
    settle(page)
    for k in range(1, 4):
        page.get_by_role("button", name="Next").click()
        page.get_by_text(f"frame {k}", exact=True).wait_for()
    settle(page)
    coordinate = page.locator(".st-key-clip_coordinate input")
    _choose(page, coordinate, "x (pixels)")  # inside the viewer: reruns the fragment only
    # Its rerun has drawn the chart (leaving before that loses the choice: see the report).
    page.wait_for_selector('.st-key-clip_trajectory_chart text:has-text("pixels from the left")')
    open_page(page, "Image")
    people = page.locator('[data-testid="stSidebar"] input[type="number"]').first
    people.fill("2")
    people.press("Enter")
    settle(page)
    _choose(page, _main_select(page), "two_people.jpg (sample)")
    page.get_by_text("Person 1", exact=True).click()
    settle(page)
    for title in ("Home", "Compare", "Clip"):
        open_page(page, title)
    assert _main_select(page).input_value() == "my dance.mp4 (yours)"
    assert page.locator('.st-key-clip_frame input[type="range"]').input_value() == "3"
    assert _frame_caption(page) == 3
    assert coordinate.input_value() == "x (pixels)"
    open_page(page, "Image")
    assert _main_select(page).input_value() == "two_people.jpg (sample)"
    checked = page.locator('[data-testid="stRadioOption"][data-selected="true"]').inner_text()
    assert checked.strip() == "Person 1"
    assert sidebar_settings(page)["st-key-set_max_people:input"] == "2"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp) with a socket listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_the_server_listens_on_this_machine_only(tmp_path) -> None:
    """`make run` passes no address: the config file's 127.0.0.1 decides."""
    srv = start_server(tmp_path, address_flag=False)
    try:
        port = int(srv.url.rsplit(":", 1)[1])
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        stop_server(srv)


def _large_photos(sample_media: Path, folder: Path, count: int) -> list[Path]:
    """``count`` different 3000x4000 JPEGs of the standing photo (scaled up, the sides
    filled from its edges at different widths, brightness and grain varied)."""
    person = cv2.resize(read_image(sample_media / "standing.jpg"), (1875, 4000))
    rng = np.random.default_rng(7)
    paths = []
    for k in range(count):
        left = 100 + k * 100
        canvas = cv2.copyMakeBorder(person, 0, 0, left, 1125 - left, cv2.BORDER_REPLICATE)
        canvas = cv2.convertScaleAbs(canvas, alpha=0.9 + 0.02 * k)
        canvas = cv2.add(canvas, rng.integers(0, 16, canvas.shape, dtype=np.uint8))
        paths.append(folder / f"large {k}.jpg")
        write_image(paths[-1], canvas)
    return paths


def test_large_photos_keep_memory_and_the_work_folder_bounded(browser, sample_media, tmp_path):
    """Ten distinct 4000x3000 photos: the server's memory stops growing (no full-size
    picture is cached) and the work folder stays under its cap (here 24 MB)."""
    photos = _large_photos(sample_media, tmp_path, 10)
    srv = start_server(tmp_path, env={"POSELAB_WORK_MB": "24"})
    try:
        tab = new_page(browser, srv, width=1280, height=1400)
        goto_app(tab, srv)
        open_page(tab, "Image")
        rss = [srv.rss_mb()]
        for photo in photos:
            tab.locator(MAIN_INPUT).set_input_files(str(photo))
            tab.get_by_text(f"{photo.name}: 1 person found").wait_for(timeout=RESULT_TIMEOUT_MS)
            settle(tab)
            rss.append(srv.rss_mb())
        _sound(tab)
        size_mb = sum(p.stat().st_size for p in srv.work.rglob("*") if p.is_file()) / 2**20
        upload_mb = sum(p.stat().st_size for p in photos) / 2**20
        print(
            f"\nserver RSS MB: start {rss[0]:.0f}, after photo 1 {rss[1]:.0f}, "
            f"5 {rss[5]:.0f}, 10 {rss[10]:.0f}; work folder {size_mb:.1f} MB "
            f"(cap 24 MB) after {upload_mb:.0f} MB of uploads"
        )
        assert size_mb <= 24
        assert rss[10] - rss[2] < 250, rss  # no growth per photo beyond the first ones
        tab.context.close()
    finally:
        stop_server(srv)
    assert not srv.errors, srv.errors


_ANGLE_CURVE = (
    '() => { const d = document.querySelectorAll(\'[data-testid="stPlotlyChart"] '
    ".js-plotly-plot')[1]; return d && d._fullData ? JSON.stringify(d._fullData.map("
    "t => [t.name, Array.from(t.y || []).slice(0, 40)])) : null }"
)


def test_filter_segments_and_opensim_download(page, server: Server, shots: Path) -> None:
    """Found by hand: a filter's knob drawn only once its filter was chosen showed its
    minimum (0.10 Hz) in the browser instead of 6 Hz, and sent that back."""
    goto_app(page, server)
    open_page(page, "Clip")
    wait_charts(page)
    idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Filter (clips)").click()
    before = page.evaluate(_ANGLE_CURVE)
    t0 = time.monotonic()
    _choose(page, sidebar.locator('[data-testid="stSelectbox"]', has_text="Filter"),
            "Butterworth, zero-phase (order 4)")  # fmt: skip
    page.wait_for_function(f"() => ({_ANGLE_CURVE})() !== {json.dumps(before)}")
    print(f"\nfilter change to new angle curves: {time.monotonic() - t0:.2f} s")
    idle(page)
    cutoff = sidebar.get_by_role("spinbutton", name="Butterworth cut-off (Hz)")
    assert cutoff.input_value() == "6.00" and cutoff.is_enabled()
    assert sidebar.get_by_role("spinbutton", name="One Euro min cut-off (Hz)").is_disabled()

    chooser = page.locator('[data-testid="stMultiSelect"]', has_text="Joint and segment angles")
    chooser.locator("input").click()
    chooser.locator("input").fill("left_thigh")
    page.get_by_role("option", name="left_thigh").click()
    idle(page)
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => (({_ANGLE_CURVE})() || '').includes('left_thigh')")

    sidebar.get_by_text("Metric scale").click()
    height = sidebar.get_by_role("spinbutton", name="Height of the person seen most (m)")
    height.fill("1.75")
    height.press("Enter")
    idle(page)
    _shoot(page, shots, "7-clip-butterworth-segments")
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="TRC").click()
    trc = Path(info.value.path()).read_text().split("\n")
    idle(page)
    assert info.value.suggested_filename == "cam01.p0.trc"
    assert trc[2].split("\t")[2:5] == ["100", "33", "m"]  # frames, markers, metres


@pytest.mark.skipif(
    not os.environ.get("POSELAB_MEASURE"), reason="a measurement: POSELAB_MEASURE=1"
)
def test_measure_the_work_folder_after_20_analyses(browser, sample_media, tmp_path):
    """10 large photos, then 5 sample clips filtered and not (each drawing its annotated
    clip): the work folder's size with the default cap, printed."""
    photos = _large_photos(sample_media, tmp_path, 10)
    srv = start_server(tmp_path)
    try:
        tab = new_page(browser, srv, width=1280, height=1400)
        goto_app(tab, srv)
        open_page(tab, "Image")
        for photo in photos:
            tab.locator(MAIN_INPUT).set_input_files(str(photo))
            tab.get_by_text(f"{photo.name}: 1 person found").wait_for(timeout=RESULT_TIMEOUT_MS)
        open_page(tab, "Clip")
        sidebar = tab.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Filter (clips)").click()
        for filtered in (True, False):
            if not filtered:
                box = sidebar.locator('[data-testid="stSelectbox"]', has_text="Filter")
                _choose(tab, box, "none (raw landmarks)")
            for name in ("cam01.mp4", "cam02.mp4", "cam03.mp4", "cam04.mp4", "two_people.mp4"):
                _choose(tab, _main_select(tab), f"{name} (sample)")
                tab.wait_for_selector('button:has-text("Annotated MP4")', timeout=RESULT_TIMEOUT_MS)
        files = [p for p in srv.work.rglob("*") if p.is_file()]
        size_mb = sum(p.stat().st_size for p in files) / 2**20
        print(
            f"\nwork folder after 20 analyses: {size_mb:.1f} MB in {len(files)} files, "
            f"server RSS {srv.rss_mb():.0f} MB"
        )
        assert size_mb <= 2048
        tab.context.close()
    finally:
        stop_server(srv)
