"""Clip: track everyone through a clip; scrub the annotated frames beside the charts."""

from __future__ import annotations

import contextvars
import json
import time
from pathlib import Path

import streamlit as st

from pages.common import csv_text, require_model, route_through_app, upload_file
from pose_core.analysis import Analysis, analyze_clip
from pose_core.drawing import draw_frame
from pose_core.errors import PoseLabError
from pose_core.figures import (
    COORDINATES,
    DEFAULT_ANGLES,
    DEFAULT_LANDMARKS,
    angle_figure,
    selected_frame,
    trajectory_figure,
)
from pose_core.frames import read_frame
from pose_core.landmarks import ANGLE_NAMES, LANDMARK_NAMES
from pose_core.model import ModelInfo
from pose_core.settings import Settings
from pose_core.uploads import (
    SAMPLE_CLIPS,
    output_path,
    sample_dir,
    samples,
    stored,
)

CLIP_TYPES = ["mp4", "mov", "webm", "mkv", "avi", "m4v"]
SOURCES = ("Sample clip", "Upload")
FRAME_KEY = "clip_frame"
# Tallest the scrubbed frame is drawn, so a portrait clip sits beside both charts.
FRAME_MAX_HEIGHT = 720


@st.cache_data(max_entries=16, show_spinner=False)
def analyse(
    digest: str, settings: Settings, _path: str, _model: ModelInfo, _progress=None
) -> Analysis:
    """One clip's analysis, cached per (content hash, settings).

    Moving a slider reruns the page but lands here with the same key, so the model
    never runs twice for one clip and one set of settings.
    """
    out = output_path(digest, ".mp4")
    try:
        return analyze_clip(Path(_path), settings, _model, annotated_out=out, progress=_progress)
    except BaseException:  # also a rerun that interrupts the run: leave no half-written clip
        out.unlink(missing_ok=True)
        raise


def progress_reporter(slot: st.delta_generator.DeltaGenerator, name: str):
    """A progress callback for the engine drawing into ``slot``: frames, speed, ETA.

    The callback runs inside the cached function; it draws through the context captured
    here, so the progress bar is not recorded for replay on later cache hits.
    """
    context = contextvars.copy_context()
    state = {"bar": None, "shown": 0.0}

    def report(done: int, total: int, elapsed_s: float) -> None:
        now = time.monotonic()
        if done < total and now - state["shown"] < 0.2:
            return
        state["shown"] = now
        rate = done / elapsed_s if elapsed_s > 0 else 0.0
        eta = (total - done) / rate if rate else 0.0
        text = (
            f"Analysing {name}: {done} / {total} frames · {rate:.0f} frames/s · "
            f"about {eta:.0f} s left"
        )
        value = min(done / total, 1.0) if total else 0.0
        if state["bar"] is None:
            state["bar"] = context.run(slot.progress, value, text=text)
        else:
            context.run(state["bar"].progress, value, text=text)

    return report


def cancel(job: tuple[str, Settings]) -> None:
    # Runs before the rerun that interrupts the analysis; the page then stops there.
    st.session_state.clip_cancelled = job


def step(delta: int, last: int) -> None:
    st.session_state[FRAME_KEY] = min(max(st.session_state.get(FRAME_KEY, 0) + delta, 0), last)


def jump_to_click(chart_key: str) -> None:
    frame = selected_frame(st.session_state.get(chart_key))
    if frame is not None:
        st.session_state[FRAME_KEY] = frame


def shown_width(w: int, h: int) -> int | str:
    """Display width that keeps a portrait frame under FRAME_MAX_HEIGHT pixels tall."""
    return "stretch" if h <= w else max(200, int(FRAME_MAX_HEIGHT * w / h))


route_through_app("pages/clip.py")
st.title("Clip")
request = st.session_state.pop("clip_request", None)
if request:
    st.session_state.clip_source, st.session_state.clip_sample = SOURCES[0], request
model = require_model()
settings: Settings = st.session_state.settings

source = st.radio("Source", SOURCES, horizontal=True, key="clip_source")
try:
    if source == SOURCES[0]:
        names = samples(SAMPLE_CLIPS)
        if not names:
            st.warning("Sample media are missing: run `make samples`, or upload a clip.")
            st.stop()
        name = st.selectbox("Sample clip", names, key="clip_sample")
        file = stored(sample_dir() / name)
    else:
        limit = st.get_option("server.maxUploadSize")
        upload = st.file_uploader(
            f"Clip: MP4, MOV, WebM, MKV or AVI, up to {limit} MB and 30 minutes",
            type=CLIP_TYPES,
            key="clip_upload",
        )
        if upload is None:
            st.info("Drop a clip above to track the people in it.")
            st.stop()
        file = upload_file(upload)
except PoseLabError as exc:
    st.error(str(exc))
    st.stop()

job = (file.digest, settings)
if st.session_state.get("clip_cancelled") == job:
    st.info(f"Analysis of {file.name} cancelled.", icon=":material/cancel:")
    if st.button("Analyse again", icon=":material/replay:"):
        del st.session_state.clip_cancelled
        st.rerun()
    st.stop()

