"""Widgets every page shares: the media picker, download rows, pictures that fit their
column, frames by time, and callbacks that can never take a page down."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import streamlit as st

from pages.common import storage
from pages.common.state import keep, put
from pages.common.storage import StoredFile
from pose_core.errors import MediaError, PoseLabError
from pose_core.media import (
    CLIP_FORMATS,
    CLIP_SUFFIXES,
    IMAGE_FORMATS,
    IMAGE_SUFFIXES,
    ClipReader,
    FrameReader,
    Kind,
    fit_within,
)

CALLBACK_ERROR = "callback_error"
SHOWN_MAX_SIDE = 1280  # pictures are sent to the browser at most this large
_READERS = "_frame_readers"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def plain(text: str) -> str:
    """``text`` with every Markdown character escaped: shown as written, never a link,
    an image or HTML, whoever wrote it (a file name, a shared reference)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def notice(
    kind: Literal["error", "warning", "info", "success"], text: str, icon: str | None = None
) -> None:
    """A one-line message box showing ``text`` as plain text."""
    getattr(st, kind)(plain(text), icon=icon)


def safe(callback: Callable[..., None]) -> Callable[..., None]:
    """``callback`` for a widget, turned harmless: an exception becomes one line shown at
    the top of the next run (see ``app.py``) instead of a traceback replacing the page."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            callback(*args, **kwargs)
        except PoseLabError as exc:
            st.session_state[CALLBACK_ERROR] = str(exc)
        except Exception as exc:
            st.session_state[CALLBACK_ERROR] = f"{type(exc).__name__}: {exc}".splitlines()[0]

    return run


def clicked_frame(chart_state: Mapping[str, Any] | None) -> int | None:
    """The frame index of the first clicked point in a Plotly chart's selection state.

    Points carry their frame as ``customdata`` (see :mod:`pose_core.plots`); anything
    else (a point without one, a box selection, an odd shape) gives None.
    """
    selection = (chart_state or {}).get("selection") or {}
    for point in selection.get("points") or []:
        value = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(value, Mapping):
            value = next(iter(value.values()), None)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return int(value)
    return None


# A dotted line over a Plotly chart at one time, drawn in the browser: moving it leaves the
# chart's figure unchanged, so a frame step does not make the browser redraw the chart.
_CURSOR_JS = """<script>(() => {
  const key = %s, time = %s, color = %s;
  const place = gd => {
    const fl = gd._fullLayout;
    if (!fl || !fl.xaxis || !fl.yaxis) return false;
    const holder = gd.querySelector('.svg-container') || gd;
    let line = holder.querySelector(':scope > .poselab-cursor');
    if (!line) {
      line = document.createElement('div');
      line.className = 'poselab-cursor';
      line.style.cssText = 'position:absolute;pointer-events:none;width:0;' +
        'border-left:2px dotted ' + color + ';z-index:5';
      holder.appendChild(line);
    }
    const x = fl.xaxis._offset + fl.xaxis.l2p(Number(gd.dataset.cursor));
    line.style.left = (x - 1) + 'px';
    line.style.top = fl.yaxis._offset + 'px';
    line.style.height = fl.yaxis._length + 'px';
    return true;
  };
  const attempt = tries => {
    const gd = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
    if (gd) {
      gd.dataset.cursor = time;
      if (!gd.dataset.cursorHooked && gd.on) {
        gd.on('plotly_afterplot', () => place(gd));
        gd.dataset.cursorHooked = '1';
      }
      if (place(gd)) return;
    }
    if (tries > 0) setTimeout(() => attempt(tries - 1), 50);
  };
  attempt(100);
})();</script>"""


def chart_cursor(chart_key: str, time_s: float, color: str = "#e4572e") -> None:
    """Mark ``time_s`` on the Plotly chart drawn with ``key=chart_key`` (a dotted line)."""
    st.html(
        _CURSOR_JS % (json.dumps(chart_key), json.dumps(float(time_s)), json.dumps(color)),
        unsafe_allow_javascript=True,
    )


# -- media --------------------------------------------------------------------------------

_UPLOADS = "uploads"


def _option(file: StoredFile) -> str:
    return f"sample/{file.name}" if file.sample else f"upload/{file.digest[:16]}/{file.name}"


def _label(option: str) -> str:
    kind, _, rest = option.partition("/")
    return f"{rest} (sample)" if kind == "sample" else f"{rest.partition('/')[2]} (yours)"


def _check_kind(file: StoredFile, kinds: tuple[Kind, ...]) -> None:
    """Say what an upload is when this page does not take that kind of file."""
    if file.kind in kinds:
        return
    if file.kind == "image":
        raise MediaError(f"{file.name}: is a photo; open it on the Image page")
    try:
        ClipReader(file.path).close()
    except MediaError:
        raise MediaError(f"{file.name}: not a readable image ({IMAGE_FORMATS} expected)") from None
    raise MediaError(f"{file.name}: is a clip ({CLIP_FORMATS}); open it on the Clip page")


def _add_upload(key: str, choice_key: str, limit_mb: int, kinds: tuple[Kind, ...]) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return
    file = storage.spill(upload, upload.name, limit_mb)
    _check_kind(file, kinds)
    st.session_state.setdefault(_UPLOADS, {})[_option(file)] = file
    put(choice_key, _option(file))


def media_picker(prefix: str, kinds: tuple[Kind, ...], default: str) -> StoredFile | None:
    """A sample or one of this session's uploads, with a box to add a file.

    Uploads stay in the list (on every page) for the whole session, so moving between
    pages never loses one; what a file is comes from its content, not its name.
    """
    uploads: dict[str, StoredFile] = st.session_state.setdefault(_UPLOADS, {})
    options = [f"sample/{n}" for n in storage.sample_names(kinds)]
    options += [o for o, f in uploads.items() if f.kind in kinds and f.path.is_file()]
    choice_key = f"{prefix}_media"
    wanted = f"sample/{default}"
    keep(choice_key, wanted if wanted in options else (options[0] if options else None))
    if st.session_state[choice_key] not in options:
        put(choice_key, options[0] if options else None)
    what = {("image",): "Photo", ("clip",): "Clip"}.get(kinds, "Photo or clip")
    choice = st.selectbox(what, options, format_func=_label, key=choice_key)
    limit = int(st.get_option("server.maxUploadSize"))
    suffixes = (IMAGE_SUFFIXES if "image" in kinds else ()) + (
        CLIP_SUFFIXES if "clip" in kinds else ()
    )
    st.file_uploader(
        f"Add your own ({', '.join(s.upper() for s in suffixes[:5])}…; up to {limit} MB)",
        type=list(suffixes),
        key=f"{prefix}_upload",
        on_change=safe(_add_upload),
        args=(f"{prefix}_upload", choice_key, limit, kinds),
    )
    if choice is None:
        return None
    if choice.startswith("sample/"):
        return storage.sample(choice.removeprefix("sample/"))
    file = uploads[choice]
    storage.touch(file.path)
    return file


# -- pictures -----------------------------------------------------------------------------


def show_picture(rgb: np.ndarray, caption: str | None = None, max_height: int = 640) -> None:
    """Show a picture at most as wide as its column and, when portrait, at most
    ``max_height`` pixels tall; it is scaled down here, so no more is sent than shown."""
    h, w = rgb.shape[:2]
    small = fit_within(rgb, SHOWN_MAX_SIDE if w >= h else max_height)
    st.image(small, caption=caption, width="content", output_format="JPEG")


def frame_at(path: Any, time_s: float) -> np.ndarray:
    """The clip's frame at ``time_s``, from a reader this session keeps open (fast steps)."""
    readers: dict[Any, FrameReader] = st.session_state.setdefault(_READERS, {})
    reader = readers.get(path)
    if reader is None:
        for old in list(readers)[:-1]:  # keep at most two clips open per session
            readers.pop(old).close()
        reader = readers[path] = FrameReader(path)
    return reader.at(time_s)


# -- downloads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """One download button: made lazily, when clicked."""

    label: str
    data: Callable[[], str | bytes]
    file_name: str
    mime: str


def download_row(items: Sequence[Download], prefix: str) -> None:
    """The downloads of a page, side by side; clicking one never reruns the page."""
    for col, item in zip(st.columns(max(4, len(items))), items, strict=False):
        col.download_button(
            item.label,
            item.data,
            file_name=item.file_name,
            mime=item.mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"{prefix}_{item.file_name}",
        )
