"""Compare: score a pose or a whole clip against a reference, with per-joint feedback."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from pages.common.analyses import analysis
from pages.common.library import flash, library_panel, save_form, save_routine_form
from pages.common.page import require_model, route_through_app
from pages.common.state import keep, put
from pages.common.storage import StoredFile, result_path
from pages.common.widgets import (
    Download,
    chart_cursor,
    clicked_frame,
    download_row,
    frame_at,
    media_picker,
    notice,
    plain,
    safe,
    show_picture,
)
from pose_core import export
from pose_core.compare import ClipComparison, Comparable, PoseComparison, compare, who
from pose_core.compare.noise import SAME_POSE_SCORE, score_band
from pose_core.compare.video import render_comparison
from pose_core.drawing import draw_skeletons
from pose_core.errors import PoseLabError
from pose_core.media import read_image
from pose_core.plots import joint_bars_figure, score_color, score_timeline_figure, skeleton_figure
from pose_core.poses import Pose, PoseSequence
from pose_core.report import media_thumbs, report_bytes, worst_moments
from pose_core.routines import Routine, thumbnail_frames
from pose_core.settings import Settings

REF_SOURCES = ("Media", "Library")
DEFAULT_REF, DEFAULT_CAND = "cam01.mp4", "cam03.mp4"  # one movement, two cameras
USES = ("Whole clip", "One frame")
VIEW = "cmp_view"
REF_COLOR = (255, 200, 40)  # the reference skeleton drawn over the candidate
CAND_COLOR = (40, 150, 255)
FRAME_MAX_HEIGHT = 560


@dataclass
class Side:
    """One side of the comparison: analysed media, or a library pose."""

    label: str
    file: StoredFile | None = None
    poses: PoseSequence | None = None
    pose: Pose | None = None
    frame: int | None = None  # None: the whole clip
    person: int = 0

    @property
    def comparable(self) -> Comparable:
        assert self.pose is not None or self.poses is not None
        return self.pose if self.pose is not None else self.poses  # type: ignore[return-value]

    def picture(self, frame: int) -> np.ndarray | None:
        if self.file is None or self.poses is None:
            return None
        if self.poses.num_frames == 1:
            return read_image(self.file.path)
        return frame_at(self.file.path, float(self.poses.times_s[frame]))


def choose_person(prefix: str, poses: PoseSequence) -> int:
    """A person picker when there are several people (person 0 otherwise)."""
    people = list(range(poses.num_people))
    if len(people) <= 1:
        return 0
    if st.session_state.get(f"{prefix}_person", 0) not in people:
        put(f"{prefix}_person", 0)
    return int(
        st.selectbox(
            "Person", people, format_func=lambda p: f"Person {p}", key=keep(f"{prefix}_person", 0)
        )
    )


def choose_frame(prefix: str, poses: PoseSequence) -> int | None:
    """For a clip: None for the whole clip, or the frame picked with a scrubber."""
    if poses.num_frames == 1:
        return 0
    use = st.radio("Use", USES, horizontal=True, key=keep(f"{prefix}_use", USES[0]))
    if use == USES[0]:
        return None
    last = poses.num_frames - 1
    put(f"{prefix}_frame", min(int(st.session_state.get(f"{prefix}_frame", 0)), last))
    return int(st.slider("Frame", 0, last, key=keep(f"{prefix}_frame", 0)))


def media_side(prefix: str, default: str, settings: Settings) -> Side | None:
    file = media_picker(prefix, ("image", "clip"), default)
    if file is None:
        st.info("Drop an image or a clip above.")
        return None
    with st.spinner(f"Finding the poses in {file.name}…"):
        poses = analysis(file, settings, model).poses
    if not poses.detected.any():
        notice("warning", f"{file.name}: nobody found")
        return None
    person = choose_person(prefix, poses)
    frame = choose_frame(prefix, poses)
    return Side(file.name, file, poses, frame=frame, person=person)


@st.cache_resource(max_entries=16, show_spinner="Comparing…")
def cached_compare(
    sources: tuple[str, str, Settings], ref: tuple[int | None, int], cand: tuple[int | None, int],
    mirror: bool, _ref: Comparable, _cand: Comparable,
) -> PoseComparison | ClipComparison:  # fmt: skip
    """A comparison, kept while its sources (files or library pose, and settings) and the
    chosen (frame, person) of each side stay the same."""
    return compare(_ref, _cand, ref[0], cand[0], ref[1], cand[1], mirror=mirror)


def show_big_score(score: float, note: str = "") -> None:
    color = score_color(score)
    st.markdown(
        f"<div style='font-size:4rem;font-weight:700;line-height:1;color:{color}'>"
        f"{score:.0f}<span style='font-size:1.5rem;color:#888'> / 100</span></div>",
        unsafe_allow_html=True,
    )
    st.markdown(f"**{score_band(score)}**")
    st.caption(
        "100 = the same pose. The score halves when the joints are about 30° and the limbs "
        "about half a torso length off; the camera's position does not count." + note
    )


def overlay(cand: Side, frame: int, result: PoseComparison) -> np.ndarray | None:
    """The candidate's picture with its skeleton and the aligned reference on top."""
    rgb = cand.picture(frame)
    pose = result.candidate
    if rgb is None or pose.xy_px is None:
        return rgb
    out = draw_skeletons(
        rgb, pose.xy_px[None], pose.visibility[None], [0], color=CAND_COLOR, labels=False
    )
    ref_px = result.aligned_reference_px()
    if ref_px is not None:
        ones = np.ones((1, len(ref_px)))
        out = draw_skeletons(out, ref_px[None], ones, [0], color=REF_COLOR, labels=False)
    return out


