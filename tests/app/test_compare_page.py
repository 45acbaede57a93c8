"""AppTest for the Compare page: two sample clips in one click, scrubbing, single frames
against the library, saving a reference, and a bad upload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/compare.py"


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _score(at: AppTest) -> int:
    """The big score (first markdown block on the results)."""
    big = next(m.value for m in at.markdown if "/ 100" in m.value and "font-size" in m.value)
    return int(big.split(">")[1].split("<")[0])


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "refs"
    monkeypatch.setenv("POSELAB_DATA", str(folder))
    return folder


def test_home_to_two_cameras_of_one_movement(app: AppTest) -> None:
    next(b for b in app.button if b.label == "Open the Compare page").click().run()
    at = _run(app.switch_page(PAGE))
    assert [t.value for t in at.title] == ["Compare"]
    assert at.selectbox(key="cmp_ref_sample").value == "cam01.mp4"
    assert at.selectbox(key="cmp_cand_sample").value == "cam03.mp4"
    assert _score(at) >= 80  # the same movement filmed from another side
    timeline = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert timeline["layout"]["yaxis"]["title"]["text"] == "score (0-100)"
    assert timeline["data"][0]["name"] == "score"
    assert len(at.get("image")) == 2  # reference frame, candidate with the overlay
    assert len(at.dataframe[0].value) == 12  # joints of the shown frame pair
    assert [d.proto.label for d in at.get("download_button")] == [
        "Comparison JSON",
        "Per-frame scores CSV",
    ]
    at.slider(key="cmp_view").set_value(40)
    _run(at)
    assert any("Candidate frame 40" in m.value for m in at.markdown)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["shapes"][0]["x0"] == pytest.approx(40 / 60, abs=0.01)
    low = next(b for b in at.button if b.key == "cmp_worst_0")
    low.click()
    _run(at)
    assert at.slider(key="cmp_view").value != 40


def test_library_pose_against_a_photo_and_saving(app: AppTest, library: Path) -> None:
    app.switch_page(PAGE)
    app.session_state["cmp_ref_source"] = "Library"
    app.session_state["cmp_cand_sample"] = "standing.jpg"
    at = _run(app)
    at.selectbox(key="cmp_library").set_value("t-pose")
    _run(at)
    t_pose = _score(at)
    at.selectbox(key="cmp_library").set_value("mountain")
    _run(at)
    assert _score(at) > t_pose + 20  # standing with arms down is a mountain, not a T
    joints = at.dataframe[0].value
    assert list(joints["joint"])[:2] == ["left_elbow", "left_shoulder"]
    assert len(at.get("plotly_chart")) >= 1  # the library skeleton

    at.text_input(key="cmp_save_name").input("my standing")
    next(b for b in at.button if b.label == "Save").click()
    _run(at)
    assert (library / "my-standing.json").is_file()
    assert "my standing" in at.selectbox(key="cmp_library").options[-1]
    assert at.success[0].value.startswith("Saved 'my standing'")


def test_bad_candidate_upload_is_one_line(app: AppTest) -> None:
    app.switch_page(PAGE)
    app.session_state["cmp_ref_source"] = "Library"
    app.session_state["cmp_cand_source"] = "Upload"
    at = _run(app)
    at.file_uploader(key="cmp_cand_upload").upload("dance.mp4", b"not a video", "video/mp4")
    _run(at)
    assert len(at.error) == 1 and at.error[0].value.startswith("dance.mp4: ")
