"""AppTest per page: renders on the sample media, widgets and charts exist, settings
reach the engine, choices survive page switches, bad input shows one line."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pose_core.cli import build_parser
from pose_core.media import ClipWriter, read_image
from pose_core.settings import Settings, setting_fields


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return _run(at)


def _open(at: AppTest, label: str, page: str) -> AppTest:
    """Click a Home button that switches page, and keep AppTest on that page.

    AppTest reruns the page it was told about last, not the one the script switched to,
    and widget ids differ between the two: rerun once on AppTest's own terms.
    """
    _click(at, label)
    return _run(at.switch_page(page))


def _texts(elements) -> list[str]:
    """What message boxes say, as the user reads it (Markdown escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


@pytest.fixture
def empty_clip(sample_media: Path, tmp_path: Path) -> Path:
    """Eight frames of the nobody still: a valid clip with nobody in it."""
    rgb = read_image(sample_media / "nobody.jpg")
    path = tmp_path / "empty_room.mp4"
    with ClipWriter(path, (rgb.shape[1], rgb.shape[0]), 30.0) as out:
        for i in range(8):
            out.write(rgb, i / 30)
    return path


def test_home_shows_samples_model_and_privacy(app: AppTest) -> None:
    labels = [b.label for b in app.button]
    for label in ("Open the Clip page", "Open with two people", "Open the Image page"):
        assert label in labels
    assert "BlazePose" in " ".join(_texts(app.markdown))
    assert "never leave" in " ".join(_texts(app.success))
    assert app.number_input(key="set_max_people").value == 1


def test_sidebar_cli_and_settings_list_the_same_fields() -> None:
    import app as entry  # the sidebar's table; importing runs nothing outside Streamlit

    cli = build_parser()._subparsers._group_actions[0].choices["analyze"]  # type: ignore[union-attr]
    outputs = {"help", "inputs", "out", "no_video", "quiet", "formats"}  # what to write
    dests = {a.dest for a in cli._actions} - outputs
    assert set(entry.CONTROLS) == set(setting_fields()) == dests


def test_image_page_from_home(app: AppTest) -> None:
    at = _open(app, "Open the Image page", "pages/image.py")
    assert _texts(at.title) == ["Image"]
    assert _texts(at.success) == ["standing.jpg: 1 person found"]
    assert len(at.get("image")) == 2  # original and annotated
    assert len(at.dataframe) == 2  # landmarks and angles of person 0
    assert len(at.dataframe[0].value) == 33
    assert [d.proto.label for d in at.get("download_button")] == [
        "Annotated PNG",
        "Landmark CSV",
        "Angles CSV",
        "Report JSON",
    ]


def test_image_settings_reach_the_engine(app: AppTest) -> None:
    at = _open(app, "Open the Image page", "pages/image.py")
    at.selectbox(key="image_media").set_value("sample/two_people.jpg")
    _run(at)
    assert not at.radio  # one person: no person picker
    # The second person in this still is only found with lower confidences.
    at.number_input(key="set_max_people").set_value(2)
    at.slider(key="set_min_detection_confidence").set_value(0.1)
    at.slider(key="set_min_presence_confidence").set_value(0.1)
    _run(at)
    assert _texts(at.success) == ["two_people.jpg: 2 people found"]
    assert at.radio(key="image_person").options == ["Person 0", "Person 1"]


@pytest.mark.parametrize(
    ("name", "data", "kind", "message"),
    [
        # bytes that are no image at all
        ("notes.jpg", b"just some text", "error", "notes.jpg: not a readable image (JPEG"),
        # an empty file
        ("empty.png", b"", "error", "empty.png: file is empty"),
        # a real picture with nobody in it
        ("nobody.jpg", None, "warning", "nobody.jpg: nobody found in the image"),
    ],
)
def test_image_bad_uploads(app, sample_media, name, data, kind, message) -> None:
    at = _open(app, "Open the Image page", "pages/image.py")
    data = (sample_media / name).read_bytes() if data is None else data
    at.file_uploader(key="image_upload").upload(name, data, "image/jpeg")
    _run(at)
    shown = _texts(at.error if kind == "error" else at.warning)
    assert len(shown) == 1 and shown[0].startswith(message), shown


def test_clip_page_from_home_scrub_without_rerunning_the_model(app, model_runs) -> None:
    at = _open(app, "Open the Clip page", "pages/clip.py")
    assert _texts(at.title) == ["Clip"]
    assert model_runs == [Settings()]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frames"] == "100" and metrics["People"] == "1"
    assert at.slider(key="clip_frame").value == 0
    assert len(at.get("plotly_chart")) == 2 and len(at.get("image")) == 1
    assert len(at.dataframe[0].value) == 26  # range of motion: 12 joint, 14 segment angles
    at.slider(key="clip_frame").set_value(40)
    _run(at)
    assert any("frame 40" in t for t in _texts(at.markdown))
    _click(at, "Next")
    assert at.slider(key="clip_frame").value == 41
    # The cursor sits at frame 41's time on both charts; the figures carry no marker, so
    # a step sends the browser the same charts (it does not redraw them).
    cursors = [h.proto.body for h in at.get("html") if "poselab-cursor" in h.proto.body]
    assert len(cursors) == 2
    for body, chart in zip(cursors, ("clip_trajectory_chart", "clip_angle_chart"), strict=True):
        key, time_s = re.search(r'const key = "(\w+)", time = ([\d.]+)', body).groups()
        assert key == chart and float(time_s) == pytest.approx(41 / 60, abs=0.01)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert all(not s["layout"].get("shapes") for s in specs)
    assert model_runs == [Settings()]  # cached: scrubbing never re-ran the model


def test_filters_recompute_without_the_model_and_detection_settings_rerun_it(
    app, model_runs
) -> None:
    at = _open(app, "Open the Clip page", "pages/clip.py")
    before = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]["y"]
    at.selectbox(key="set_filter").set_value("none")
    at.number_input(key="set_max_gap_s").set_value(0.5)
    _run(at)
    after = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]["y"]
    assert model_runs == [Settings()]  # the raw landmarks were reused
    assert before != after  # and the charts show the unsmoothed angles
    at.number_input(key="set_max_people").set_value(2)
    _run(at)
    assert model_runs == [Settings(), Settings(max_people=2)]


