"""Compare: score a pose or a whole clip against a reference, with per-joint feedback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from pages.common import require_model, route_through_app, upload_file
from pose_core.analysis import analyze_clip, analyze_image
from pose_core.compare import (
    ClipComparison,
    Pose,
    PoseComparison,
    compare_clips,
    compare_pose_to_clip,
    compare_poses,
)
from pose_core.compare_plots import (
    joint_bars_figure,
    score_color,
    score_timeline_figure,
    skeleton_figure,
)
from pose_core.drawing import draw_skeletons
from pose_core.errors import PoseLabError
from pose_core.figures import selected_frame
from pose_core.frames import read_frame
from pose_core.media import media_kind, read_image
from pose_core.model import ModelInfo
from pose_core.references import (
    ReferenceError,
    builtin_references,
    delete_reference,
    import_reference,
    reference_from_pose,
    save_reference,
    scan,
)
from pose_core.sequence import PoseSequence
from pose_core.settings import Settings
from pose_core.uploads import (
    SAMPLE_CLIPS,
    SAMPLE_IMAGES,
    StoredFile,
    sample_dir,
    samples,
    stored,
)

MEDIA_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "mp4", "mov", "webm", "mkv", "avi", "m4v"]
REF_SOURCES = ("Sample", "Library", "Upload")
CAND_SOURCES = ("Sample", "Upload")
DEFAULT_REF, DEFAULT_CAND = "cam01.mp4", "cam03.mp4"  # one movement, two cameras
VIEW_KEY = "cmp_view"
REF_COLOR = (255, 200, 40)  # the reference skeleton drawn over the candidate
CAND_COLOR = (40, 150, 255)
FRAME_MAX_HEIGHT = 560


@st.cache_data(max_entries=16, show_spinner="Finding the poses…")
def analyse(digest: str, settings: Settings, _path: str, _model: ModelInfo) -> PoseSequence:
    """Landmarks of one image or clip, cached per (content hash, settings)."""
    path = Path(_path)
    if media_kind(path) == "image":
        return analyze_image(path, settings, _model, draw=False).poses
    return analyze_clip(path, settings, _model).poses


@dataclass
class Side:
    """One side of the comparison: a picture or clip (or a library pose)."""

    label: str
    file: StoredFile | None = None
    poses: PoseSequence | None = None
    pose: Pose | None = None  # set when this side is a single pose
    frame: int = 0

    @property
    def is_clip(self) -> bool:
        return self.poses is not None and self.poses.num_frames > 1

    def picture(self, frame: int) -> np.ndarray | None:
        if self.file is None or self.poses is None:
            return None
        if self.poses.num_frames == 1:
            return read_image(self.file.path)
        return read_frame(self.file.path, float(self.poses.times_s[frame]))


def pick_media(prefix: str, source: str, default: str) -> StoredFile | None:
    if source == "Sample":
        names = samples(SAMPLE_CLIPS) + samples(SAMPLE_IMAGES)
        if not names:
            st.warning("Sample media are missing: run `make samples`, or upload a file.")
            return None
        index = names.index(default) if default in names else 0
        name = st.selectbox("Sample", names, index=index, key=f"{prefix}_sample")
        return stored(sample_dir() / name)
    upload = st.file_uploader("Image or clip", type=MEDIA_TYPES, key=f"{prefix}_upload")
    return upload_file(upload) if upload is not None else None


def choose_frame(prefix: str, side: Side, whole_allowed: bool) -> None:
    """For a clip: the whole clip, or one frame picked with a scrubber."""
    assert side.poses is not None
    if side.poses.num_frames == 1:
        side.pose = Pose.from_sequence(side.poses, 0, person_of(prefix, side.poses))
        return
    options = ["Whole clip", "One frame"] if whole_allowed else ["One frame"]
    use = st.radio("Use", options, horizontal=True, key=f"{prefix}_use")
    if use == "One frame":
        last = side.poses.num_frames - 1
        side.frame = st.slider("Frame", 0, last, key=f"{prefix}_frame")
        side.pose = Pose.from_sequence(side.poses, side.frame, person_of(prefix, side.poses))


def person_of(prefix: str, poses: PoseSequence) -> int:
    if poses.num_people <= 1:
        return 0
    return st.selectbox(
        "Person",
        range(poses.num_people),
        format_func=lambda p: f"Person {p}",
        key=f"{prefix}_person",
    )


def library_side() -> Side | None:
    refs, problems = scan()
    library = builtin_references() | refs
    for problem in problems:
        st.caption(f"Skipped {problem}")
    name = st.selectbox(
        "Reference pose",
        list(library),
        format_func=lambda n: n if library[n].builtin else f"{n} (yours)",
        key="cmp_library",
    )
    ref = library[name]
    st.plotly_chart(skeleton_figure(ref), key="cmp_library_figure")
    st.caption(ref.description or ref.source)
    c1, c2 = st.columns(2)
    c1.download_button(
        "Export JSON",
        ref.to_json(),
        file_name=f"{name}.json",
        mime="application/json",
        on_click="ignore",
        icon=":material/download:",
        key="cmp_export",
    )
    if not ref.builtin and c2.button("Delete", icon=":material/delete:", key="cmp_delete"):
        delete_reference(name)
        st.rerun()
    imported = st.file_uploader("Import a reference (JSON)", type=["json"], key="cmp_import")
    if imported is not None and st.session_state.get("cmp_imported") != imported.file_id:
        try:
            saved = save_reference(import_reference(imported.getvalue(), imported.name))
        except ReferenceError as exc:
            st.error(str(exc))
        else:
            st.session_state.cmp_imported = imported.file_id
            st.success(f"Imported into {saved.parent}")
    return Side(label=name, pose=ref.pose())


def load_side(
    prefix: str, source: str, default: str, model: ModelInfo, settings: Settings
) -> Side | None:
    file = pick_media(prefix, source, default)
    if file is None:
        st.info("Drop an image or a clip above.")
        return None
    poses = analyse(file.digest, settings, str(file.path), model)
    if not poses.detected.any():
        st.warning(f"{file.name}: nobody found")
        return None
    return Side(label=file.name, file=file, poses=poses)


def show_big_score(score: float, note: str = "") -> None:
    color = score_color(score)
    st.markdown(
        f"<div style='font-size:4rem;font-weight:700;line-height:1;color:{color}'>"
        f"{score:.0f}<span style='font-size:1.5rem;color:#888'> / 100</span></div>",
        unsafe_allow_html=True,
    )
    st.caption(
        "100 = the same pose. The score halves when the joints are about 30° and the limbs "
        "about half a torso length off; the camera's position does not count." + note
    )


def shown_width(img: np.ndarray) -> int | str:
    h, w = img.shape[:2]
    return "stretch" if h <= w else max(200, int(FRAME_MAX_HEIGHT * w / h))


def overlay(cand: Side, frame: int, result: PoseComparison) -> np.ndarray | None:
    """The candidate's picture with its skeleton and the aligned reference on top."""
    rgb = cand.picture(frame)
    if rgb is None or cand.pose is None and result.candidate.xy_px is None:
        return rgb
    pose = result.candidate
    out = draw_skeletons(
        rgb, pose.xy_px[None], pose.visibility[None], [0], color=CAND_COLOR, labels=False
    )
    ref_px = result.aligned_reference_px()
    if ref_px is not None:
        out = draw_skeletons(
            out, ref_px[None], np.ones((1, len(ref_px))), [0], color=REF_COLOR, labels=False
        )
    return out


