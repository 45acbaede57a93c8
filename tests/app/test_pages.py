"""AppTest per page: renders on the sample media, widgets and charts exist, settings
reach the engine, bad input shows a one-line message instead of raising."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import pose_core.analysis
from pose_core.media import ClipWriter, read_image
from pose_core.settings import Settings


def _click(at: AppTest, label: str) -> AppTest:
    button = next(b for b in at.button if b.label == label)
    button.click().run()
    assert not at.exception, at.exception
    return at


def _open(at: AppTest, label: str, page: str) -> AppTest:
    """Click a Home button that switches page, and keep AppTest on that page.

    AppTest reruns the page it was told about last, not the one the script switched to,
    and widget ids differ between the two: rerun once on AppTest's own terms.
    """
    _click(at, label)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.fixture
def clip_calls(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The Settings of every real analyze_clip run the Clip page starts."""
    calls: list[Settings] = []
    real = pose_core.analysis.analyze_clip

    def spy(path, settings, *args, **kwargs):
        calls.append(settings)
        return real(path, settings, *args, **kwargs)

    monkeypatch.setattr(pose_core.analysis, "analyze_clip", spy)
    return calls


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
    text = " ".join(_texts(app.markdown))
    assert "BlazePose" in text
    assert "never leave" in " ".join(_texts(app.success))
    assert app.number_input(key="set_max_people").value == 1


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
    at.selectbox(key="image_sample").set_value("two_people.jpg").run()
    assert len(at.tabs) == 1
    # The second person in this still is only found with lower confidences.
    at.number_input(key="set_max_people").set_value(2)
    at.slider(key="set_min_detection").set_value(0.1)
    at.slider(key="set_min_presence").set_value(0.1).run()
    assert not at.exception, at.exception
    assert _texts(at.success) == ["two_people.jpg: 2 people found"]
    assert [t.label for t in at.tabs] == ["Person 0", "Person 1"]


@pytest.mark.parametrize(
    ("name", "data", "kind", "message"),
    [
        # bytes that are no image at all
        ("notes.jpg", b"just some text", "error", "notes.jpg: not a readable image"),
        # an empty file
        ("empty.png", b"", "error", "empty.png: file is empty"),
        # a real picture with nobody in it
        ("nobody.jpg", None, "warning", "nobody.jpg: nobody found in the image"),
    ],
)
def test_image_bad_uploads(app, sample_media, name, data, kind, message) -> None:
    at = _open(app, "Open the Image page", "pages/image.py")
    at.radio(key="image_source").set_value("Upload").run()
    data = (sample_media / name).read_bytes() if data is None else data
    at.file_uploader(key="image_upload").upload(name, data, "image/jpeg").run()
    assert not at.exception, at.exception
    shown = _texts(at.error if kind == "error" else at.warning)
    assert len(shown) == 1 and shown[0].startswith(message), shown


def test_clip_page_from_home_scrub_without_rerunning_the_model(app, clip_calls) -> None:
    at = _open(app, "Open the Clip page", "pages/clip.py")
    assert _texts(at.title) == ["Clip"]
    assert clip_calls == [Settings()]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frames"] == "100" and metrics["People"] == "1"
    assert at.slider(key="clip_frame").value == 0
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    assert len(at.get("image")) == 1 and len(at.get("video")) == 1
    assert [d.proto.label for d in at.get("download_button")] == [
        "Landmark CSV",
        "Angles CSV",
        "Annotated MP4",
        "Report JSON",
    ]
    assert len(at.dataframe[0].value) == 12  # range of motion, one row per angle

    at.slider(key="clip_frame").set_value(40).run()
    assert not at.exception, at.exception
    assert any("frame 41 of 100" in t for t in _texts(at.markdown))
    _click(at, "Next")
    assert at.slider(key="clip_frame").value == 41
    # The marker (a vertical line) sits at frame 41's time on both charts.
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        assert spec["layout"]["shapes"][0]["x0"] == pytest.approx(41 / 60, abs=0.01)
    assert clip_calls == [Settings()]  # cached: scrubbing never re-ran the model


def test_clip_settings_reach_the_engine(app, clip_calls) -> None:
    at = _open(app, "Open the Clip page", "pages/clip.py")
    at.toggle(key="set_smoothing").set_value(False)
    at.number_input(key="set_max_people").set_value(2).run()
    assert not at.exception, at.exception
    assert clip_calls == [Settings(), Settings(max_people=2, smoothing=False)]


def test_clip_bad_and_empty_uploads(app, clip_calls, empty_clip) -> None:
    app.switch_page("pages/clip.py")
    app.session_state["clip_source"] = "Upload"
    at = app.run()
    assert not at.exception, at.exception
    assert "500 MB" in at.get("file_uploader")[0].proto.label
    at.file_uploader(key="clip_upload").upload("dance.mp4", b"not a video", "video/mp4").run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("dance.mp4: not a readable")

    at.file_uploader(key="clip_upload").upload(
        empty_clip.name, empty_clip.read_bytes(), "video/mp4"
    ).run()
    assert not at.exception, at.exception
    assert _texts(at.warning) == ["empty_room.mp4: nobody found in the clip"]
    assert not at.get("plotly_chart")


def test_clip_cancelled_analysis_waits_for_the_user(app, clip_calls, empty_clip) -> None:
    digest = hashlib.sha256(empty_clip.read_bytes()).hexdigest()
    app.switch_page("pages/clip.py")
    app.session_state["clip_source"] = "Upload"
    # What the Cancel button's callback leaves behind when it stops a run.
    app.session_state["clip_cancelled"] = (digest, Settings())
    at = app.run()
    at.file_uploader(key="clip_upload").upload(
        empty_clip.name, empty_clip.read_bytes(), "video/mp4"
    ).run()
    assert not at.exception, at.exception
    assert _texts(at.info) == ["Analysis of empty_room.mp4 cancelled."]
    assert clip_calls == []
    _click(at, "Analyse again")
    assert len(clip_calls) == 1


def test_compare_placeholder(app: AppTest) -> None:
    at = _open(app, "Open the Compare page", "pages/compare.py")
    assert not at.exception, at.exception
    assert _texts(at.title) == ["Compare"]


def test_bad_model_file_is_one_line_error(app: AppTest, tmp_path: Path) -> None:
    app.text_input(key="set_model_path").input(str(tmp_path / "missing.task")).run()
    assert not app.exception, app.exception
    assert _texts(app.error) == [f"model file not found: {tmp_path / 'missing.task'}"]
    at = app.switch_page("pages/clip.py").run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and not at.get("plotly_chart")