def reference_view(ref: Side, frame: int, result: PoseComparison) -> None:
    rgb = ref.picture(frame)
    pose = result.reference
    if rgb is None:
        # Plotly titles take HTML, not markdown: escape that (a name could hold a link).
        title = html.escape(ref.label)
        st.plotly_chart(skeleton_figure(pose, title=title), key="cmp_reference_figure")
        return
    if pose.xy_px is not None:
        rgb = draw_skeletons(
            rgb, pose.xy_px[None], pose.visibility[None], [0], color=REF_COLOR, labels=False
        )
    show_picture(rgb, f"Reference · {pose.label}", FRAME_MAX_HEIGHT)


def pose_breakdown(result: PoseComparison, key: str) -> None:
    if result.mirrored:
        st.info("Compared with the candidate's mirror image (facing the other way).")
    if result.cues:
        # Within the same-pose band the cues are beyond their joints' noise but the pose
        # as a whole is not: say so rather than "what to fix".
        same = result.score >= SAME_POSE_SCORE
        head = "**Finer points** (the pose as a whole is the same)" if same else "**What to fix**"
        st.markdown(head + "\n" + "\n".join(f"- {plain(c)}" for c in result.cues))
    else:
        st.success("No joint is off by more than the measurement noise.")
    st.dataframe(result.joints_table().round(1), hide_index=True, key=f"{key}_joints")
    with st.expander("Body parts and joint scores"):
        st.dataframe(result.parts_table().round(1), hide_index=True, key=f"{key}_parts")
        st.plotly_chart(joint_bars_figure(result), key=f"{key}_bars")


def pair_view(
    ref: Side, cand: Side, ref_frame: int, cand_frame: int, result: PoseComparison
) -> None:
    ref_col, cand_col = st.columns(2, gap="medium")
    with ref_col:
        reference_view(ref, ref_frame, result)
    with cand_col:
        shown = overlay(cand, cand_frame, result)
        if shown is not None:
            show_picture(
                shown,
                "Candidate (blue) with the reference aligned on it (yellow)",
                FRAME_MAX_HEIGHT,
            )


def jump(frame: int) -> None:
    put(VIEW, frame)


