"""Batch: many clips and photos at once, to one summary, chart and dataset."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from pages.common import storage
from pages.common.page import require_model, route_through_app
from pages.common.state import keep
from pages.common.widgets import Download, download_row, notice, safe
from pose_core import batch, paths
from pose_core.batch.dataset import rom_long
from pose_core.batch.inputs import BatchInput, collect, folders_under
from pose_core.batch.job import BatchJob
from pose_core.errors import PoseLabError
from pose_core.landmarks import ANGLE_NAMES
from pose_core.media import CLIP_SUFFIXES, IMAGE_SUFFIXES
from pose_core.settings import Settings

UPLOAD, FOLDER = "Upload files", "A folder on this machine"
JOB = "batch_job"
JOINTS = "batch_joints"
DEFAULT_JOINTS = ["left_knee", "right_knee", "left_hip", "right_hip"]


def uploaded_inputs() -> list[BatchInput]:
    limit = int(st.get_option("server.maxUploadSize"))
    uploads = st.file_uploader(
        f"Photos and clips (up to {limit} MB each)",
        type=list(IMAGE_SUFFIXES + CLIP_SUFFIXES),
        accept_multiple_files=True,
        key="batch_uploads",
    )
    spilled: dict[str, storage.StoredFile] = st.session_state.setdefault("batch_spilled", {})
    files = []
    for upload in uploads or []:  # each upload is copied to disk once, not on every rerun
        if upload.file_id not in spilled or not spilled[upload.file_id].path.is_file():
            spilled[upload.file_id] = storage.spill(upload, upload.name, limit)
        files.append(spilled[upload.file_id])
    return collect([str(f.path) for f in files])


def folder_inputs() -> list[BatchInput]:
    root = paths.browse_root()
    folders = [p.relative_to(root).as_posix() for p in folders_under(root)]
    choice = st.selectbox(
        f"Folder under {root}",
        folders,
        key="batch_folder",
        help="Every photo and clip inside it and its sub-folders (set POSELAB_BROWSE_ROOT "
        "to list another folder).",
    )
    return collect([str(root / choice)]) if choice is not None else []


def out_dir(inputs: list[BatchInput]) -> Path:
    """One output folder per set of inputs: its manifest makes a second run skip."""
    names = "\n".join(f"{i.rel}\t{i.path}" for i in inputs)
    key = hashlib.sha256(names.encode()).hexdigest()[:16]
    return storage.process_dir() / "batch" / key


def start(inputs: list[BatchInput], settings: Settings) -> None:
    job = BatchJob(inputs, out_dir(inputs), settings)
    st.session_state[JOB] = job.start()


@st.fragment(run_every=1.0)
def progress_panel(job: BatchJob) -> None:
    """The progress bar and Cancel while the batch runs; the page reruns once it ends."""
    if not job.running:
        st.rerun()
    state = job.progress
    if state is not None:
        st.progress(state.fraction, text=state.line())
    st.button("Cancel", on_click=job.cancel.set, icon=":material/stop:", key="batch_cancel")


def results(job: BatchJob) -> None:
    report = job.report
    assert report is not None
    kind = "warning" if report.interrupted or report.count("failed") else "success"
    notice(kind, report.message())
    summary = pd.read_csv(report.written["summary"])
    summary[["kind", "error"]] = summary[["kind", "error"]].fillna("")
    st.subheader("Summary")
    st.caption("One row per input; click a column header to sort. rom_* = range of motion, °.")
    st.dataframe(summary, hide_index=True, key="batch_summary")
    st.subheader("Range of motion across clips")
    st.caption("Person 0 of each clip, image-plane angles; photos have no range of motion.")
    # A fresh widget per batch (its frontend state would go stale while a batch runs),
    # starting from the joints chosen last.
    joints = st.multiselect(
        "Joints",
        ANGLE_NAMES,
        default=st.session_state.get(JOINTS, DEFAULT_JOINTS),
        key=f"{JOINTS}_{id(job)}",
    )
    st.session_state[JOINTS] = joints
    if rom_long(summary).empty:
        st.info("No clip finished: nothing to chart yet.")
    else:
        st.plotly_chart(
            batch.rom_figure(summary, joints),
            key="batch_rom_chart",
            config={"displayModeBar": False},
        )
    st.subheader("Downloads")
    out = report.out_dir
    rows = [r for r in report.rows if r["status"] in ("analysed", "skipped")]
    download_row(
        [
            Download(
                "Landmarks Parquet",
                (out / batch.LANDMARKS).read_bytes,
                batch.LANDMARKS,
                "application/vnd.apache.parquet",
            ),
            Download(
                "Angles Parquet",
                (out / batch.ANGLES).read_bytes,
                batch.ANGLES,
                "application/vnd.apache.parquet",
            ),
            Download(
                "Kinematics Parquet",
                (out / batch.KINEMATICS).read_bytes,
                batch.KINEMATICS,
                "application/vnd.apache.parquet",
            ),
            Download("Summary CSV", (out / batch.SUMMARY).read_bytes, batch.SUMMARY, "text/csv"),
            Download(
                "All CSVs (zip)",
                lambda: batch.csv_zip(out, rows),
                "poselab-batch.zip",
                "application/zip",
            ),
        ],  # fmt: skip
        "batch",
    )


route_through_app("pages/batch.py")
st.title("Batch")
st.caption(
    "Analyse many photos and clips with the sidebar's settings, on every core of this "
    "machine; files done before with the same settings are skipped."
)
require_model()
settings: Settings = st.session_state.settings
source = st.radio("Files", [UPLOAD, FOLDER], horizontal=True, key=keep("batch_source", UPLOAD))
try:
    inputs = uploaded_inputs() if source == UPLOAD else folder_inputs()
except PoseLabError as exc:
    notice("error", str(exc))
    st.stop()
job: BatchJob | None = st.session_state.get(JOB)
busy = job is not None and job.running
label = f"Analyse {len(inputs)} file{'s' * (len(inputs) != 1)}"
st.button(
    label,
    type="primary",
    disabled=busy or not inputs,
    on_click=safe(start),
    args=(inputs, settings),
    icon=":material/play_arrow:",
    key="batch_run",
)
if not inputs and not busy:
    st.info("Drop photos and clips above, or pick a folder, to analyse them all at once.")
if job is None:
    st.stop()
if job.running:
    progress_panel(job)
    st.stop()
if job.error:
    notice("error", job.error)
    st.stop()
results(job)
