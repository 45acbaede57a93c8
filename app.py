"""PoseLab app: ``streamlit run app.py``.

This entry file owns the navigation and the sidebar settings every page shares. It puts
``settings`` (a frozen :class:`Settings`) and ``model`` (a :class:`ModelInfo`, or None
with ``model_error`` saying why) into ``st.session_state`` before the page runs.
"""

from __future__ import annotations

import streamlit as st

from pose_core.errors import PoseLabError
from pose_core.model import ModelInfo, resolve_model
from pose_core.settings import MAX_PEOPLE_LIMIT, Settings

DEFAULTS = Settings()
# Sidebar widget key -> default value; "Reset" puts these back.
SETTING_KEYS: dict[str, object] = {
    "set_max_people": DEFAULTS.max_people,
    "set_model_path": "",
    "set_min_detection": DEFAULTS.min_detection_confidence,
    "set_min_presence": DEFAULTS.min_presence_confidence,
    "set_min_tracking": DEFAULTS.min_tracking_confidence,
    "set_smoothing": DEFAULTS.smoothing,
    "set_min_cutoff": DEFAULTS.smoothing_min_cutoff,
    "set_beta": DEFAULTS.smoothing_beta,
    "set_max_gap": DEFAULTS.max_gap_s,
}


@st.cache_resource(show_spinner="Preparing the pose model (first start only)…")
def load_model(path: str | None) -> ModelInfo:
    """The model bundle: immutable, so one copy serves every session.

    Landmarkers themselves are never cached: the engine makes one per analysis, because
    MediaPipe task objects are not safe to share between Streamlit's threads.
    """
    return resolve_model(path)


def _reset_settings() -> None:
    for key, value in SETTING_KEYS.items():
        st.session_state[key] = value


def settings_sidebar() -> Settings:
    """The sidebar controls, read into one Settings (defaults if a value is invalid)."""
    for key, value in SETTING_KEYS.items():
        st.session_state.setdefault(key, value)
    sb = st.sidebar
    sb.header("Settings")
    sb.caption("Apply to every page. Results are kept per file and settings.")
    sb.number_input(
        "Max people",
        min_value=1,
        max_value=MAX_PEOPLE_LIMIT,
        step=1,
        key="set_max_people",
        help="How many people to look for in each frame.",
    )
    with sb.expander("Detection confidence"):
        st.slider("Detection", 0.0, 1.0, step=0.05, key="set_min_detection")
        st.slider("Presence", 0.0, 1.0, step=0.05, key="set_min_presence")
        st.slider("Tracking", 0.0, 1.0, step=0.05, key="set_min_tracking")
    with sb.expander("Smoothing (clips)"):
        st.toggle("Smooth landmarks (One Euro filter)", key="set_smoothing")
        st.number_input(
            "Min cut-off (Hz)",
            min_value=0.01,
            max_value=50.0,
            step=0.1,
            key="set_min_cutoff",
            help="Lower is smoother but lags more on slow moves.",
        )
        st.number_input(
            "Speed coefficient β",
            min_value=0.0,
            max_value=1000.0,
            step=1.0,
            key="set_beta",
            help="Higher follows fast moves with less lag.",
        )
        st.number_input(
            "Fill gaps up to (s)",
            min_value=0.0,
            max_value=5.0,
            step=0.05,
            key="set_max_gap",
            help="Missing stretches of a person's track up to this long are interpolated.",
        )
    with sb.expander("Model"):
        st.text_input(
            "Model file (.task)",
            key="set_model_path",
            placeholder="built-in BlazePose full",
            help="Path to a pose_landmarker_*.task file on this machine; empty = built-in.",
        )
    sb.button("Reset to defaults", on_click=_reset_settings, width="stretch")
    ss = st.session_state
    try:
        return Settings(
            max_people=int(ss.set_max_people),
            model_path=ss.set_model_path.strip() or None,
            min_detection_confidence=float(ss.set_min_detection),
            min_presence_confidence=float(ss.set_min_presence),
            min_tracking_confidence=float(ss.set_min_tracking),
            smoothing=bool(ss.set_smoothing),
            smoothing_min_cutoff=float(ss.set_min_cutoff),
            smoothing_beta=float(ss.set_beta),
            max_gap_s=float(ss.set_max_gap),
        )
    except ValueError as exc:
        sb.error(f"Invalid setting, using defaults: {exc}")
        return DEFAULTS


st.set_page_config(page_title="PoseLab", page_icon="🕺", layout="wide")
pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/image.py", title="Image", icon=":material/image:"),
    st.Page("pages/clip.py", title="Clip", icon=":material/movie:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
]
page = st.navigation(pages)
wanted = st.session_state.pop("wanted_page", None)
if wanted:  # a page sent us here first; see the guard at the top of each page
    st.switch_page(wanted)
settings = settings_sidebar()
st.session_state.settings = settings
try:
    st.session_state.model = load_model(settings.model_path)
    st.session_state.model_error = None
except PoseLabError as exc:
    st.session_state.model = None
    st.session_state.model_error = str(exc)
page.run()