def side_by_side_video(ref: Side, cand: Side, clip: ClipComparison, key: str) -> None:
    """A button that renders the side-by-side MP4 (two whole clips), then plays it."""
    if ref.file is None or cand.file is None or ref.poses is None or cand.poses is None:
        return
    st.subheader("Side by side")
    out = result_path(cand.file.digest, f"vs-{ref.file.digest[:16]}-{key}", ".mp4")
    slot = st.empty()  # the button, gone once the video is there
    if not out.is_file() and slot.button("Render the side-by-side video", icon=":material/movie:"):
        bar = st.progress(0.0, text="Drawing the side-by-side video…")
        try:
            note = render_comparison(
                (ref.file.path, ref.poses, ref.person),
                (cand.file.path, cand.poses, cand.person),
                clip,
                out,
                lambda k, n: bar.progress(k / n, text=f"Drawing the video: {k} / {n} frames"),
            )
        except (PoseLabError, OSError) as exc:
            out.unlink(missing_ok=True)
            notice("error", f"side-by-side video: {exc}")
            return
        bar.empty()
        if note:
            st.caption(f"Without sound: {note}")
    if out.is_file():
        slot.empty()
        st.video(str(out))


def page_report(ref: Side, cand: Side, result: PoseComparison | ClipComparison) -> bytes:
    """The one-page PDF of this comparison (made when the download is clicked)."""
    moments = []
    if isinstance(result, ClipComparison) and ref.poses is not None and ref.frame is None:
        assert cand.poses is not None
        moments = worst_moments(ref.poses, cand.poses, result, (ref.person, cand.person))
    media = [
        (s.file.path, s.poses) if s.file is not None and s.poses is not None else None
        for s in (ref, cand)
    ]
    return report_bytes(
        result,
        thumbs=media_thumbs(media[0], media[1]) if media[1] else None,
        moments=moments,
        frames=(ref.frame or 0, cand.frame or 0),
        who=f"{who(ref.comparable, ref.person, ref.frame)} (teacher) vs "
        f"{who(cand.comparable, cand.person, cand.frame)} (student)",
    )


def thumbnails(side: Side, frames: list[int]) -> dict[int, np.ndarray]:
    """Pictures of some frames of a side, for a routine's thumbnails."""
    pictures = {k: side.picture(k) for k in frames}
    return {k: v for k, v in pictures.items() if v is not None}


def jump_to_click() -> None:
    frame = clicked_frame(st.session_state.get("cmp_timeline"))
    if frame is not None:
        put(VIEW, frame)


@st.fragment
def clip_view(ref: Side, cand: Side, clip: ClipComparison, mirror: bool) -> None:
    """The timeline, the aligned frames and the frame's breakdown; clicks rerun only this."""
    assert cand.poses is not None
    last = cand.poses.num_frames - 1
    score_col, chart_col = st.columns([2, 5], gap="medium")
    with score_col:
        show_big_score(clip.score, " For a clip: the mean over the aligned frames.")
        if clip.mirrored:
            st.info("Compared with the candidate's mirror image.")
        if clip.tempo_note:
            st.markdown(f"**Tempo:** {plain(clip.tempo_note)}")
        st.markdown("**Low points**")
        for k, m in enumerate(clip.worst):
            st.button(
                f"{m.score:.0f} at {m.cand_time_s:.2f} s",
                key=f"cmp_worst_{k}",
                on_click=safe(jump),
                args=(m.cand_frame,),
                icon=":material/arrow_downward:",
            )
    with chart_col:
        put(VIEW, min(int(st.session_state.get(VIEW, 0)), last))
        view = int(st.slider("Candidate frame", 0, last, key=keep(VIEW, 0)))
        # The same figure on every step (the browser keeps it); the cursor marks the frame.
        st.plotly_chart(
            score_timeline_figure(clip),
            key="cmp_timeline",
            on_select=safe(jump_to_click),
            selection_mode="points",
            config={"displayModeBar": False},
        )
        chart_cursor("cmp_timeline", float(clip.cand_times_s[view]))
    whole = ref.pose is None and ref.frame is None
    ref_frame = clip.ref_frame_for(view) if whole else (ref.frame or 0)
    st.markdown(
        f"**Candidate frame {view}** ({clip.cand_times_s[view]:.2f} s) is aligned with "
        f"**reference frame {ref_frame}**"
    )
    try:
        result = compare(
            ref.comparable,
            cand.comparable,
            ref_frame,
            view,
            ref.person,
            cand.person,
            mirror=clip.mirrored,
        )
    except PoseLabError as exc:
        notice("warning", str(exc))
        return
    assert isinstance(result, PoseComparison)
    pictures, detail = st.columns([2, 1], gap="medium")
    with pictures:
        pair_view(ref, cand, ref_frame, view, result)
    with detail:
        st.metric("This frame", f"{result.score:.0f} / 100")
        st.caption(result.band)
        pose_breakdown(result, "cmp_frame")
    save_form(shown_poses(ref, result))


