"""Image: landmarks and joint angles of everyone in one picture."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.common.analyses import analysis
from pages.common.page import require_model, route_through_app
from pages.common.state import keep, put
from pages.common.widgets import Download, download_row, media_picker, notice, show_picture
from pose_core import export
from pose_core.analysis import annotate_image
from pose_core.errors import PoseLabError
from pose_core.media import encode_image, read_image

TABLE_HEIGHT = 35 * 13 + 3  # a header and 12 rows: every joint angle without scrolling
LANDMARK_SHOWN = ["landmark", "x_px", "y_px", "z", "visibility", "world_x", "world_y", "world_z"]

route_through_app("pages/image.py")
st.title("Image")
model = require_model()
try:
    file = media_picker("image", ("image",), "standing.jpg")
    if file is None:
        st.info("Drop a photo above to find the people in it.")
        st.stop()
    with st.spinner("Finding people…"):
        result = analysis(file, st.session_state.settings, model)
    original = read_image(file.path)
except PoseLabError as exc:
    notice("error", str(exc))
    st.stop()

notice("success" if result.found_anyone else "warning", result.message())
for warning in result.warnings:
    notice("warning", warning)
for hint in result.hints:
    notice("info", hint, icon=":material/lightbulb:")
annotated = annotate_image(file.path, result)
left, right = st.columns(2)
with left:
    show_picture(original, "Original")
with right:
    show_picture(annotated, "Landmarks")

landmarks, angles = export.landmarks_table(result.poses), result.angles_table()
people = list(range(result.poses.num_people))
if people:
    st.subheader("Landmarks and joint angles")
    person = 0
    if len(people) > 1:
        if st.session_state.get("image_person", 0) not in people:
            put("image_person", 0)
        person = st.radio(
            "Person",
            people,
            format_func=lambda p: f"Person {p}",
            horizontal=True,
            key=keep("image_person", 0),
        )
    lm_col, angle_col = st.columns([3, 2])
    lm_col.dataframe(
        landmarks.loc[landmarks.person == person, LANDMARK_SHOWN].round(
            {"x_px": 1, "y_px": 1, "z": 3, "visibility": 2, "world_x": 3, "world_y": 3}
        ),
        hide_index=True,
        height=TABLE_HEIGHT,
    )
    angle_col.dataframe(
        angles.loc[angles.person == person, ["angle", "value_deg", "value_3d_deg"]].round(1),
        hide_index=True,
        height=TABLE_HEIGHT,
    )

st.subheader("Downloads")
stem = Path(file.name).stem
download_row(
    [
        Download(
            "Annotated PNG",
            lambda: encode_image(annotated, ".png"),
            f"{stem}.annotated.png",
            "image/png",
        ),
        Download("Landmark CSV", lambda: export.csv_text(landmarks), f"{stem}.csv", "text/csv"),
        Download("Angles CSV", lambda: export.csv_text(angles), f"{stem}.angles.csv", "text/csv"),
        Download(
            "Report JSON",
            lambda: export.json_text(export.report(result)),
            f"{stem}.json",
            "application/json",
        ),
    ],
    "image",
)
