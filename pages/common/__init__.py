"""Plumbing every page shares. A package, not a ``pages/*.py`` file, so Streamlit's
legacy page discovery never lists it as a page."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from pose_core.model import ModelInfo
from pose_core.uploads import StoredFile, spill


def route_through_app(page: str) -> None:
    """Send a visit that skipped ``app.py`` through it, then back to ``page``.

    A fresh server's first run on a page's URL skips app.py (Streamlit's legacy pages/
    mode, left once st.navigation runs), so no settings or model exist yet.
    """
    if "settings" not in st.session_state:
        st.session_state.wanted_page = page
        st.switch_page("app.py")


def require_model() -> ModelInfo:
    """The model app.py loaded; without one, say why in one line and stop the page."""
    model = st.session_state.get("model")
    if model is None:
        st.error(st.session_state.get("model_error") or "No pose model is available.")
        st.stop()
    return model


def upload_file(upload: UploadedFile) -> StoredFile:
    """The upload spilled to a temp file, once per upload."""
    spilled = st.session_state.setdefault("spilled", {})
    if upload.file_id not in spilled:
        spilled[upload.file_id] = spill(upload, upload.name, st.get_option("server.maxUploadSize"))
    return spilled[upload.file_id]


def csv_text(write: Callable[[IO[str]], object]) -> str:
    """What ``write(buffer)`` writes, as text (for a download button)."""
    buf = io.StringIO()
    write(buf)
    return buf.getvalue()