def shown_poses(ref: Side, result: PoseComparison) -> dict[str, Pose]:
    """The poses on screen that can be saved to the library (not a library pose)."""
    choices = {f"Candidate: {result.candidate.label}": result.candidate}
    if ref.file is not None:
        choices = {f"Reference: {result.reference.label}": result.reference} | choices
    return choices


route_through_app("pages/compare.py")
st.title("Compare")
model = require_model()
settings: Settings = st.session_state.settings
left, right = st.columns(2, gap="large")
try:
    with left:
        st.subheader("Reference")
        flash()
        source = st.radio("From", REF_SOURCES, horizontal=True, key=keep("cmp_ref_source", "Media"))
        if source == "Library":
            chosen = library_panel()
            ref: Side | None = (
                Side(chosen.name, poses=chosen.poses)
                if isinstance(chosen, Routine)
                else Side(chosen.name, pose=chosen.pose)
            )
        else:
            ref = media_side("cmp_ref", DEFAULT_REF, settings)
    with right:
        st.subheader("Candidate")
        cand = media_side("cmp_cand", DEFAULT_CAND, settings)
        mirror = st.toggle(
            "Allow mirror image",
            key=keep("cmp_mirror", False),
            help="Also compare with the candidate's mirror image (facing the other way).",
        )
except PoseLabError as exc:
    notice("error", str(exc))
    st.stop()
if ref is None or cand is None:
    st.stop()

st.divider()
if any(s.poses is not None and s.poses.num_people > 1 for s in (ref, cand)):
    st.caption(
        f"Compared {who(ref.comparable, ref.person, ref.frame)} "
        f"with {who(cand.comparable, cand.person, cand.frame)}"
    )
sources = (
    ref.file.digest if ref.file else f"library/{ref.label}",
    cand.file.digest if cand.file else cand.label,
    settings,
)
try:
    outcome = cached_compare(
        sources, (ref.frame, ref.person), (cand.frame, cand.person), mirror,
        ref.comparable, cand.comparable,
    )  # fmt: skip
except PoseLabError as exc:
    notice("error", str(exc))
    st.stop()

if isinstance(outcome, PoseComparison):
    score_col, pictures = st.columns([1, 2], gap="medium")
    with score_col:
        show_big_score(outcome.score)
        pose_breakdown(outcome, "cmp_pose")
    with pictures:
        pair_view(ref, cand, ref.frame or 0, cand.frame or 0, outcome)
    save_form(shown_poses(ref, outcome))
    report, frames_csv = outcome.report(), None
else:
    clip_view(ref, cand, outcome, mirror)
    if ref.pose is None and ref.frame is None:  # two whole clips
        key = hashlib.sha256(repr((sources, ref.person, cand.person, mirror)).encode()).hexdigest()
        side_by_side_video(ref, cand, outcome, key[:16])
        if ref.file is not None and ref.poses is not None:
            frames = thumbnail_frames(ref.poses.num_frames)
            save_routine_form(ref.poses, ref.person, lambda: thumbnails(ref, frames))
    report = outcome.report()
    frames_csv = export.csv_text(outcome.frames_table())

st.subheader("Downloads")
stem = f"{Path(ref.label).stem}_vs_{Path(cand.label).stem}".replace(" ", "_")
downloads = [
    Download(
        "Comparison JSON",
        lambda: export.json_text(report),
        f"{stem}.compare.json",
        "application/json",
    )
]
downloads.append(
    Download("Report PDF (A4)", lambda: page_report(ref, cand, outcome), f"{stem}.report.pdf",
             "application/pdf")
)  # fmt: skip
if frames_csv is not None:
    downloads.append(
        Download("Per-frame scores CSV", lambda: frames_csv, f"{stem}.scores.csv", "text/csv")
    )
download_row(downloads, "cmp")
