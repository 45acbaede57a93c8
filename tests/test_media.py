"""Decoding of every supported image flavour and clip container, and bad input."""

import io
import os
import struct
import tracemalloc
import warnings
import zlib
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from pose_core import media
from pose_core.errors import MediaError
from pose_core.media import (
    ClipReader,
    ClipWriter,
    FrameReader,
    decode_image,
    read_frame,
    read_image,
)


@pytest.fixture(scope="module")
def frame_rgb(sample_media) -> np.ndarray:
    """A real portrait frame (540x960) from the first Pose2Sim camera."""
    with ClipReader(sample_media / "cam01.mp4") as reader:
        return next(iter(reader)).rgb


def _png(array: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", array)
    assert ok
    return buf.tobytes()


def _close(a: np.ndarray, b: np.ndarray, tol: float = 3.0) -> bool:
    return a.shape == b.shape and float(np.abs(a.astype(int) - b.astype(int)).mean()) < tol


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP"])
def test_common_formats_decode_to_the_same_rgb(frame_rgb, fmt):
    buf = io.BytesIO()
    Image.fromarray(frame_rgb).save(buf, format=fmt, quality=95)
    out = decode_image(buf.getvalue(), f"x.{fmt.lower()}")
    assert out.dtype == np.uint8 and out.shape == frame_rgb.shape
    assert _close(out, frame_rgb, tol=4.0 if fmt in ("JPEG", "WEBP") else 0.01)


def test_png_flavours(frame_rgb):
    bgr = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
    gray = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY)
    out = decode_image(_png(gray), "gray.png")
    assert out.shape == frame_rgb.shape and (out[..., 0] == gray).all()
    out16 = decode_image(_png(bgr.astype(np.uint16) * 257), "deep.png")
    assert (out16 == frame_rgb).all()
    bgra = np.dstack([bgr, np.full(gray.shape, 255, np.uint8)])
    bgra[:100, :100, 3] = 0  # fully transparent corner becomes white
    out_a = decode_image(_png(bgra), "alpha.png")
    assert (out_a[:100, :100] == 255).all()
    assert (out_a[200:] == frame_rgb[200:]).all()


@pytest.mark.parametrize(
    ("orientation", "expect"), [(1, "same"), (3, "rot180"), (6, "rot90cw"), (8, "rot90ccw")]
)
def test_exif_orientation_is_applied(frame_rgb, orientation, expect):
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(frame_rgb).save(buf, format="JPEG", quality=95, exif=exif.tobytes())
    out = decode_image(buf.getvalue(), "phone.jpg")
    expected = {
        "same": frame_rgb,
        "rot180": frame_rgb[::-1, ::-1],
        "rot90cw": np.rot90(frame_rgb, -1),
        "rot90ccw": np.rot90(frame_rgb, 1),
    }[expect]
    assert _close(out, expected, tol=4.0)