def reference_view(ref: Side, frame: int, result: PoseComparison) -> None:
    rgb = ref.picture(frame)
    if rgb is None:
        cand_aligned = None
        st.plotly_chart(
            skeleton_figure(result.reference, cand_aligned, title=ref.label),
            key="cmp_reference_figure",
        )
        return
    pose = result.reference
    if pose.xy_px is not None:
        rgb = draw_skeletons(
            rgb, pose.xy_px[None], pose.visibility[None], [0], color=REF_COLOR, labels=False
        )
    st.image(rgb, caption=f"Reference · {pose.label}", width=shown_width(rgb))


def pose_breakdown(result: PoseComparison, key: str) -> None:
    if result.mirrored:
        st.info("Compared with the candidate's mirror image (facing the other way).")
    if result.cues:
        st.markdown("**What to fix**\n" + "\n".join(f"- {c}" for c in result.cues))
    else:
        st.success("No joint is clearly off.")
    table = result.joints_table().round(1)
    st.dataframe(table, hide_index=True, key=f"{key}_joints")
    with st.expander("Body parts and joint scores"):
        st.dataframe(result.parts_table().round(1), hide_index=True, key=f"{key}_parts")
        st.plotly_chart(joint_bars_figure(result), key=f"{key}_bars")


def jump(cand_frame: int) -> None:
    st.session_state[VIEW_KEY] = cand_frame