running = st.empty()
with running.container():
    bar_slot = st.empty()
    st.button("Cancel", key="clip_cancel", on_click=cancel, args=(job,), icon=":material/stop:")
try:
    result = analyse(
        file.digest, settings, str(file.path), model, progress_reporter(bar_slot, file.name)
    )
except PoseLabError as exc:
    running.empty()
    st.error(str(exc))
    st.stop()
running.empty()
if result.annotated_video is None or not result.annotated_video.is_file():
    analyse.clear()  # the temp folder was cleaned behind our back: analyse again
    st.rerun()

poses, angles = result.poses, result.angles
if not result.found_anyone:
    st.warning(result.message())
    st.stop()

# -- summary -------------------------------------------------------------------------
meta = poses.metadata()
cols = st.columns(5)
cols[0].metric("Duration", f"{meta['duration_s']:.1f} s")
cols[1].metric("Frame rate", f"{poses.fps:.0f} fps")
cols[2].metric("Frames", poses.num_frames)
cols[3].metric("People", poses.num_people)
cols[4].metric(
    "Detection rate",
    f"{meta['detection_rate'] * 100:.0f}%",
    help="Share of frames in which at least one person was found.",
)

# -- scrubber beside the charts ------------------------------------------------------
last = poses.num_frames - 1
if st.session_state.get("clip_job") != job:
    st.session_state.clip_job = job
    st.session_state[FRAME_KEY] = 0
st.session_state[FRAME_KEY] = min(int(st.session_state.get(FRAME_KEY, 0)), last)
frame_col, chart_col = st.columns([5, 7], gap="medium")

with chart_col:
    c1, c2 = st.columns([1, 2])
    person = 0
    if poses.num_people > 1:
        person = c1.selectbox(
            "Person",
            range(poses.num_people),
            format_func=lambda p: f"Person {p}",
            key="clip_person",
        )
    else:
        c1.markdown("**Person 0**")
    coordinate = c2.selectbox("Coordinate", list(COORDINATES), key="clip_coordinate")
    chosen = st.multiselect(
        "Landmarks", LANDMARK_NAMES, default=list(DEFAULT_LANDMARKS), key="clip_landmarks"
    )

with frame_col:
    index = st.slider("Frame", 0, last, key=FRAME_KEY)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Previous", icon=":material/chevron_left:", on_click=step, args=(-1, last))
        st.button("Next", icon=":material/chevron_right:", on_click=step, args=(1, last))
        st.markdown(f"**{poses.times_s[index]:.2f} s** · frame {index + 1} of {last + 1}")
    try:
        frame = draw_frame(read_frame(file.path, float(poses.times_s[index])), poses, index)
    except PoseLabError as exc:
        st.error(str(exc))
    else:
        h, w = frame.shape[:2]
        st.image(frame, width=shown_width(w, h))

with chart_col:
    st.plotly_chart(
        trajectory_figure(poses, person, chosen, coordinate, index),
        key="clip_trajectory_chart",
        on_select=lambda: jump_to_click("clip_trajectory_chart"),
        selection_mode="points",
        config={"displayModeBar": False},
    )
    a1, a2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen_angles = a1.multiselect(
        "Joint angles", ANGLE_NAMES, default=list(DEFAULT_ANGLES), key="clip_angles"
    )
    world = a2.toggle("3D angles", key="clip_angles_3d", help="From world landmarks.")
    st.plotly_chart(
        angle_figure(angles, person, chosen_angles, index, world=world),
        key="clip_angle_chart",
        on_select=lambda: jump_to_click("clip_angle_chart"),
        selection_mode="points",
        config={"displayModeBar": False},
    )
    st.caption("Click a point on a chart to show that frame.")

# -- annotated clip, range of motion, downloads ----------------------------------------
st.divider()
video_col, motion_col = st.columns([5, 7], gap="medium")
with video_col:
    st.subheader("Annotated clip")
    w, h = poses.size_wh
    st.video(str(result.annotated_video), width=shown_width(w, h))
with motion_col:
    st.subheader(f"Range of motion · person {person}")
    motion = angles.range_of_motion(person).round(1)
    st.dataframe(motion, hide_index=True, height=35 * (len(motion) + 1) + 3)

st.subheader("Downloads")
stem = Path(file.name).stem
video_path = result.annotated_video
cols = st.columns(4)
cols[0].download_button(
    "Landmark CSV",
    lambda: csv_text(poses.to_csv),
    file_name=f"{stem}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="download_landmarks",
)
cols[1].download_button(
    "Angles CSV",
    lambda: result.angles_table().to_csv(index=False, float_format="%.6g"),
    file_name=f"{stem}.angles.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="download_angles",
)
cols[2].download_button(
    "Annotated MP4",
    lambda: video_path.read_bytes(),
    file_name=f"{stem}.annotated.mp4",
    mime="video/mp4",
    on_click="ignore",
    icon=":material/download:",
    key="download_video",
)
cols[3].download_button(
    "Report JSON",
    lambda: json.dumps(result.report(), indent=2),
    file_name=f"{stem}.json",
    mime="application/json",
    on_click="ignore",
    icon=":material/download:",
    key="download_report",
)
