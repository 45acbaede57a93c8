"""Home: what PoseLab does, one-click samples, the model in use."""

from __future__ import annotations

import streamlit as st

from pages.common.page import route_through_app
from pages.common.state import put
from pages.common.storage import sample_names
from pages.common.widgets import notice, safe

route_through_app("pages/home.py")
st.title("PoseLab")
st.markdown(
    "PoseLab finds the body landmarks of every person in a photo or a clip and draws the "
    "skeleton on every frame, next to charts of how each joint moved. "
    "Scrub through time, click a chart to jump to that moment, and take the numbers away "
    "as CSV for your spreadsheet."
)
st.success(
    "Everything runs on this machine: your photos, clips and results never leave it.",
    icon=":material/lock:",
)

clips, images = sample_names(("clip",)), sample_names(("image",))


def _request(key: str, sample: str, people: int = 1) -> None:
    # A callback: it runs before the target page draws its picker and the sidebar.
    put(key, f"sample/{sample}")
    put("set_max_people", max(people, int(st.session_state.set_max_people)))


st.subheader("Try it on sample media")
cols = [
    c.container(border=True, height=180, vertical_alignment="distribute") for c in st.columns(4)
]
with cols[0]:
    st.markdown("**A clip**  \nOne person on a force plate, 100 frames.")
    if st.button(
        "Open the Clip page",
        icon=":material/movie:",
        disabled="cam01.mp4" not in clips,
        on_click=safe(_request),
        args=("clip_media", "cam01.mp4"),
    ):
        st.switch_page("pages/clip.py")
with cols[1]:
    st.markdown("**Two people**  \nA jump and a walk, 230 frames (sets max people to 2).")
    if st.button(
        "Open with two people",
        icon=":material/group:",
        disabled="two_people.mp4" not in clips,
        on_click=safe(_request),
        args=("clip_media", "two_people.mp4", 2),
    ):
        st.switch_page("pages/clip.py")
with cols[2]:
    st.markdown("**A photo**  \nOne person standing.")
    if st.button(
        "Open the Image page",
        icon=":material/image:",
        disabled="standing.jpg" not in images,
        on_click=safe(_request),
        args=("image_media", "standing.jpg"),
    ):
        st.switch_page("pages/image.py")
with cols[3]:
    st.markdown("**Compare**  \nScore a pose against a reference.")
    if st.button("Open the Compare page", icon=":material/compare:"):
        st.switch_page("pages/compare.py")
if not clips or not images:
    st.warning("Sample media are missing: run `make samples` (python -m pose_core.samples).")

st.subheader("Model")
model = st.session_state.get("model")
if model is None:
    notice("error", st.session_state.get("model_error") or "No pose model is available.")
else:
    st.markdown(f"**{model.name}**  \n{model.origin}")
st.caption(
    "Settings in the sidebar (people, confidence, smoothing, model file) apply to every "
    "page and stay, with your uploads and choices, while you move between pages."
)
