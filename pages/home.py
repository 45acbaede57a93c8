"""Home: what PoseLab does, one-click samples, the model in use."""

from __future__ import annotations

import streamlit as st

from pages.common import route_through_app
from pose_core.uploads import SAMPLE_CLIPS, SAMPLE_IMAGES, samples

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

clips, images = samples(SAMPLE_CLIPS), samples(SAMPLE_IMAGES)


def _request(key: str, sample: str, people: int = 1) -> None:
    # A callback, so it may change the sidebar's state; the target page reads the
    # request before drawing its own widgets.
    st.session_state[key] = sample
    st.session_state.set_max_people = max(people, int(st.session_state.set_max_people))


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
        on_click=_request,
        args=("clip_request", "cam01.mp4"),
    ):
        st.switch_page("pages/clip.py")
with cols[1]:
    st.markdown("**Two people**  \nA jump and a walk, 230 frames (sets max people to 2).")
    if st.button(
        "Open with two people",
        icon=":material/group:",
        disabled="two_people.mp4" not in clips,
        on_click=_request,
        args=("clip_request", "two_people.mp4", 2),
    ):
        st.switch_page("pages/clip.py")
with cols[2]:
    st.markdown("**A photo**  \nOne person standing.")
    if st.button(
        "Open the Image page",
        icon=":material/image:",
        disabled="standing.jpg" not in images,
        on_click=_request,
        args=("image_request", "standing.jpg"),
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
    st.error(st.session_state.get("model_error") or "No pose model is available.")
else:
    st.markdown(f"**{model.name}**  \n{model.origin}")
st.caption(
    "Settings in the sidebar (people, confidence, smoothing, model file) apply to every "
    "page and stay while you move between pages."
)
