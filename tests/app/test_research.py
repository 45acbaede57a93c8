"""AppTest of the research settings: the filter choice recomputes from the cached raw
landmarks within a second, the trim slider re-runs the model on that part only, segment
angles are charted, and every file can be downloaded."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from pose_core.settings import Settings


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def clip_page(app: AppTest) -> AppTest:
    next(b for b in app.button if b.label == "Open the Clip page").click()
    _run(app)
    return _run(app.switch_page("pages/clip.py"))


def _angle_chart(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[1].proto.spec)


def test_each_filter_recomputes_in_under_a_second_without_the_model(
    clip_page: AppTest, model_runs: list[Settings]
) -> None:
    at = clip_page
    curves = {"one_euro": _angle_chart(at)["data"][0]["y"]}
    knobs = ("set_smoothing_min_cutoff", "set_smoothing_beta", "set_cutoff_hz", "set_window_s")
    for name, usable in (
        ("butterworth", {"set_cutoff_hz"}),
        ("savgol", {"set_window_s"}),
        ("median", {"set_window_s"}),
        ("none", set()),
    ):
        at.selectbox(key="set_filter").set_value(name)
        t0 = time.perf_counter()
        _run(at)
        rerun_s = time.perf_counter() - t0
        assert rerun_s < 1.0, (name, rerun_s)  # the whole page, charts and frame included
        # Every knob is always drawn (keeping its value); only the chosen filter's is usable.
        assert {k for k in knobs if not at.number_input(key=k).disabled} == usable
        assert at.number_input(key="set_cutoff_hz").value == 6.0
        curves[name] = _angle_chart(at)["data"][0]["y"]
    assert model_runs == []  # the Clip page's first run was cached by the fixture's app run
    assert len({json.dumps(c) for c in curves.values()}) == len(curves)  # all differ
    at.toggle(key="set_hampel").set_value(True)
    _run(at)
    assert at.session_state.settings == Settings(filter="none", hampel=True)
    assert model_runs == []


def test_the_trim_slider_analyses_only_that_part(
    clip_page: AppTest, model_runs: list[Settings]
) -> None:
    at = clip_page
    assert at.slider(key="clip_trim").value == (0.0, 1.7)  # cam01: 100 frames at 60 fps
    at.slider(key="clip_trim").set_value((0.5, 1.0))
    _run(at)
    assert model_runs == [Settings(start_s=0.5, end_s=1.0)]
    assert at.number_input(key="set_start_s").value == 0.5
    assert at.number_input(key="set_end_s").value == 1.0
    assert {m.label: m.value for m in at.metric}["Frames"] == "31"
    at.slider(key="clip_trim").set_value((0.5, 1.7))  # back to the end: end_s 0
    _run(at)
    assert at.session_state.settings == Settings(start_s=0.5)


def test_segment_angles_are_charted_and_every_file_is_offered(clip_page: AppTest) -> None:
    at = clip_page
    chooser = at.multiselect(key="clip_angles")
    assert {"trunk", "pelvis", "left_thigh", "head"} <= set(chooser.options)
    chooser.set_value(["left_knee", "trunk", "left_thigh"])
    _run(at)
    names = [t.get("name") for t in _angle_chart(at)["data"] if t.get("showlegend") is not False]
    assert names == ["left_knee", "trunk", "left_thigh"]
    at.toggle(key="clip_raw").set_value(True)
    _run(at)
    labels = [d.proto.label for d in at.get("download_button")]
    for label in (
        "Landmark CSV",
        "Angles CSV",
        "Kinematics CSV",
        "Unfiltered CSV",
        "TRC · person 0",
        "MOT · person 0",
        "Report JSON",
    ):
        assert label in labels