def _png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims the given size (no pixel data follows)."""
    body = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = b"IDAT"
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13) + body + struct.pack(">I", zlib.crc32(body))
        + struct.pack(">I", 0) + idat + struct.pack(">I", zlib.crc32(idat))
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.png: file is empty"),
        (b"hello, not an image", "x.png: not a readable image"),
        (_png_header(30000, 30000), "x.png: image is over the 100 megapixel limit"),
        (_png_header(12000, 9000), "x.png: image is 12000x9000, over the 100 megapixel limit"),
    ],
)
def test_bad_images_give_one_line_errors(data, message):
    with pytest.raises(MediaError, match=message) as err:
        decode_image(data, "x.png")
    assert "\n" not in str(err.value)


def _write_clip(path, frames, times, rotation=0):
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=30)
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt = "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        if rotation:
            s.set_display_rotation(rotation)
        for img, t in zip(frames, times, strict=True):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            vf.pts, vf.time_base = round(t * 1000), Fraction(1, 1000)
            out.mux(s.encode(vf))
        out.mux(s.encode(None))


def test_rotated_phone_clip_comes_out_upright(frame_rgb, tmp_path):
    # A phone stores a portrait clip as landscape pixels plus "rotate 90° to show".
    stored = np.ascontiguousarray(np.rot90(frame_rgb, -1))
    path = tmp_path / "phone.mp4"
    _write_clip(path, [stored] * 3, [0, 1 / 30, 2 / 30], rotation=90)
    with ClipReader(path) as reader:
        assert reader.info.size_wh == (540, 960) and reader.info.rotation == 90
        first = next(iter(reader)).rgb
    assert _close(first, frame_rgb, tol=6.0)


def test_variable_frame_rate_times_come_from_the_stream(frame_rgb, tmp_path):
    times = [0.0, 0.033, 0.05, 0.2, 0.21, 0.5]
    path = tmp_path / "vfr.mp4"
    _write_clip(path, [frame_rgb] * len(times), times)
    with ClipReader(path) as reader:
        got = [f.time_s for f in reader]
    np.testing.assert_allclose(got, times, atol=1e-3)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".webm", ".avi", ".mov"])
def test_clip_containers(frame_rgb, tmp_path, suffix):
    codec = {".webm": "libvpx-vp9", ".avi": "mpeg4"}.get(suffix, "libx264")
    path = tmp_path / f"clip{suffix}"
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=25)
        s.height, s.width = 480, 272
        s.pix_fmt = "yuv420p"
        small = cv2.resize(frame_rgb, (272, 480))
        for i in range(5):
            vf = av.VideoFrame.from_ndarray(small, format="rgb24")
            vf.pts = i
            out.mux(s.encode(vf))
        out.mux(s.encode(None))
    with ClipReader(path) as reader:
        frames = list(reader)
    assert len(frames) == 5 and frames[0].rgb.shape == (480, 272, 3)
    assert np.all(np.diff([f.time_s for f in frames]) > 0)


def test_written_clip_is_browser_playable_h264(frame_rgb, tmp_path):
    path = tmp_path / "annotated.mp4"
    with ClipWriter(path, (541, 960), 30.0) as out:  # odd width is trimmed to even
        for i in range(4):
            out.write(frame_rgb, i / 30)
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: playable while loading
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.codec_context.pix_fmt == "yuv420p"
        assert (s.codec_context.width, s.codec_context.height) == (540, 960)
        assert sum(1 for _ in c.decode(s)) == 4


def test_bad_clips_give_one_line_errors(sample_media, tmp_path, monkeypatch):
    whole = (sample_media / "cam01.mp4").read_bytes()
    cases = {
        "empty.mp4": (b"", "empty.mp4: file is empty"),
        "text.mp4": (b"just some text\n" * 100, "text.mp4: not a readable image or video"),
        "head.mp4": (whole[: len(whole) // 10], "head.mp4: could not decode any frame"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(MediaError, match=message) as err:
            ClipReader(tmp_path / name)
        assert "\n" not in str(err.value)
    with pytest.raises(MediaError, match="missing.mp4: file not found"):
        ClipReader(tmp_path / "missing.mp4")
    monkeypatch.setattr(media.clips, "MAX_VIDEO_PIXELS", 100 * 100)
    with pytest.raises(MediaError, match=r"cam01.mp4: video is 540x960, larger than"):
        ClipReader(sample_media / "cam01.mp4")


def test_truncated_tail_keeps_the_frames_before_the_cut(sample_media, tmp_path):
    # A clip written with its index first (faststart), then cut: the start still plays.
    src = tmp_path / "fast.mp4"
    with (
        ClipReader(sample_media / "cam01.mp4") as reader,
        ClipWriter(src, reader.info.size_wh, 60) as out,
    ):
        for f in reader:
            out.write(f.rgb, f.time_s)
    cut = tmp_path / "cut.mp4"
    data = src.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with ClipReader(cut) as reader:
        n = sum(1 for _ in reader)
    assert 10 < n < 100


def test_read_image_reports_folders(tmp_path):
    with pytest.raises(MediaError, match="is a folder"):
        read_image(tmp_path)


def test_frames_by_time_match_the_streamed_frames(sample_media):
    path = sample_media / "cam01.mp4"
    frames = {f.index: f for f in ClipReader(path)}
    with FrameReader(path) as reader:
        # forwards one by one, a jump back, a jump ahead, then the last frame
        for i in [0, 1, 2, 3, 37, 5, 99, 98]:
            assert np.array_equal(reader.at(frames[i].time_s), frames[i].rgb), i
    assert np.array_equal(read_frame(path, frames[50].time_s), frames[50].rgb)


def test_frame_by_time_errors(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(MediaError, match="bad.mp4"):
        read_frame(bad, 0.0)


def _encode_clip(path, frames, rate=30, time_base=None, codec="libx264"):
    """Write ``frames`` (RGB arrays) as a clip; ``time_base`` sets the stream's clock."""
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=rate)
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt = "yuv420p"
        if time_base is not None:
            s.time_base = s.codec_context.time_base = time_base
        for i, img in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            if time_base is not None:
                vf.pts, vf.time_base = round(i / rate / time_base), time_base
            else:
                vf.pts = i
            out.mux(s.encode(vf))
        out.mux(s.encode(None))


