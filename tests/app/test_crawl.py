"""The app used like a person who clicks everything, in a real browser.

On every page of the sidebar (found in the DOM, so a new page is crawled too) the
crawler finds what can be operated (buttons and downloads, radio options, select and
multiselect options, toggles, expanders, slider steps, points of every Plotly chart) and
operates it, least used widget first, then in page order; new widgets that appear after
a step join the queue. Between pages it switches to another page and back and checks
that every choice on the page was kept. After every step:

- no exception box, no HTTP status >= 500, no one-line message that is a Python
  exception in disguise (``TypeError: ...``);
- the sidebar settings (slider positions, input values, toggles) are unchanged, unless
  the step is one that sets them;
- no picture is wider than its column.

Bounded: a time budget shared by the pages, a few points per chart, a few options per
multiselect. The step log is printed (``-s``) so you can see what was done.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.app.browser_kit import (
    Server,
    exception_boxes,
    goto_app,
    images_ok,
    new_page,
    overflowing_images,
    settle,
    sidebar_settings,
)

pytestmark = pytest.mark.browser

BUDGET_S = 150.0  # the whole crawl; each page gets a share of what is left
MAX_STEPS_PER_PAGE = 45
POINTS_PER_CHART = 3  # first, middle and last point of the chart
OPTIONS_PER_MULTISELECT = 2
SELECT_ALL = "Select all"  # a multiselect's own option: 33 curves would only slow the crawl
# Main-area steps that change sidebar settings on purpose, and which ones.
SETS_SETTINGS: dict[str, set[str]] = {
    "Open with two people": {"st-key-set_max_people:input"},
    "st-key-clip_trim": {"st-key-set_start_s:input", "st-key-set_end_s:input"},
}
DISGUISED = re.compile(r"^\s*\w*(Error|Exception)\b.*:", re.MULTILINE)

# Tags every operable element of the main area with data-crawl (its index in the answer)
# and says what it is: kind, a stable name, an option when the widget has several.
_DISCOVER = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  document.querySelectorAll('[data-crawl]').forEach(e => e.removeAttribute('data-crawl'));
  const out = [];
  const seen = {};
  const visible = e => {
    const box = e.getBoundingClientRect();
    const folded = e.closest('details:not([open])') && !e.closest('summary');
    return box.width > 0 && box.height > 0 && !folded && !e.closest('[aria-hidden="true"]');
  };
  const skip = e => e.closest('[data-testid="stFileUploader"], [data-testid="stDataFrame"],'
    + ' [data-testid="stElementToolbar"], [data-testid="stTooltipIcon"], .modebar');
  const nameOf = (e, fallback) => {
    const box = e.closest('[class*="st-key-"]');
    const key = box && [...box.classList].find(c => c.startsWith('st-key-'));
    const label = (e.querySelector('[data-testid="stWidgetLabel"]') || {}).innerText;
    return key || (label || fallback || '?').trim().slice(0, 60);
  };
  // Text as read, without a Material icon's ligature name in front (keyboard_arrow_down).
  const text = e => e.innerText.split('\\n').map(t => t.trim()).filter(Boolean)
    .filter((t, n, all) => !(n === 0 && all.length > 1 && /^[a-z_]+$/.test(t))).join(' ');
  const found = [];
  const add = (el, kind, name, option) => found.push({el, kind, name, option: option ?? null});
  main.querySelectorAll('button').forEach(b => {
    if (!visible(b) || b.disabled || skip(b)) return;
    if (b.closest('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]')) return;
    const download = b.closest('[data-testid="stDownloadButton"]');
    const label = text(b) || b.getAttribute('aria-label');
    if (!label) return;
    add(b, download ? 'download' : 'button', label.slice(0, 60), null);
  });
  main.querySelectorAll('[data-testid="stRadio"]').forEach(r => {
    if (!visible(r)) return;
    r.querySelectorAll('[data-testid="stRadioOption"]').forEach(
      o => add(o, 'radio', nameOf(r), text(o)));
  });
  main.querySelectorAll('[data-testid="stCheckbox"]').forEach(t => {
    if (visible(t)) add(t.querySelector('label'), 'toggle', nameOf(t, text(t)), null);
  });
  main.querySelectorAll('[data-testid="stSelectbox"]').forEach(s => {
    if (visible(s)) add(s.querySelector('input'), 'select', nameOf(s), null);
  });
  main.querySelectorAll('[data-testid="stMultiSelect"]').forEach(s => {
    if (visible(s)) add(s.querySelector('input'), 'multiselect', nameOf(s), null);
  });
  main.querySelectorAll('[data-testid="stExpander"] summary').forEach(s => {
    if (visible(s)) add(s, 'expander', text(s).slice(0, 60), null);
  });
  main.querySelectorAll('[data-testid="stSlider"]').forEach(s => {
    const thumb = s.querySelector('input[type="range"], [role="slider"]');
    if (visible(s) && thumb) add(thumb, 'slider', nameOf(s), null);
  });
  main.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((c, n) => {
    const points = [...c.querySelectorAll('.scatterlayer .trace .points path')];
    if (!visible(c) || !points.length) return;
    const picks = [...new Set([0, Math.floor(points.length / 2), points.length - 1])];
    picks.slice(0, %d).forEach(k => add(points[k], 'chart', nameOf(c, 'chart ' + n), k));
  });
  // In page order, whatever the kind; the same widget twice gets #2, #3...
  found.sort((a, b) => a.el === b.el ? 0
    : a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);
  found.forEach(({el, kind, name, option}) => {
    const id = kind + '|' + name + '|' + (option ?? '');
    seen[id] = (seen[id] || 0) + 1;
    el.setAttribute('data-crawl', String(out.length));
    out.push({kind, name, option, id: id + (seen[id] > 1 ? '#' + seen[id] : '')});
  });
  return out;
}"""

