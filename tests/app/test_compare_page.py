"""AppTest for the Compare page: two sample clips in one click, scrubbing, single frames
against the library, saving a reference, people to pick, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/compare.py"


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _score(at: AppTest) -> int:
    """The big score (first markdown block on the results)."""
    big = next(m.value for m in at.markdown if "/ 100" in m.value and "font-size" in m.value)
    return int(big.split(">")[1].split("<")[0])


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "data" / "references"  # POSELAB_DATA is set per test in conftest


def test_home_to_two_cameras_of_one_movement(app: AppTest) -> None:
    next(b for b in app.button if b.label == "Open the Compare page").click().run()
    at = _run(app.switch_page(PAGE))
    assert [t.value for t in at.title] == ["Compare"]
    assert at.selectbox(key="cmp_ref_media").value == "sample/cam01.mp4"
    assert at.selectbox(key="cmp_cand_media").value == "sample/cam03.mp4"
    assert _score(at) >= 80  # the same movement filmed from another side
    # The score says what it means, and the tempo reads as one sentence.
    assert any(m.value.endswith("same pose within measurement noise**") for m in at.markdown)
    tempo = [m.value for m in at.markdown if m.value.startswith("**Tempo:**")]
    assert len(tempo) == 1 and "tempo:" not in tempo[0].lower().replace("**tempo:**", "")
    timeline = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert timeline["layout"]["yaxis"]["title"]["text"] == "score (0-100)"
    assert timeline["data"][0]["name"] == "score"
    assert len(at.get("image")) == 2  # reference frame, candidate with the overlay
    assert len(at.dataframe[0].value) == 12  # joints of the shown frame pair
    # Frame 0 of both: 94, one cue just above the neck's floor. Seen in the browser as
    # "same pose within measurement noise" over "What to fix": now a finer point.
    assert not any(m.value.startswith("**What to fix**") for m in at.markdown)
    assert any(m.value.startswith("**Finer points**") for m in at.markdown)
    assert [d.proto.label for d in at.get("download_button")] == [
        "Comparison JSON",
        "Report PDF (A4)",
        "Per-frame scores CSV",
    ]
    # The side-by-side video: rendered on request, then played in the page.
    assert not at.get("video")
    next(b for b in at.button if b.label == "Render the side-by-side video").click()
    _run(at)
    assert not at.exception
    assert len(at.get("video")) == 1
    assert not any(b.label == "Render the side-by-side video" for b in at.button)
    at.slider(key="cmp_view").set_value(40)
    _run(at)
    assert any("Candidate frame 40" in m.value for m in at.markdown)
    # The cursor marks frame 40's time; the figure itself has no frame marker (only the
    # mean score's line), so a step sends the browser the same timeline.
    cursors = [h.proto.body for h in at.get("html") if "poselab-cursor" in h.proto.body]
    key, time_s = re.search(r'const key = "(\w+)", time = ([\d.]+)', cursors[0]).groups()
    assert key == "cmp_timeline" and float(time_s) == pytest.approx(40 / 60, abs=0.01)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [shape["y0"] == shape["y1"] for shape in spec["layout"]["shapes"]] == [True]
    next(b for b in at.button if b.key == "cmp_worst_0").click()
    _run(at)
    assert at.slider(key="cmp_view").value != 40
    # A click on the timeline whose point carries a pair (or anything odd) is harmless.
    at.session_state["cmp_timeline"] = {"selection": {"points": [{"customdata": [12, 10]}]}}
    _run(at)


def test_library_pose_against_a_photo_and_saving(app: AppTest, library: Path) -> None:
    app.switch_page(PAGE)
    app.session_state["cmp_ref_source"] = "Library"
    app.session_state["cmp_cand_media"] = "sample/standing.jpg"
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

    at.text_input(key="cmp_save_name").input("my ![x](http://example.com/a.png) pose")
    next(b for b in at.button if b.label == "Save").click()
    _run(at)
    saved = library / "my-x-http-example-com-a-png-pose.json"
    assert saved.is_file()
    assert at.success[0].value.startswith("Saved my \\!\\[x\\]\\(http")  # shown, not fetched
    assert at.selectbox(key="cmp_library").options[-1].endswith("(yours)")


def test_whole_clips_with_a_person_picked_on_both_sides(app: AppTest) -> None:
    app.switch_page(PAGE)
    app.session_state["set_max_people"] = 2
    app.session_state["cmp_ref_media"] = "sample/two_people.mp4"
    app.session_state["cmp_cand_media"] = "sample/two_people.mp4"
    at = _run(app)
    assert at.selectbox(key="cmp_ref_person").options == ["Person 0", "Person 1"]
    assert at.radio(key="cmp_cand_use").value == "Whole clip"
    same = _score(at)
    at.selectbox(key="cmp_cand_person").set_value(1)
    _run(at)
    assert _score(at) < same  # the jumper against the walker
    assert any(
        c.value == "Compared person 0 of 2 in two_people.mp4, whole clip with person 1 of 2 "
        "in two_people.mp4, whole clip"
        for c in at.caption
    )
    # One frame where the picked person is not in view: one line, widgets unchanged.
    at.radio(key="cmp_ref_use").set_value("One frame")
    at.radio(key="cmp_cand_use").set_value("One frame")
    _run(at)
    at.slider(key="cmp_ref_frame").set_value(50)  # the jumper is in view
    at.slider(key="cmp_cand_frame").set_value(0)  # the walker is not yet
    _run(at)
    assert at.selectbox(key="cmp_cand_person").value == 1
    assert any("person 1 was not found in frame 0" in _plain(e.value) for e in at.error)


def test_bad_candidate_upload_is_one_line(app: AppTest) -> None:
    app.switch_page(PAGE)
    app.session_state["cmp_ref_source"] = "Library"
    at = _run(app)
    at.file_uploader(key="cmp_cand_upload").upload("dance.mp4", b"not a video", "video/mp4")
    _run(at)
    assert len(at.error) == 1 and _plain(at.error[0].value).startswith("dance.mp4: ")


def test_bad_reference_files_are_skipped_with_one_line(app: AppTest, library: Path) -> None:
    library.mkdir(parents=True)
    (library / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (library / "huge.json").write_text('{"format": "poselab.reference", "version": 1, "x": 1e999}')
    app.switch_page(PAGE)
    app.session_state["cmp_ref_source"] = "Library"
    at = _run(app)
    skipped = [c.value for c in at.caption if c.value.startswith("Skipped")]
    assert len(skipped) == 2
    assert "mountain" in at.selectbox(key="cmp_library").options


def test_save_the_teachers_clip_as_a_routine_and_compare_with_it_later(
    app: AppTest, library: Path
) -> None:
    # Two whole sample clips: save the reference (cam01) as a routine.
    next(b for b in app.button if b.label == "Open the Compare page").click().run()
    at = _run(app.switch_page(PAGE))
    at.text_input(key="cmp_routine_name").input("Warm-up")
    next(b for b in at.button if b.label == "Save routine").click()
    _run(at)
    saved = library / "routines" / "warm-up.json"
    assert saved.is_file()
    shown = [_plain(s.value) for s in [*at.success, *at.error, *at.warning]]
    assert any(s.startswith("Saved the routine Warm-up") for s in shown), shown
    with_video = _score(at)
    # Later, without the teacher's video: the routine from the library, the same student.
    at.radio(key="cmp_ref_source").set_value("Library")
    _run(at)
    at.selectbox(key="cmp_library").set_value("Warm-up (routine)")
    _run(at)
    assert _score(at) == with_video
    assert len(at.get("imgs")) >= 1 or len(at.get("image")) >= 1  # its thumbnails
    captions = [_plain(c.value) for c in at.caption]
    assert any("Routine from cam01.mp4: 100 frames" in c for c in captions), captions
    spec = next(c.proto.spec for c in at.get("plotly_chart") if "Warm" in c.proto.spec)
    assert "Warm-up" in spec and "Warm\\\\-up" not in spec  # seen as "Warm\-up" in a browser
    # No teacher video: no side-by-side video to render, the report still downloads.
    assert not any(b.label == "Render the side-by-side video" for b in at.button)
    assert not any(h.value == "Side by side" for h in at.subheader)
    assert "Report PDF (A4)" in [d.proto.label for d in at.get("download_button")]
