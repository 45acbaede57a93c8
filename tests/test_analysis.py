"""The engine on real sample media: geometry that must hold, ids, clips, cancelling."""

import threading
from fractions import Fraction

import av
import cv2
import numpy as np
import pandas as pd
import pytest

from pose_core.analysis import analyze_clip, analyze_image, annotate_image
from pose_core.errors import Cancelled, ModelError
from pose_core.export import LANDMARK_COLUMNS, landmarks_table, read_landmarks, report, write_csv
from pose_core.landmarks import LANDMARK_INDEX as LI
from pose_core.media import ClipReader, ClipWriter, read_image
from pose_core.mediapipe_tasks import Landmarker
from pose_core.model import resolve_model
from pose_core.settings import Settings


@pytest.fixture(scope="module")
def standing(sample_media) -> np.ndarray:
    """First frame of camera 1: one person standing upright, facing the camera."""
    with ClipReader(sample_media / "cam01.mp4") as reader:
        return next(iter(reader)).rgb


@pytest.fixture(scope="module")
def short_clip(sample_media, tmp_path_factory):
    """The first 30 frames of camera 1 (half a second at 60 fps)."""
    path = tmp_path_factory.mktemp("clips") / "short.mp4"
    with (
        ClipReader(sample_media / "cam01.mp4") as reader,
        ClipWriter(path, reader.info.size_wh, 60) as out,
    ):
        for f in reader:
            if f.index == 30:
                break
            out.write(f.rgb, f.time_s)
    return path


@pytest.fixture(scope="module")
def two_people(analysed):
    return analysed("two_people.mp4", max_people=2)


def _px(result, name, frame=0, person=0):
    return result.poses.xy_px[frame, person, LI[name]]


def test_standing_person_geometry(sample_media, model):
    result = analyze_image(sample_media / "standing.jpg", Settings(), model)
    standing = read_image(sample_media / "standing.jpg")
    assert result.poses.num_people == 1 and result.found_anyone
    nose, hip, ankle = (_px(result, n)[1] for n in ("nose", "left_hip", "left_ankle"))
    assert nose < hip < ankle  # image y grows downwards
    # Facing the camera, the person's left side is on the image's right.
    assert _px(result, "left_shoulder")[0] > _px(result, "right_shoulder")[0]
    assert _px(result, "left_hip")[0] > _px(result, "right_hip")[0]
    knees = [result.angles.series(f"{s}_knee")[0] for s in ("left", "right")]
    assert min(knees) > 150  # standing: legs nearly straight
    table = landmarks_table(result.poses)
    assert list(table.columns) == list(LANDMARK_COLUMNS) and len(table) == 33
    w, h = result.poses.size_wh
    assert (w, h) == (standing.shape[1], standing.shape[0])
    np.testing.assert_allclose(table.x_px, table.x * w, rtol=1e-6)
    np.testing.assert_allclose(table.y_px, table.y * h, rtol=1e-6)
    assert (table.frame == 0).all() and (table.time_s == 0).all()
    drawn = annotate_image(sample_media / "standing.jpg", result)
    assert drawn.shape == standing.shape and not np.array_equal(drawn, standing)


@pytest.mark.parametrize("max_people", [1, 6])
def test_picture_with_nobody_is_a_success_with_zero_rows(sample_media, model, max_people):
    # Trees, buildings and the sun in the lens: a real outdoor picture with no one in it.
    result = analyze_image(sample_media / "nobody.jpg", Settings(max_people=max_people), model)
    assert not result.found_anyone and result.poses.num_people == 0
    assert len(landmarks_table(result.poses)) == 0 and len(result.angles_table()) == 0
    assert result.message() == "nobody.jpg: nobody found in the image"


def test_two_people_keep_their_ids(two_people):
    poses = two_people.poses
    frames_per_id = poses.detected.sum(axis=0)
    main_ids = np.flatnonzero(frames_per_id >= 30)
    assert len(main_ids) == 2, frames_per_id
    assert frames_per_id[main_ids].sum() >= 0.9 * frames_per_id.sum()
    w = poses.size_wh[0]
    for pid in main_ids:
        torso = poses.xy_px[:, pid, [11, 12, 23, 24], 0].mean(axis=1)
        seen = np.flatnonzero(~np.isnan(torso))
        jumps = np.abs(np.diff(torso[seen])) / np.maximum(np.diff(seen), 1)
        assert jumps.max() < 0.05 * w, f"person {pid} jumps {jumps.max():.0f} px in a frame"
    assert report(two_people)["people"] == poses.num_people