# What the user chose on the page: select and input values, radio picks, toggles,
# slider positions, multiselect tags; keyed by widget name.
_CHOICES = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = {};
  const nameOf = e => {
    const box = e.closest('[class*="st-key-"]');
    const key = box && [...box.classList].find(c => c.startsWith('st-key-'));
    return key || (e.querySelector('[data-testid="stWidgetLabel"]') || {}).innerText || '?';
  };
  main.querySelectorAll('[data-testid="stSelectbox"]').forEach(
    s => { out['select ' + nameOf(s)] = s.querySelector('input').value; });
  main.querySelectorAll('[data-testid="stMultiSelect"]').forEach(s => {
    out['multi ' + nameOf(s)] = [...s.querySelectorAll('[data-baseweb="tag"], [role="row"]')]
      .map(t => t.innerText.trim()).join(',');
  });
  main.querySelectorAll('[data-testid="stRadio"]').forEach(r => {
    const on = r.querySelector('[data-testid="stRadioOption"][data-selected="true"]');
    out['radio ' + nameOf(r)] = on ? on.innerText.trim() : null;
  });
  main.querySelectorAll('[data-testid="stCheckbox"] input').forEach(
    t => { out['toggle ' + nameOf(t)] = t.checked; });
  main.querySelectorAll('[data-testid="stSlider"]').forEach(s => {
    out['slider ' + nameOf(s)] = [...s.querySelectorAll('input[type="range"], [role="slider"]')]
      .map(t => t.value ?? t.getAttribute('aria-valuenow')).join(',');
  });
  return out;
}"""


@dataclass
class Crawl:
    """One crawl's bookkeeping: what was done, how often each widget was used."""

    server: Server
    deadline: float
    done: set[str]
    used: Counter
    log: list[str]
    skipped: int = 0

    def record(self, page_name: str, action: dict, seconds: float, note: str = "") -> None:
        what = action["option"] if action["option"] is not None else ""
        self.log.append(f"{seconds:5.1f}s {page_name}: {action['kind']} {action['name']} {what}")
        self.log[-1] += f" {note}".rstrip()


def _nav_links(page: Any) -> list[tuple[str, str]]:
    """(href, title) of every page in the sidebar, in order."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')]
          .map(a => [a.getAttribute('href'), a.innerText.split('\\n').pop().trim()])"""
    )


def _go(page: Any, href: str) -> None:
    page.locator(f'[data-testid="stSidebarNavLink"][href="{href}"]').click()
    page.wait_for_selector(f'[data-testid="stSidebarNavLink"][href="{href}"][aria-current="page"]')
    settle(page)


def _check(page: Any, crawl: Crawl, where: str, before: dict, allowed: set[str]) -> None:
    """The checks after every step."""
    assert not exception_boxes(page), f"{where}: exception box {exception_boxes(page)}"
    assert not crawl.server.errors, f"{where}: HTTP errors {crawl.server.errors}"
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    disguised = [a for a in alerts if DISGUISED.search(a)]
    assert not disguised, f"{where}: an exception shown as a message: {disguised}"
    after = sidebar_settings(page)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed <= allowed, f"{where}: sidebar settings changed: " + ", ".join(
        f"{k} {before.get(k)} -> {after.get(k)}" for k in sorted(changed - allowed)
    )
    assert not overflowing_images(page), f"{where}: {overflowing_images(page)}"
    images_ok(page)


def _open_options(page: Any, box: Any) -> list[str]:
    """Open a (multi)select's list (a click that only focused it is repeated)."""
    for _ in range(2):
        box.click()
        try:
            page.wait_for_selector('[role="option"]', timeout=2000)
        except Exception:
            continue
        return [o for o in page.locator('[role="option"]').all_inner_texts() if o != SELECT_ALL]
    return []


def _pick_option(page: Any, action: dict, crawl: Crawl, widget: str) -> str | None:
    """Open a (multi)select and click its first option not chosen by the crawl yet."""
    box = page.locator(f'[data-crawl="{action["index"]}"]')
    options = _open_options(page, box)
    limit = OPTIONS_PER_MULTISELECT if action["kind"] == "multiselect" else len(options)
    tried = sum(1 for d in crawl.done if d.startswith(widget + "="))
    for text in options:
        if f"{widget}={text}" not in crawl.done and tried < limit:
            crawl.done.add(f"{widget}={text}")
            for attempt in range(2):  # a polling fragment's rerun can close the list
                try:
                    page.get_by_role("option", name=text, exact=True).first.click(timeout=3000)
                    break
                except Exception:
                    if attempt or not _open_options(page, box):
                        return f"{text} (list closed, not chosen)"
            if action["kind"] == "multiselect":
                page.keyboard.press("Escape")
            return text
    page.keyboard.press("Escape")
    crawl.done.add(widget)  # every option tried: the widget is done
    return None