def test_a_damaged_packet_costs_its_frames_not_the_rest(sample_media, tmp_path):
    # One corrupt packet in the middle of a clip: players show the rest, so do we.
    src = sample_media / "cam01.mp4"
    with av.open(str(src)) as c:
        packets = [(p.pos, p.size) for p in c.demux(c.streams.video[0]) if p.size]
    pos, size = packets[50]
    data = bytearray(src.read_bytes())
    data[pos + 8 : pos + size - 8] = bytes(size - 16)  # the packet's payload zeroed
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with ClipReader(damaged) as reader:
        frames = list(reader)
        lost = reader.frames_lost
    assert len(frames) >= 95 and len(frames) + lost == 100, (len(frames), lost)
    assert frames[-1].time_s == pytest.approx(99 / 60, abs=1e-3)  # it went on to the end


def test_frame_rate_comes_from_the_frames_not_the_time_base(frame_rgb, tmp_path):
    # An AVI-like stream with a 1 ms time base: its header rate says 1000 fps.
    path = tmp_path / "millis.avi"
    small = cv2.resize(frame_rgb, (136, 240))
    _encode_clip(path, [small] * 12, rate=30, time_base=Fraction(1, 1000), codec="mpeg4")
    with ClipReader(path) as reader:
        assert reader.info.fps == pytest.approx(30, rel=0.05)


@pytest.mark.parametrize("fmt", ["GIF", "TIFF"])
def test_gif_and_tiff_are_stills(frame_rgb, tmp_path, fmt):
    path = tmp_path / f"still.{fmt.lower()}"
    Image.fromarray(frame_rgb).save(path, format=fmt)
    assert media.media_kind(path) == "image"
    out = read_image(path)
    assert out.shape == frame_rgb.shape
    assert _close(out, frame_rgb, tol=12.0 if fmt == "GIF" else 0.01)  # GIF: 256 colours


def test_a_photo_named_like_a_clip_is_a_photo(sample_media, tmp_path):
    path = tmp_path / "holiday.mp4"
    path.write_bytes((sample_media / "standing.jpg").read_bytes())
    assert media.media_kind(path) == "image"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # FFmpeg's tty demuxer would show a .txt file as a 7-frame "clip" of its text
        ("notes.txt", b"PoseLab licence notes\n" * 200),
        # a playlist of local files: nothing behind it is opened
        ("list.m3u8", b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n/etc/hostname\n"),
        # an SDP session description would open network sockets
        (
            "stream.sdp",
            b"v=0\no=- 0 0 IN IP4 192.0.2.1\ns=x\nc=IN IP4 192.0.2.1\n"
            b"t=0 0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n",
        ),
        # a still is not a clip, whatever reads it
        ("standing.jpg", None),
    ],
)
def test_only_clip_formats_open_as_clips(sample_media, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes((sample_media / name).read_bytes() if data is None else data)
    with pytest.raises(MediaError, match=f"^{name}: not a readable image or video") as err:
        ClipReader(path)
    assert "\n" not in str(err.value)


def test_a_named_pipe_is_refused_at_once(tmp_path):
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    with pytest.raises(MediaError, match="stream: not a regular file"):
        media.media_kind(fifo)
    with pytest.raises(MediaError, match="stream: not a regular file"):
        ClipReader(fifo)


def test_rgba_png_decodes_in_bounded_memory_without_warnings(tmp_path):
    h, w = 2000, 3000
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., 1] = 200
    rgba[: h // 2, :, 3] = 255  # top half opaque green, bottom half transparent
    ok, buf = cv2.imencode(".png", rgba)
    assert ok
    data = buf.tobytes()
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no library warning may leak out
            out = decode_image(data, "big.png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == (h, w, 3)
    assert (out[0, 0] == [0, 200, 0]).all() and (out[-1, -1] == 255).all()
    # decoded RGBA + the RGB result + a few row blocks (51 MB); float32 compositing: 289 MB
    assert peak < 2.5 * h * w * 4, f"peak {peak / 1e6:.0f} MB"


def test_the_pixel_limit_warns_nothing(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(MediaError, match="over the 100 megapixel limit"):
            decode_image(_png_header(12000, 9000), "x.png")