def test_photo_filters_never_rerun_the_model(app, model_runs) -> None:
    at = _open(app, "Open the Image page", "pages/image.py")
    at.selectbox(key="set_filter").set_value("none")
    at.number_input(key="set_smoothing_beta").set_value(3.0)
    _run(at)
    assert model_runs == [Settings()]  # filters change nothing the model finds
    assert _texts(at.success) == ["standing.jpg: 1 person found"]


def test_choices_survive_switching_pages(app, sample_media) -> None:
    at = _open(app, "Open the Clip page", "pages/clip.py")
    data = (sample_media / "cam02.mp4").read_bytes()
    at.file_uploader(key="clip_upload").upload("my dance.mp4", data, "video/mp4")
    _run(at)
    chosen = at.selectbox(key="clip_media").value
    assert chosen.endswith("/my dance.mp4")
    at.slider(key="clip_frame").set_value(33)
    at.selectbox(key="clip_coordinate").set_value("world_y")
    at.selectbox(key="set_filter").set_value("none")
    _run(at)
    _run(at.switch_page("pages/image.py"))
    _run(at.switch_page("pages/home.py"))
    at = _run(at.switch_page("pages/clip.py"))
    assert at.selectbox(key="clip_media").value == chosen  # the upload is still chosen
    assert at.slider(key="clip_frame").value == 33
    assert at.selectbox(key="clip_coordinate").value == "world_y"
    assert at.selectbox(key="set_filter").value == "none"
    # The upload is offered on the other pages too.
    at = _run(at.switch_page("pages/compare.py"))
    assert "my dance.mp4 (yours)" in at.selectbox(key="cmp_cand_media").options


def test_a_failing_callback_is_one_line_and_resets_nothing(app) -> None:
    at = _open(app, "Open the Clip page", "pages/clip.py")
    at.slider(key="set_min_detection_confidence").set_value(0.3)
    at.number_input(key="set_smoothing_beta").set_value(3.0)
    _run(at)
    # A chart selection whose points carry something odd: clicks must never crash.
    at.session_state["clip_angle_chart"] = {"selection": {"points": [{"customdata": {"a": 1}}]}}
    _run(at)
    assert at.slider(key="set_min_detection_confidence").value == 0.3
    assert at.number_input(key="set_smoothing_beta").value == 3.0
    assert at.session_state.settings == Settings(min_detection_confidence=0.3, smoothing_beta=3.0)


def test_clip_bad_and_empty_uploads(app, empty_clip) -> None:
    at = _run(app.switch_page("pages/clip.py"))
    assert "500 MB" in at.get("file_uploader")[0].proto.label
    at.file_uploader(key="clip_upload").upload("dance.mp4", b"not a video", "video/mp4")
    _run(at)
    assert len(at.error) == 1 and _texts(at.error)[0].startswith("dance.mp4: not a readable")
    at.file_uploader(key="clip_upload").upload(
        empty_clip.name, empty_clip.read_bytes(), "video/mp4"
    )
    _run(at)
    assert _texts(at.warning) == ["empty_room.mp4: nobody found in the clip"]
    assert not at.get("plotly_chart")


def test_clip_cancelled_analysis_waits_for_the_user(app, model_runs, empty_clip) -> None:
    from pages.common.storage import sample

    at = _run(app.switch_page("pages/clip.py"))
    model_runs.clear()
    file = sample("cam02.mp4")
    # What the Cancel button's callback leaves behind when it stops a run.
    at.session_state["clip_cancelled"] = (file.digest, Settings())
    at.selectbox(key="clip_media").set_value("sample/cam02.mp4")
    _run(at)
    assert _texts(at.info) == ["Analysis of cam02.mp4 cancelled."]
    assert model_runs == []
    _click(at, "Analyse again")
    assert len(model_runs) == 1


def test_model_picker_offers_task_files_only(app: AppTest, model) -> None:
    at = app
    at.file_uploader(key="set_model_upload").upload("broken.task", b"hello", "text/plain")
    _run(at)
    assert _texts(at.error) == ["broken.task: not a MediaPipe .task bundle"]
    assert at.selectbox(key="set_model_path").options == ["built-in BlazePose full"]
    at.file_uploader(key="set_model_upload").upload(
        "pose_landmarker_full.task", model.path.read_bytes(), "application/octet-stream"
    )
    _run(at)
    picked = at.selectbox(key="set_model_path")
    assert Path(picked.value).name == "pose_landmarker_full.task"
    assert at.session_state.model.name == "pose_landmarker_full"
    assert not at.text_input  # no free path box: nothing to probe the disk with


def test_settings_dataclass_defaults_match_the_sidebar(app: AppTest) -> None:
    values = {f.name: getattr(Settings(), f.name) for f in dataclasses.fields(Settings)}
    for name, value in values.items():
        shown = app.session_state[f"set_{name}"]
        assert shown == (value if name != "model_path" else "built-in BlazePose full"), name
