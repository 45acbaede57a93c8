"""What the real-browser tests share: a `streamlit run app.py` server on a free loopback
port, Debian's Chromium driven by Playwright, and the checks every step ends with.

Not a test module: ``test_browser.py`` and ``test_crawl*.py`` import their fixtures from
here (each module gets its own server, so one module's state never leaks into another).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

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
RESULT_TIMEOUT_MS = 120_000
IDLE = (
    '[data-testid="stApp"][data-test-script-state="notRunning"]'
    '[data-test-connection-state="CONNECTED"]'
)

# Every picture inside the right edge of its column (or of the page when it has none).
_OVERFLOWING_IMAGES = """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
  .filter(i => i.offsetParent !== null)
  .map(i => {
    const box = i.getBoundingClientRect();
    const holder = i.closest('[data-testid="stColumn"]')
      || i.closest('[data-testid="stMainBlockContainer"]') || document.body;
    const col = holder.getBoundingClientRect();
    return {src: i.src.slice(-40), img: [box.left, box.right], col: [col.left, col.right]};
  })
  .filter(b => b.img[0] < b.col[0] - 1 || b.img[1] > b.col[1] + 1)"""

# The sidebar's settings as the user sees them: slider positions, input values, toggles.
_SIDEBAR_SETTINGS = """() => {
  const bar = document.querySelector('[data-testid="stSidebar"]');
  if (!bar) return {};
  const out = {};
  const label = el => {
    const box = el.closest('[data-testid^="st"][class*="st-key-"]');
    const key = box && [...box.classList].find(c => c.startsWith('st-key-'));
    return key || el.getAttribute('aria-label') || el.name || '?';
  };
  // Streamlit 1.60 draws a slider as <input type="range">; older ones as role="slider".
  bar.querySelectorAll('[role="slider"]').forEach(
    s => { out[label(s) + ':slider'] = s.getAttribute('aria-valuenow'); });
  bar.querySelectorAll('input:not([type="file"]):not([type="checkbox"])').forEach(
    i => { out[label(i) + (i.type === 'range' ? ':slider' : ':input')] = i.value; });
  bar.querySelectorAll('input[type="checkbox"], [role="switch"]').forEach(t => {
    out[label(t) + ':toggle'] = t.getAttribute('aria-checked') ?? String(t.checked);
  });
  return out;
}"""


@dataclass
class Server:
    """A running app: its address, process and folders."""

    url: str
    proc: subprocess.Popen
    log: Path
    work: Path
    errors: list[str] = field(default_factory=list)

    def rss_mb(self) -> float:
        """The server process's resident memory now, in MB (Linux /proc)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS in /proc")

    def tracebacks(self) -> list[str]:
        """Tracebacks the server printed (an exception no page caught)."""
        text = self.log.read_text(errors="replace")
        return [chunk[:800] for chunk in text.split("Traceback (most recent call last)")[1:]]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "Debian's chromium is not installed (apt-get install chromium fonts-liberation)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser test")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    folder: Path, env: dict[str, str] | None = None, address_flag: bool = True
) -> Server:
    """`streamlit run app.py` on a free port with its own work and data folders; waits
    until it answers. ``address_flag=False`` leaves the address to the config file."""
    port = free_port()
    log_path = folder / "streamlit.log"
    work = folder / "work"
    browse = folder / "browse"  # what the Batch page may list, not the real home folder
    browse.mkdir(exist_ok=True)
    env = (
        os.environ
        | {"POSELAB_WORK": str(work), "POSELAB_DATA": str(folder / "data")}
        | {"POSELAB_BROWSE_ROOT": str(browse)}
        | (env or {})
    )
    address = ["--server.address", "127.0.0.1"] if address_flag else []
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
            + address
            + ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
            + ["--server.fileWatcherType", "none"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log_path, work)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=1) as r:
                if r.read().decode().strip() == "ok":
                    return server
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            pytest.fail(f"streamlit did not start; log:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    """SIGTERM by PID, then kill after a timeout."""
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("server"))
    try:
        yield srv
    finally:
        stop_server(srv)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Any, server: Server, width: int = 1500, height: int = 1900) -> Any:
    """A fresh tab (its own Streamlit session) that records HTTP errors >= 500 in
    ``server.errors``."""
    context = browser.new_context(
        accept_downloads=True, viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on(
        "response",
        lambda r: r.status >= 500 and server.errors.append(f"{r.status} {r.url}"),
    )
    return page


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    tab = new_page(browser, server)
    try:
        yield tab
    finally:
        tab.context.close()
    assert not server.errors, server.errors


def idle(page: Any, timeout_ms: int = RESULT_TIMEOUT_MS) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def settle(page: Any, timeout_ms: int = RESULT_TIMEOUT_MS) -> None:
    """Wait until a rerun that a step started has run and ended."""
    for _ in range(2):  # a rerun can start another (a page switch): idle twice in a row
        page.wait_for_timeout(150)  # the rerun request takes a moment to flip the state
        idle(page, timeout_ms)


def goto_app(page: Any, server: Server) -> None:
    page.goto(server.url)
    page.wait_for_selector('h1:has-text("PoseLab")')
    idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stSidebarNavLink\"]')]"
        ".some(a => /Home$/.test(a.textContent))"
    )


def open_page(page: Any, title: str) -> None:
    """Click a sidebar link (its text is the icon's ligature glued to the title) and wait
    until that page is the current one and has run."""
    link = page.locator('[data-testid="stSidebarNavLink"]').filter(
        has_text=re.compile(f"{re.escape(title)}$")
    )
    link.click()
    page.wait_for_function(
        """(title) => [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')]
          .some(a => a.getAttribute('aria-current') === 'page' && a.innerText.endsWith(title))""",
        arg=title,
    )
    settle(page)


def images_ok(page: Any) -> None:
    """Every picture loaded (a broken one still counts as visible: check its pixels)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
        ".every(i => i.complete)"
    )
    widths = page.eval_on_selector_all(
        '[data-testid="stImage"] img', "imgs => imgs.map(i => i.naturalWidth)"
    )
    assert all(w > 0 for w in widths), f"broken image(s): naturalWidth {widths}"


def overflowing_images(page: Any) -> list[dict]:
    """Pictures wider than (or sticking out of) their column."""
    return page.evaluate(_OVERFLOWING_IMAGES)


def sidebar_settings(page: Any) -> dict[str, str]:
    return page.evaluate(_SIDEBAR_SETTINGS)


def exception_boxes(page: Any) -> list[str]:
    return [t[:500] for t in page.locator('[data-testid="stException"]').all_inner_texts()]


def wait_charts(page: Any, count: int = 2) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg')"
        f".length >= {count}",
        timeout=RESULT_TIMEOUT_MS,
    )
