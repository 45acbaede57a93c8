"""Image: landmarks and joint angles of everyone in one picture."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from pages.common import csv_text, require_model, route_through_app, upload_file
from pose_core.analysis import Analysis, analyze_image
from pose_core.errors import PoseLabError
from pose_core.media import encode_image, read_image
from pose_core.model import ModelInfo
from pose_core.settings import Settings
from pose_core.uploads import SAMPLE_IMAGES, sample_dir, samples, stored

IMAGE_TYPES = ["jpg", "jpeg", "png", "webp", "bmp"]
SOURCES = ("Sample photo", "Upload")
IMAGE_MAX_HEIGHT = 640
TABLE_HEIGHT = 35 * 13 + 3  # a header and 12 rows: every joint angle without scrolling
LANDMARK_SHOWN = ["landmark", "x_px", "y_px", "z", "visibility", "world_x", "world_y", "world_z"]


@st.cache_data(max_entries=32, show_spinner="Finding people…")
def analyse(digest: str, settings: Settings, _path: str, _model: ModelInfo) -> Analysis:
    """One picture's analysis, cached per (content hash, settings)."""
    return analyze_image(Path(_path), settings, _model)


route_through_app("pages/image.py")
st.title("Image")
request = st.session_state.pop("image_request", None)
if request:
    st.session_state.image_source, st.session_state.image_sample = SOURCES[0], request
model = require_model()

source = st.radio("Source", SOURCES, horizontal=True, key="image_source")
try:
    if source == SOURCES[0]:
        names = samples(SAMPLE_IMAGES)
        if not names:
            st.warning("Sample media are missing: run `make samples`, or upload a photo.")
            st.stop()
        name = st.selectbox("Sample photo", names, key="image_sample")
        file = stored(sample_dir() / name)
    else:
        limit = st.get_option("server.maxUploadSize")
        upload = st.file_uploader(
            f"Photo: JPEG, PNG, WebP or BMP, up to {limit} MB",
            type=IMAGE_TYPES,
            key="image_upload",
        )
        if upload is None:
            st.info("Drop a photo above to find the people in it.")
            st.stop()
        file = upload_file(upload)
    original = read_image(file.path)
    result = analyse(file.digest, st.session_state.settings, str(file.path), model)
except PoseLabError as exc:
    st.error(str(exc))
    st.stop()

if result.found_anyone:
    st.success(result.message())
else:
    st.warning(result.message())
h, w = original.shape[:2]
# A portrait photo is drawn at most IMAGE_MAX_HEIGHT tall, so the tables stay in view.
width = "stretch" if h <= w else max(200, int(IMAGE_MAX_HEIGHT * w / h))
left, right = st.columns(2)
left.image(original, caption="Original", width=width)
right.image(result.annotated_image, caption="Landmarks", width=width)

landmarks, angles = result.landmarks_table(), result.angles_table()
people = sorted(int(p) for p in landmarks["person"].unique())
if people:
    st.subheader("Landmarks and joint angles")
    for tab, person in zip(st.tabs([f"Person {p}" for p in people]), people, strict=True):
        with tab:
            lm_col, angle_col = st.columns([3, 2])
            lm_col.dataframe(
                landmarks.loc[landmarks.person == person, LANDMARK_SHOWN]
                .round({"x_px": 1, "y_px": 1, "z": 3, "visibility": 2})
                .round(3),
                hide_index=True,
                height=TABLE_HEIGHT,
            )
            angle_col.dataframe(
                angles.loc[angles.person == person, ["angle", "value_deg", "value_3d_deg"]].round(
                    1
                ),
                hide_index=True,
                height=TABLE_HEIGHT,
            )

st.subheader("Downloads")
stem = Path(file.name).stem
cols = st.columns(4)
cols[0].download_button(
    "Annotated PNG",
    lambda: encode_image(result.annotated_image, ".png"),
    file_name=f"{stem}.annotated.png",
    mime="image/png",
    on_click="ignore",
    icon=":material/download:",
)
cols[1].download_button(
    "Landmark CSV",
    lambda: csv_text(result.poses.to_csv),
    file_name=f"{stem}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)
cols[2].download_button(
    "Angles CSV",
    lambda: result.angles_table().to_csv(index=False, float_format="%.6g"),
    file_name=f"{stem}.angles.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)
cols[3].download_button(
    "Report JSON",
    lambda: json.dumps(result.report(), indent=2),
    file_name=f"{stem}.json",
    mime="application/json",
    on_click="ignore",
    icon=":material/download:",
)
