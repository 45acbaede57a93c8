"""What every page does first: go through app.py, and have a model."""

from __future__ import annotations

import streamlit as st

from pages.common.widgets import notice
from pose_core.model import ModelInfo


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
        notice("error", st.session_state.get("model_error") or "No pose model is available.")
        st.stop()
    return model