def jump_to_click() -> None:
    frame = selected_frame(st.session_state.get("cmp_timeline"))
    if frame is not None:
        st.session_state[VIEW_KEY] = frame


def save_form(ref: Side, cand: Side, shown_ref: Pose | None, shown_cand: Pose | None) -> None:
    with st.expander("Save a pose to your reference library"):
        choices = {}
        if ref.file is not None and shown_ref is not None:
            choices[f"Reference: {shown_ref.label}"] = shown_ref
        if shown_cand is not None:
            choices[f"Candidate: {shown_cand.label}"] = shown_cand
        if not choices:
            st.caption("Pick a single frame or an image to save it.")
            return
        with st.form("cmp_save_form"):
            which = st.selectbox("Pose", list(choices), key="cmp_save_which")
            name = st.text_input("Name", key="cmp_save_name", max_chars=60)
            note = st.text_input("Description", key="cmp_save_note")
            if st.form_submit_button("Save", icon=":material/bookmark_add:"):
                try:
                    path = save_reference(reference_from_pose(name, choices[which], note))
                except ReferenceError as exc:
                    st.error(str(exc))
                else:
                    # Rerun so the library list above shows it at once.
                    st.session_state.cmp_flash = f"Saved {name!r} to {path}"
                    st.rerun()


# -- the page --------------------------------------------------------------------------

route_through_app("pages/compare.py")
st.title("Compare")
request = st.session_state.pop("compare_request", None)
if request:  # (reference sample, candidate sample) from another page
    st.session_state.cmp_ref_source = st.session_state.cmp_cand_source = "Sample"
    st.session_state.cmp_ref_sample, st.session_state.cmp_cand_sample = request
model = require_model()
settings: Settings = st.session_state.settings

left, right = st.columns(2, gap="large")
try:
    with left:
        st.subheader("Reference")
        flash = st.session_state.pop("cmp_flash", None)
        if flash:
            st.success(flash, icon=":material/bookmark_added:")
        source = st.radio("From", REF_SOURCES, horizontal=True, key="cmp_ref_source")
        if source == "Library":
            ref = library_side()
        else:
            ref = load_side("cmp_ref", source, DEFAULT_REF, model, settings)
            if ref is not None:
                choose_frame("cmp_ref", ref, whole_allowed=True)
    with right:
        st.subheader("Candidate")
        source = st.radio("From", CAND_SOURCES, horizontal=True, key="cmp_cand_source")
        cand = load_side("cmp_cand", source, DEFAULT_CAND, model, settings)
        if cand is not None:
            choose_frame("cmp_cand", cand, whole_allowed=True)
        mirror = st.toggle(
            "Allow mirror image",
            key="cmp_mirror",
            help="Also compare with the candidate's mirror image (facing the other way).",
        )
except PoseLabError as exc:
    st.error(str(exc))
    st.stop()
if ref is None or cand is None:
    st.stop()