def test_clip_times_rows_and_annotated_video(short_clip, model, tmp_path):
    out = tmp_path / "short.annotated.mp4"
    result = analyze_clip(short_clip, Settings(), model, annotated_out=out)
    poses = result.poses
    assert poses.num_frames == 30 and poses.fps == pytest.approx(60, rel=0.01)
    np.testing.assert_allclose(poses.times_s, np.arange(30) / 60, atol=1e-3)
    assert poses.detection_rate() == 1.0
    assert len(landmarks_table(result.poses)) == 30 * 33
    assert result.poses.history == ["pose_landmarker", *result.poses.history[1:]]
    assert any(h.startswith("one_euro") for h in poses.history)
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in c.decode(s)) == 30


def test_smoothing_reduces_jitter_without_moving_the_pose(short_clip, model):
    raw = analyze_clip(short_clip, Settings(filter="none"), model)
    smooth = analyze_clip(short_clip, Settings(filter="one_euro"), model)
    a, b = raw.poses.xy_px[:, 0], smooth.poses.xy_px[:, 0]
    accel_raw = np.abs(np.diff(a, n=2, axis=0)).mean()
    accel_smooth = np.abs(np.diff(b, n=2, axis=0)).mean()
    assert accel_smooth < 0.8 * accel_raw
    assert np.abs(a - b).mean() < 5.0  # pixels


def test_rotated_phone_clip_gives_an_upright_person(standing, tmp_path, model):
    path = tmp_path / "portrait_phone.mp4"
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=30)
        s.width, s.height = standing.shape[0], standing.shape[1]  # stored landscape
        s.pix_fmt = "yuv420p"
        s.set_display_rotation(90)
        stored = np.ascontiguousarray(np.rot90(standing, -1))
        for i in range(5):
            vf = av.VideoFrame.from_ndarray(stored, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, 30)
            out.mux(s.encode(vf))
        out.mux(s.encode(None))
    result = analyze_clip(path, Settings(), model)
    assert result.poses.size_wh == (standing.shape[1], standing.shape[0])
    for f in range(5):
        assert (
            _px(result, "nose", f)[1]
            < _px(result, "left_hip", f)[1]
            < _px(result, "left_ankle", f)[1]
        )


def test_video_mode_accepts_repeated_and_backward_timestamps(standing, model):
    with Landmarker(model, Settings(), video=True) as lm:
        counts = [len(lm.detect(standing, t)) for t in (0.0, 0.0, 0.010, 0.005, 0.020)]
    assert counts == [1] * 5


def test_cancel_stops_the_run_and_its_threads(short_clip, model):
    cancel = threading.Event()
    before = threading.active_count()

    def progress(stage, done, total, elapsed):
        if done == 5:
            cancel.set()

    with pytest.raises(Cancelled, match="short.mp4: analysis cancelled"):
        analyze_clip(
            short_clip, Settings(), model, annotated_out=None, progress=progress, cancel=cancel
        )
    assert threading.active_count() == before


def test_parallel_runs_do_not_share_tracking_state(short_clip, model):
    alone = analyze_clip(short_clip, Settings(), model).poses
    results = [None, None]

    def run(k):
        results[k] = analyze_clip(short_clip, Settings(), model).poses

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert r is not None and r.equals(alone, atol=1e-5)


def test_csv_of_a_clip_reads_back_unchanged(two_people, tmp_path):
    path = tmp_path / "two.csv"
    write_csv(landmarks_table(two_people.poses), path)
    back = read_landmarks(path)
    pd.testing.assert_frame_equal(
        landmarks_table(back), pd.read_csv(path), check_exact=False, rtol=1e-6
    )
    assert back.size_wh == two_people.poses.size_wh


def test_a_zip_that_is_no_model_gives_a_clear_error(tmp_path, standing):
    import zipfile

    bad = tmp_path / "pose_landmarker_fake.task"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("pose_detector.tflite", b"nonsense")
    with pytest.raises(ModelError, match="pose_landmarker_fake.task"):
        analyze_image(standing, Settings(model_path=str(bad)), resolve_model(bad))


@pytest.mark.parametrize("frames", [1, 2])
def test_a_clip_of_one_or_two_frames_finds_its_person(standing, tmp_path, model, frames):
    path = tmp_path / f"short{frames}.mp4"
    with ClipWriter(path, (standing.shape[1], standing.shape[0]), 30) as out:
        for i in range(frames):
            out.write(standing, i / 30)
    result = analyze_clip(path, Settings(), model)
    assert result.poses.num_frames == frames and result.poses.num_people == 1
    assert result.poses.detected.all()


