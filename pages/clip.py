"""Clip: track everyone through a clip; scrub the annotated frames beside the charts."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.common.analyses import ProgressBar, RenderJob, analysis, annotated_clip
from pages.common.page import require_model, route_through_app
from pages.common.state import keep, put
from pages.common.storage import StoredFile
from pages.common.widgets import (
    Download,
    chart_cursor,
    clicked_frame,
    download_row,
    frame_at,
    media_picker,
    notice,
    safe,
    show_picture,
)
from pose_core import export
from pose_core.analysis import Analysis
from pose_core.drawing import draw_frame
from pose_core.errors import PoseLabError
from pose_core.formats import mot_text, trc_text
from pose_core.landmarks import LANDMARK_NAMES
from pose_core.media import ClipReader
from pose_core.plots import (
    COORDINATES,
    DEFAULT_ANGLES,
    DEFAULT_LANDMARKS,
    angle_figure,
    trajectory_figure,
)
from pose_core.settings import Settings

FRAME = "clip_frame"
FRAME_MAX_HEIGHT = 720  # tallest the scrubbed frame is drawn, so it sits beside the charts


def cancel(job: tuple[str, Settings]) -> None:
    # Runs before the rerun that interrupts the analysis; the page then stops there.
    st.session_state.clip_cancelled = job


def step(delta: int, last: int) -> None:
    put(FRAME, min(max(int(st.session_state.get(FRAME, 0)) + delta, 0), last))


def jump_to_click(chart_key: str) -> None:
    frame = clicked_frame(st.session_state.get(chart_key))
    if frame is not None:
        put(FRAME, frame)


def run_analysis(file: StoredFile, settings: Settings) -> Analysis:
    """The analysis, with a progress bar and a Cancel button while the model runs."""
    job = (file.digest, settings)
    if st.session_state.get("clip_cancelled") == job:
        notice("info", f"Analysis of {file.name} cancelled.", icon=":material/cancel:")
        if st.button("Analyse again", icon=":material/replay:"):
            del st.session_state.clip_cancelled
            st.rerun()
        st.stop()
    running = st.empty()
    with running.container():
        bar = st.empty()
        st.button("Cancel", key="clip_cancel", on_click=cancel, args=(job,), icon=":material/stop:")
    try:
        return analysis(file, settings, model, ProgressBar(bar, file.name))
    finally:
        running.empty()


def summary(result: Analysis) -> None:
    poses = result.poses
    cols = st.columns(5)
    duration = float(poses.times_s[-1] - poses.times_s[0]) if poses.num_frames else 0.0
    cols[0].metric("Duration", f"{duration:.1f} s")
    cols[1].metric("Frame rate", f"{poses.fps:.0f} fps")
    cols[2].metric("Frames", poses.num_frames)
    cols[3].metric("People", poses.num_people)
    cols[4].metric(
        "Detection rate",
        f"{poses.detection_rate() * 100:.0f}%",
        help="Share of frames in which at least one person was found.",
    )


def trim_slider(file: StoredFile, settings: Settings) -> None:
    """The part of the clip to analyse; moving it sets the sidebar's trim and reruns."""
    duration = clip_duration(str(file.path), file.digest)
    if duration <= 0:
        return
    wanted = (min(settings.start_s, duration), min(settings.end_s or duration, duration))
    if st.session_state.get("clip_trim") != wanted:
        st.session_state.clip_trim = wanted
    st.slider(
        "Analyse from … to … (s)", 0.0, duration, step=0.1, key="clip_trim",
        on_change=safe(lambda: set_trim(duration)),
    )  # fmt: skip


@st.cache_data(show_spinner=False)
def clip_duration(path: str, digest: str) -> float:
    with ClipReader(path) as reader:
        return round(reader.info.duration_s, 1)


def set_trim(duration: float) -> None:
    start, end = st.session_state.clip_trim
    put("set_start_s", float(start))
    put("set_end_s", 0.0 if end >= duration else float(end))


def charts(result: Analysis, person: int, index: int) -> None:
    """The two charts, drawn without a marker (the same figure on every step, so the
    browser does not redraw them) and a cursor line at ``index``'s time over each."""
    c1, c2 = st.columns([2, 3])
    column = c1.selectbox(
        "Coordinate",
        list(COORDINATES),
        format_func=lambda c: COORDINATES[c][0],
        key=keep("clip_coordinate", "y_px"),
    )
    chosen = c2.multiselect(
        "Landmarks", LANDMARK_NAMES, key=keep("clip_landmarks", list(DEFAULT_LANDMARKS))
    )
    raw = st.toggle("Raw landmarks", key=keep("clip_raw", False), help="Before any filter.")
    st.plotly_chart(
        trajectory_figure(result.raw if raw else result.poses, person, chosen, column, None),
        key="clip_trajectory_chart",
        on_select=safe(lambda: jump_to_click("clip_trajectory_chart")),
        selection_mode="points",
        config={"displayModeBar": False},
    )
    a1, a2 = st.columns([3, 1], vertical_alignment="bottom")
    names = a1.multiselect(
        "Joint and segment angles",
        result.angles.names,
        key=keep("clip_angles", list(DEFAULT_ANGLES)),
    )
    world = a2.toggle("3D angles", key=keep("clip_angles_3d", False), help="From world landmarks.")
    st.plotly_chart(
        angle_figure(result.angles, person, names, None, world, result.poses.filled),
        key="clip_angle_chart",
        on_select=safe(lambda: jump_to_click("clip_angle_chart")),
        selection_mode="points",
        config={"displayModeBar": False},
    )
    st.caption("Click a point on a chart to show that frame.")
    time_s = float(result.poses.times_s[index])
    for key in ("clip_trajectory_chart", "clip_angle_chart"):
        chart_cursor(key, time_s)


