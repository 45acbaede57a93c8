"""PoseLab app: ``streamlit run app.py``.

This entry file owns the navigation and the sidebar settings every page shares. It puts
``settings`` (a frozen :class:`Settings`) and ``model`` (a :class:`ModelInfo`, or None
with ``model_error`` saying why) into ``st.session_state`` before the page runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from pages.common import storage
from pages.common.state import keep, put, sync
from pages.common.widgets import CALLBACK_ERROR, notice, safe
from pose_core import paths
from pose_core.engine import ENGINES
from pose_core.errors import PoseLabError
from pose_core.filters import FILTERS
from pose_core.model import ModelInfo, resolve_model
from pose_core.settings import MAX_PEOPLE_LIMIT, Settings

DEFAULTS = Settings()
BUILT_IN = "built-in BlazePose full"
# Every picture stays inside its column, whatever the window's width.
STYLE = "<style>[data-testid='stImage'] img {max-width: 100%; height: auto;}</style>"


@st.cache_resource(show_spinner="Preparing the pose model (first start only)…")
def load_model(path: str | None) -> ModelInfo:
    """The model bundle: immutable, so one copy serves every session.

    Landmarkers themselves are never cached: the engine makes one per analysis, because
    MediaPipe task objects are not safe to share between Streamlit's threads.
    """
    return resolve_model(path)


@st.cache_resource(show_spinner=False)
def start_up() -> int:
    """Once per server: remove what earlier runs left in the work folder."""
    return storage.clean_stale()


def _slider(label: str) -> Callable[[str], object]:
    return lambda key: st.slider(label, 0.0, 1.0, step=0.05, key=key)


def _number(
    label: str, lo: float, hi: float, step: float, text: str, filters: tuple[str, ...] = ()
) -> Callable[[str], object]:
    """A number input; with ``filters``, greyed out unless one of them is chosen.

    Always drawn: a number input that appears only on a rerun shows its minimum in the
    browser instead of its kept value (Streamlit 1.60), and sends that back.
    """
    return lambda key: st.number_input(
        label,
        min_value=lo,
        max_value=hi,
        step=step,
        key=key,
        help=text,
        disabled=bool(filters) and st.session_state.get("set_filter") not in filters,
    )


ONE_EURO = ("one_euro",)
HAMPEL_HELP = "Replace values over 3 MADs from the median of the frames within 0.1 s."
HEIGHT_HELP = "Gives metres per pixel (kinematics CSV, TRC); 0 = unknown, pixels only."


def _model_files() -> list[str]:
    folder = paths.models_dir()
    found = sorted(str(p) for p in folder.glob("*.task")) if folder.is_dir() else []
    return [BUILT_IN, *found]


def _add_model() -> None:
    upload = st.session_state.get("set_model_upload")
    if upload is None:
        return
    folder = paths.models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / storage.safe_name(upload.name)
    if target.suffix != ".task":
        raise PoseLabError(f"{target.name}: a model file ends in .task")
    part = target.with_suffix(".part")
    part.write_bytes(upload.getvalue())
    try:
        resolve_model(part)  # a zip at least; loading it is the engine's job
    except PoseLabError:
        part.unlink()
        raise PoseLabError(f"{target.name}: not a MediaPipe .task bundle") from None
    part.replace(target)
    put("set_model_path", str(target))


def _model_picker(key: str) -> object:
    choice = st.selectbox(
        "Model",
        _model_files(),
        format_func=lambda p: p if p == BUILT_IN else Path(p).name,
        key=key,
        help=f"pose_landmarker_*.task files in {paths.models_dir()}, or the built-in model.",
    )
    st.file_uploader(
        "Add a .task model file",
        type=["task"],
        key="set_model_upload",
        on_change=safe(_add_model),
    )
    return choice


# Settings field -> (sidebar section, control drawing the widget of that key).
CONTROLS: dict[str, tuple[str, Callable[[str], object]]] = {
    "max_people": (
        "",
        lambda key: st.number_input(
            "Max people", 1, MAX_PEOPLE_LIMIT, step=1, key=key, help="People to look for."
        ),
    ),
    "min_detection_confidence": ("Detection confidence", _slider("Detection")),
    "min_presence_confidence": ("Detection confidence", _slider("Presence")),
    "min_tracking_confidence": ("Detection confidence", _slider("Tracking")),
    "start_s": ("Trim (clips)", _number("Start (s)", 0.0, 1800.0, 0.1, "Analyse from here.")),
    "end_s": ("Trim (clips)", _number("End (s)", 0.0, 1800.0, 0.1, "0 = to the clip's end.")),
    "hampel": (
        "Filter (clips)",
        lambda key: st.toggle("Reject outliers first (Hampel)", key=key, help=HAMPEL_HELP),
    ),
    "filter": (
        "Filter (clips)",
        lambda key: st.selectbox("Filter", list(FILTERS), format_func=FILTERS.get, key=key),
    ),
    "smoothing_min_cutoff": (
        "Filter (clips)",
        _number("One Euro min cut-off (Hz)", 0.01, 50.0, 0.1, "Lower is smoother.", ONE_EURO),
    ),
    "smoothing_beta": (
        "Filter (clips)",
        _number("One Euro speed coefficient β", 0.0, 1000.0, 1.0, "Higher lags less.", ONE_EURO),
    ),
    "cutoff_hz": (
        "Filter (clips)",
        _number(
            "Butterworth cut-off (Hz)", 0.1, 100.0, 0.5, "Lower is smoother.", ("butterworth",)
        ),
    ),
    "window_s": (
        "Filter (clips)",
        _number("Window (s)", 0.02, 2.0, 0.02, "Savitzky-Golay, median.", ("savgol", "median")),
    ),
    "max_gap_s": (
        "Filter (clips)",
        _number("Fill gaps up to (s)", 0.0, 5.0, 0.05, "Interpolate a missing stretch."),
    ),
    "height_m": (
        "Metric scale",
        _number("Height of the person seen most (m)", 0.0, 2.5, 0.01, HEIGHT_HELP),
    ),
    "engine": (
        "Model",
        lambda key: st.selectbox(
            "Engine", list(ENGINES), format_func=lambda e: ENGINES[e], key=key
        ),
    ),
    "crowd": (
        "Model",
        lambda key: st.toggle(
            "Crowd search", key=key, help="Also search tiles for small people (slower)."
        ),
    ),
    "model_path": ("Model", _model_picker),
}


def _widget_default(name: str) -> object:
    value = getattr(DEFAULTS, name)
    return BUILT_IN if name == "model_path" and value is None else value


def _reset_settings() -> None:
    for name in CONTROLS:
        put(f"set_{name}", _widget_default(name))


def settings_sidebar() -> Settings:
    """The sidebar controls, read into one Settings; an invalid value keeps the last
    good settings and says why."""
    sb = st.sidebar
    sb.header("Settings")
    sb.caption("Apply to every page. Results are kept per file and settings.")
    sections: dict[str, list[str]] = {}
    for name, (section, _) in CONTROLS.items():
        sections.setdefault(section, []).append(name)
    for section, names in sections.items():
        box = sb.expander(section) if section else sb.container()
        with box:
            for name in names:
                CONTROLS[name][1](keep(f"set_{name}", _widget_default(name)))
    sb.button("Reset to defaults", on_click=safe(_reset_settings), width="stretch")
    values = {name: st.session_state[f"set_{name}"] for name in CONTROLS}
    values["model_path"] = None if values["model_path"] == BUILT_IN else values["model_path"]
    try:
        return Settings(**values)
    except (TypeError, ValueError) as exc:
        sb.error(f"Invalid setting, keeping the previous ones: {exc}")
        return st.session_state.get("settings", DEFAULTS)


st.set_page_config(page_title="PoseLab", page_icon="🕺", layout="wide")
st.html(STYLE)
start_up()
sync()
pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/image.py", title="Image", icon=":material/image:"),
    st.Page("pages/clip.py", title="Clip", icon=":material/movie:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/batch.py", title="Batch", icon=":material/dataset:"),
]
page = st.navigation(pages)
wanted = st.session_state.pop("wanted_page", None)
if wanted:  # a page sent us here first; see the guard at the top of each page
    st.switch_page(wanted)
problem = st.session_state.pop(CALLBACK_ERROR, None)
if problem:
    notice("error", problem)
settings = settings_sidebar()
st.session_state.settings = settings
try:
    st.session_state.model = load_model(settings.model_path)
    st.session_state.model_error = None
except PoseLabError as exc:
    st.session_state.model = None
    st.session_state.model_error = str(exc)
page.run()