def test_a_damaged_clip_is_analysed_to_its_end_and_says_what_was_lost(
    sample_media, tmp_path, model
):
    src = sample_media / "cam01.mp4"
    with av.open(str(src)) as c:
        packets = [(p.pos, p.size) for p in c.demux(c.streams.video[0]) if p.size]
    pos, size = packets[50]
    data = bytearray(src.read_bytes())
    data[pos + 8 : pos + size - 8] = bytes(size - 16)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    result = analyze_clip(damaged, Settings(), model)
    assert result.poses.num_frames >= 95 and result.frames_lost >= 1
    assert result.poses.num_frames + result.frames_lost == 100
    assert result.warnings == [
        f"damaged.mp4: {result.frames_lost} of 100 frames could not be decoded and were skipped"
    ]
    assert report(result)["frames_lost"] == result.frames_lost


def _clip_with_sound(path, frames_rgb, codec: str, fps: int = 30) -> None:
    """A clip whose audio is a 440 Hz tone as long as the picture."""
    rate = 48000
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.height, video.width = frames_rgb[0].shape[:2]
        video.pix_fmt = "yuv420p"
        audio = out.add_stream(codec, rate=rate)
        audio.layout = "mono"
        for i, rgb in enumerate(frames_rgb):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            vf.pts = i
            out.mux(video.encode(vf))
        t = np.arange(int(rate * len(frames_rgb) / fps)) / rate
        tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
        for start in range(0, len(tone), 1024):
            af = av.AudioFrame.from_ndarray(
                tone[None, start : start + 1024], format="s16", layout="mono"
            )
            af.sample_rate, af.pts = rate, start
            out.mux(audio.encode(af))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


@pytest.mark.parametrize(("suffix", "codec"), [(".mp4", "aac"), (".mov", "pcm_s16le")])
def test_the_annotated_clip_keeps_the_sound(standing, tmp_path, model, suffix, codec):
    # Dance is music: AAC is copied, anything else (PCM here) re-encoded to AAC.
    src = tmp_path / f"music{suffix}"
    _clip_with_sound(src, [standing] * 30, codec)
    out = tmp_path / "annotated.mp4"
    result = analyze_clip(src, Settings(), model, annotated_out=out)
    assert not result.warnings
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        sound = c.streams.audio[0]
        assert sound.codec_context.name == "aac"
        seconds = sum(f.samples for f in c.decode(sound)) / sound.rate
    assert seconds == pytest.approx(1.0, abs=0.1)  # as long as the 30 frames at 30 fps


def test_hints_say_when_looking_harder_may_find_more(sample_media, model):
    one = analyze_image(sample_media / "standing.jpg", Settings(max_people=3), model)
    assert one.hints == [
        "standing.jpg: found at most 1 of the 3 people asked for; "
        "the crowd search (slower) looks closer"
    ]
    crowd = analyze_image(sample_media / "standing.jpg", Settings(max_people=3, crowd=True), model)
    assert crowd.hints == ["standing.jpg: found at most 1 of the 3 people asked for"]
    assert analyze_image(sample_media / "standing.jpg", Settings(), model).hints == []


def test_small_people_get_a_hint(sample_media, model):
    # The two-people still with wide margins: the same people, small in a big frame.
    still = read_image(sample_media / "two_people.jpg")
    far = cv2.copyMakeBorder(still, 400, 400, 400, 400, cv2.BORDER_REPLICATE)
    result = analyze_image(far, Settings(max_people=2), model, name="hall.jpg")
    assert result.poses.num_people == 2
    assert len(result.hints) == 1
    assert result.hints[0].startswith("hall.jpg: people are small in the frame (about ")
    assert result.hints[0].endswith("% of its height); the crowd search (slower) looks closer")
    # Nearer the margins the plain search finds nobody, and says what may help...
    near = cv2.copyMakeBorder(still, 200, 200, 200, 200, cv2.BORDER_REPLICATE)
    nobody = analyze_image(near, Settings(max_people=2), model, name="hall.jpg")
    assert not nobody.found_anyone
    assert nobody.hints == [
        "hall.jpg: if anyone is small or far away, the crowd search (slower) looks closer"
    ]
    # ... which finds both.
    assert analyze_image(near, Settings(max_people=2, crowd=True), model).poses.num_people == 2