@st.fragment
def viewer(file: StoredFile, result: Analysis, person: int) -> None:
    """The frame under the scrubber beside the charts; a step reruns only this part."""
    poses = result.poses
    last = poses.num_frames - 1
    w, h = poses.size_wh
    frame_col, chart_col = st.columns([5, 7] if h > w else [1, 1], gap="medium")
    with frame_col:
        index = st.slider("Frame", 0, last, key=keep(FRAME, 0))
        with st.container(horizontal=True, vertical_alignment="center"):
            st.button("Previous", icon=":material/chevron_left:", on_click=step, args=(-1, last))
            st.button("Next", icon=":material/chevron_right:", on_click=step, args=(1, last))
            st.markdown(f"**frame {index}** · {poses.times_s[index]:.2f} s")
        try:
            show_picture(
                draw_frame(frame_at(file.path, float(poses.times_s[index])), poses, index),
                max_height=FRAME_MAX_HEIGHT,
            )
        except PoseLabError as exc:
            notice("error", str(exc))
    with chart_col:
        charts(result, person, index)


def video_panel(job: RenderJob, stem: str) -> None:
    """The annotated clip and its download once drawn; a progress bar until then."""
    if job.running:
        value = job.done / job.total if job.total else 0.0
        st.progress(value, text=f"Drawing the annotated clip: {job.done} / {job.total} frames")
    elif job.ready:
        st.video(str(job.out))
        if job.note:
            notice("info", f"Without sound: {job.note}")
        st.download_button(
            "Annotated MP4",
            job.out.read_bytes,
            file_name=f"{stem}.annotated.mp4",
            mime="video/mp4",
            on_click="ignore",
            icon=":material/download:",
            key="clip_video_download",
        )
    else:
        notice("error", job.error or "The annotated clip could not be made.")


def annotated_video(job: RenderJob, result: Analysis, person: int, stem: str) -> None:
    video_col, motion_col = st.columns([5, 7], gap="medium")
    with video_col:
        st.subheader("Annotated clip")
        # While drawing, the panel polls the job on its own; the page never reruns for it.
        st.fragment(video_panel, run_every=1.0 if job.running else None)(job, stem)
    with motion_col:
        st.subheader(f"Range of motion · person {person}")
        motion = result.angles.range_of_motion(person).round(1)
        st.dataframe(motion, hide_index=True, height=35 * (len(motion) + 1) + 3)


route_through_app("pages/clip.py")
st.title("Clip")
model = require_model()
settings: Settings = st.session_state.settings
try:
    file = media_picker("clip", ("clip",), "cam01.mp4")
    if file is None:
        st.info("Drop a clip above to track the people in it.")
        st.stop()
    trim_slider(file, settings)
    result = run_analysis(file, settings)
except PoseLabError as exc:
    notice("error", str(exc))
    st.stop()

for warning in result.warnings:
    notice("warning", warning)
for hint in result.hints:
    notice("info", hint, icon=":material/lightbulb:")
if not result.found_anyone:
    notice("warning", result.message())
    st.stop()
summary(result)
if st.session_state.get("clip_file") != file.digest:  # a new clip starts at its first frame
    st.session_state.clip_file = file.digest
    put(FRAME, 0)
put(FRAME, min(int(st.session_state.get(FRAME, 0)), result.poses.num_frames - 1))
person = 0
if result.poses.num_people > 1:
    people = list(range(result.poses.num_people))
    if st.session_state.get("clip_person", 0) not in people:
        put("clip_person", 0)
    person = st.selectbox(
        "Person", people, format_func=lambda p: f"Person {p}", key=keep("clip_person", 0)
    )
viewer(file, result, person)

st.divider()
stem = Path(file.name).stem
annotated_video(annotated_clip(file, result), result, person, stem)

st.subheader("Downloads")
downloads = [
    Download(
        "Landmark CSV",
        lambda: export.csv_text(export.landmarks_table(result.poses)),
        f"{stem}.csv",
        "text/csv",
    ),
    Download(
        "Angles CSV",
        lambda: export.csv_text(result.angles_table()),
        f"{stem}.angles.csv",
        "text/csv",
    ),
    Download(
        "Kinematics CSV",
        lambda: export.csv_text(result.kinematics_table()),
        f"{stem}.kinematics.csv",
        "text/csv",
    ),
    Download(
        "Unfiltered CSV",
        lambda: export.csv_text(export.landmarks_table(result.raw)),
        f"{stem}.raw.csv",
        "text/csv",
    ),
    Download(
        f"TRC · person {person}",
        lambda: trc_text(result.poses, person, result.scale, f"{stem}.p{person}.trc"),
        f"{stem}.p{person}.trc",
        "text/plain",
    ),
    Download(
        f"MOT · person {person}",
        lambda: mot_text(result.angles, person, f"{stem}.p{person}"),
        f"{stem}.p{person}.mot",
        "text/plain",
    ),
    Download(
        "Report JSON",
        lambda: export.json_text(export.report(result)),
        f"{stem}.json",
        "application/json",
    ),
]
download_row(downloads, "clip")