def _operate(page: Any, action: dict, crawl: Crawl) -> str:
    """Do one step; returns a note for the log."""
    target = page.locator(f'[data-crawl="{action["index"]}"]')
    widget = f"{action['kind']}|{action['name']}"
    if action["kind"] in ("select", "multiselect"):
        return f"-> {_pick_option(page, action, crawl, widget)}"
    crawl.done.add(action["id"])
    if action["kind"] == "download":
        with page.expect_download(timeout=60_000) as info:
            target.click()
        size = Path(info.value.path()).stat().st_size
        assert size > 0, f"{action['name']}: empty download"
        return f"({size} bytes)"
    if action["kind"] == "chart":
        target.click(force=True)
    elif action["kind"] == "slider":  # one step right, as the arrow key does
        target.focus()
        target.press("ArrowRight")
    else:
        target.click()
    return ""


def _next_action(page: Any, crawl: Crawl) -> dict | None:
    actions = page.evaluate(_DISCOVER % POINTS_PER_CHART)
    for index, action in enumerate(actions):
        action["index"] = index
    fresh = [
        a
        for a in actions
        if a["id"] not in crawl.done and f"{a['kind']}|{a['name']}" not in crawl.done
    ]
    if not fresh:
        return None
    # Least used widget first, then page order: every widget early, the rest if time allows.
    return min(fresh, key=lambda a: (crawl.used[f"{a['kind']}|{a['name']}"], a["index"]))


def _crawl_page(page: Any, crawl: Crawl, href: str, title: str, budget_s: float) -> None:
    _go(page, href)
    until = min(time.monotonic() + budget_s, crawl.deadline)
    for _ in range(MAX_STEPS_PER_PAGE):
        if time.monotonic() > until:
            crawl.skipped += 1
            break
        action = _next_action(page, crawl)
        if action is None:
            break
        before, where = sidebar_settings(page), f"{title}: {action['kind']} {action['name']}"
        allowed = SETS_SETTINGS.get(action["name"], set())
        start = time.monotonic()
        note = _operate(page, action, crawl)
        crawl.used[f"{action['kind']}|{action['name']}"] += 1
        settle(page)
        _check(page, crawl, f"{where} {action['option'] or ''}{note}", before, allowed)
        crawl.record(title, action, time.monotonic() - start, note)
        if page.url.rstrip("/") != href.rstrip("/"):  # a button that opens another page
            crawl.log[-1] += f" (went to {page.url.rsplit('/', 1)[-1] or 'home'})"
            _go(page, href)
            _check(page, crawl, f"{where}, back on {title}", sidebar_settings(page), set())


def _switch_and_back(page: Any, crawl: Crawl, href: str, other: str, title: str) -> None:
    """Leave the page and come back: every choice on it is as the user left it."""
    choices, settings = page.evaluate(_CHOICES), sidebar_settings(page)
    _go(page, other)
    _check(page, crawl, f"{title}: switched away", settings, set())
    _go(page, href)
    page.wait_for_timeout(300)
    settle(page)
    _check(page, crawl, f"{title}: switched back", settings, set())
    again = page.evaluate(_CHOICES)
    lost = {k: (v, again.get(k)) for k, v in choices.items() if again.get(k) != v}
    assert not lost, f"{title}: choices lost on a page switch (before, after): {lost}"


def test_crawl_every_page(browser, server: Server, sample_media) -> None:
    page = new_page(browser, server, width=1400, height=1600)
    crawl = Crawl(server, time.monotonic() + BUDGET_S, set(), Counter(), [])
    try:
        goto_app(page, server)
        links = _nav_links(page)
        assert len(links) >= 4, links
        if os.environ.get("POSELAB_CRAWL_PAGES"):  # e.g. "Compare,Batch" while working on one
            wanted = os.environ["POSELAB_CRAWL_PAGES"].split(",")
            links = [(href, title) for href, title in links if title in wanted]
        for n, (href, title) in enumerate(links):
            share = (crawl.deadline - time.monotonic()) / (len(links) - n)
            _crawl_page(page, crawl, href, title, share)
            other = links[(n + 1) % len(links)][0]
            _switch_and_back(page, crawl, href, other, title)
    finally:
        print("\ncrawl steps:\n" + "\n".join(crawl.log))
        print(f"{len(crawl.log)} steps; pages cut short by the time budget: {crawl.skipped}")
        page.context.close()
    assert not server.tracebacks(), server.tracebacks()
    kinds = Counter(line.split(": ", 1)[1].split()[0] for line in crawl.log)
    for kind in ("button", "download", "radio", "select", "toggle", "chart"):
        assert kinds[kind] > 0, f"the crawl never operated a {kind}: {kinds}"