st.divider()
try:
    if ref.pose is None and cand.pose is not None:
        st.info(
            "The reference is a whole clip: pick one of its frames, or a whole clip as "
            "the candidate."
        )
        st.stop()
    if ref.pose is not None and cand.pose is not None:
        # -- one pose against one pose -------------------------------------------------
        result = compare_poses(ref.pose, cand.pose, mirror=mirror)
        score_col, ref_col, cand_col = st.columns([3, 3, 3], gap="medium")
        with score_col:
            show_big_score(result.score)
            pose_breakdown(result, "cmp_pose")
        with ref_col:
            reference_view(ref, ref.frame, result)
        with cand_col:
            shown = overlay(cand, cand.frame, result)
            if shown is not None:
                st.image(
                    shown,
                    caption="Candidate (blue) with the reference aligned on it (yellow)",
                    width=shown_width(shown),
                )
        save_form(ref, cand, ref.pose, cand.pose)
        report = result.report()
        frames_csv = None
    else:
        # -- a clip against a clip, or against one pose ---------------------------------
        assert cand.poses is not None
        cand_person = st.session_state.get("cmp_cand_person", 0)
        if ref.pose is None:
            assert ref.poses is not None
            clip: ClipComparison = compare_clips(
                ref.poses,
                cand.poses,
                st.session_state.get("cmp_ref_person", 0),
                cand_person,
                mirror=mirror,
            )
        else:
            clip = compare_pose_to_clip(ref.pose, cand.poses, cand_person, mirror=mirror)
        last = cand.poses.num_frames - 1
        st.session_state[VIEW_KEY] = min(int(st.session_state.get(VIEW_KEY, 0)), last)
        score_col, chart_col = st.columns([2, 5], gap="medium")
        with score_col:
            show_big_score(clip.score, " For a clip: the mean over the aligned frames.")
            if clip.mirrored:
                st.info("Compared with the candidate's mirror image.")
            st.markdown("**Low points**")
            for k, m in enumerate(clip.worst):
                st.button(
                    f"{m.score:.0f} at {m.cand_time_s:.2f} s",
                    key=f"cmp_worst_{k}",
                    on_click=jump,
                    args=(m.cand_frame,),
                    icon=":material/arrow_downward:",
                )
        with chart_col:
            view = st.slider("Candidate frame", 0, last, key=VIEW_KEY)
            st.plotly_chart(
                score_timeline_figure(clip, view),
                key="cmp_timeline",
                on_select=jump_to_click,
                selection_mode="points",
                config={"displayModeBar": False},
            )
        ref_frame = clip.ref_frame_for(view) if ref.pose is None else ref.frame
        st.markdown(
            f"**Candidate frame {view}** ({clip.cand_times_s[view]:.2f} s) is aligned with "
            f"**reference frame {ref_frame}**"
            + (f" ({clip.ref_times_s[ref_frame]:.2f} s)" if ref.pose is None else "")
        )
        shown_ref = ref.pose
        if ref.pose is None:
            assert ref.poses is not None
            shown_ref = Pose.from_sequence(
                ref.poses, ref_frame, st.session_state.get("cmp_ref_person", 0)
            )
        shown_cand = None
        if cand.poses.detected[view, cand_person]:
            shown_cand = Pose.from_sequence(cand.poses, view, cand_person)
        ref_col, cand_col, detail_col = st.columns(3, gap="medium")
        if shown_cand is None or shown_ref is None:
            cand_col.warning("Nobody found in this candidate frame.")
        else:
            result = compare_poses(shown_ref, shown_cand, mirror=clip.mirrored)
            with ref_col:
                reference_view(ref, ref_frame, result)
            with cand_col:
                shown = overlay(cand, view, result)
                if shown is not None:
                    st.image(
                        shown,
                        caption="Candidate (blue) with the reference aligned on it (yellow)",
                        width=shown_width(shown),
                    )
            with detail_col:
                st.metric("This frame", f"{result.score:.0f} / 100")
                pose_breakdown(result, "cmp_frame")
        save_form(ref, cand, shown_ref if ref.file is not None else None, shown_cand)
        report = clip.report()
        frames_csv = clip.frames_table().to_csv(index=False, float_format="%.6g")
except PoseLabError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Downloads")
stem = f"{Path(ref.label).stem}_vs_{Path(cand.label).stem}".replace(" ", "_")
cols = st.columns(4)
cols[0].download_button(
    "Comparison JSON",
    json.dumps(report, indent=2),
    file_name=f"{stem}.compare.json",
    mime="application/json",
    on_click="ignore",
    icon=":material/download:",
    key="cmp_download_json",
)
if frames_csv is not None:
    cols[1].download_button(
        "Per-frame scores CSV",
        frames_csv,
        file_name=f"{stem}.scores.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="cmp_download_csv",
    )
