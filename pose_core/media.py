"""Decoding and encoding: the only module that reads or writes pixels from or to files.

Images come out as upright RGB ``uint8`` arrays (EXIF orientation applied, alpha
composited on white, 16-bit scaled down). Clips stream as :class:`Frame` objects with
rotation metadata applied and times taken from the stream.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

from pose_core.errors import MediaError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v"})

MAX_FILE_BYTES = 2 * 1024**3
MAX_IMAGE_PIXELS = 100_000_000
MAX_VIDEO_PIXELS = 4096 * 4096
MAX_CLIP_SECONDS = 30 * 60


@dataclass(frozen=True)
class Frame:
    """One decoded, upright video frame."""

    index: int
    time_s: float
    rgb: np.ndarray


@dataclass(frozen=True)
class ClipInfo:
    """What a clip header says, with the size of the upright (rotated) frame."""

    size_wh: tuple[int, int]
    fps: float
    frames: int
    duration_s: float
    rotation: int
    codec: str


def media_kind(path: str | Path) -> str:
    """``"image"`` or ``"clip"`` by file suffix, else sniffed from the content."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "clip"
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head[:3] == b"\xff\xd8\xff" or head[:8] == b"\x89PNG\r\n\x1a\n" or head[:2] == b"BM":
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    return "clip"


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MediaError(f"{path.name}: file not found")
    if path.is_dir():
        raise MediaError(f"{path.name}: is a folder, not a media file")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{path.name}: file is empty")
    if size > MAX_FILE_BYTES:
        raise MediaError(
            f"{path.name}: file is {size / 1024**3:.1f} GB, over the "
            f"{MAX_FILE_BYTES / 1024**3:.0f} GB limit"
        )


def _header(data: bytes, name: str) -> tuple[tuple[int, int] | None, int]:
    """(width, height) and EXIF orientation from the header, without decoding pixels."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            size = im.size
            try:
                orientation = int(im.getexif().get(0x0112, 1))
            except Exception:  # a broken EXIF block must not stop us reading the pixels
                orientation = 1
            return size, orientation
    except Image.DecompressionBombError:
        raise MediaError(
            f"{name}: image is over the {MAX_IMAGE_PIXELS // 1_000_000} megapixel limit"
        ) from None
    except Exception:
        return None, 1


def _apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    # EXIF orientations 2..8: mirrored and/or rotated by multiples of 90°.
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: np.rot90(a, 1)[::-1, ::-1],
        8: lambda a: np.rot90(a, 1),
    }
    op = ops.get(orientation)
    return np.ascontiguousarray(op(img)) if op else img


def decode_image(data: bytes, name: str = "image") -> np.ndarray:
    """Decode image bytes to an upright RGB ``uint8`` array of shape (H, W, 3)."""
    if not data:
        raise MediaError(f"{name}: file is empty")
    size, orientation = _header(data, name)
    if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise MediaError(
            f"{name}: image is {size[0]}x{size[1]}, over the "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixel limit"
        )
    buf = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    if img is None:
        raise MediaError(f"{name}: not a readable image (JPEG, PNG, WebP or BMP expected)")
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        alpha = img[..., 3:4].astype(np.float32) / 255.0
        rgb = img[..., 2::-1].astype(np.float32)
        img = (rgb * alpha + 255.0 * (1.0 - alpha)).round().astype(np.uint8)
    else:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return _apply_orientation(img, orientation)


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as an upright RGB ``uint8`` array."""
    path = Path(path)
    _check_file(path)
    return decode_image(path.read_bytes(), path.name)


def encode_image(rgb: np.ndarray, suffix: str = ".png") -> bytes:
    """Encode an RGB array as PNG or JPEG bytes."""
    ok, buf = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError(f"could not encode image as {suffix}")
    return buf.tobytes()


def write_image(path: str | Path, rgb: np.ndarray) -> None:
    """Write an RGB array to ``path`` (format from its suffix)."""
    Path(path).write_bytes(encode_image(rgb, Path(path).suffix.lower() or ".png"))


class ClipReader:
    """Streams the frames of a clip, upright and timed, one at a time.

    Use as a context manager; iterating yields :class:`Frame`. Memory does not grow
    with the clip's length. The first frame is decoded on opening, so a clip that
    cannot be decoded at all fails here, and the upright size is known.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        _check_file(self.path)
        name = self.path.name
        try:
            self._container = av.open(str(self.path), metadata_errors="ignore")
        except (av.error.FFmpegError, UnicodeDecodeError) as exc:
            raise MediaError(
                f"{name}: not a readable image or video, or truncated ({_reason(exc)})"
            ) from None
        try:
            if not self._container.streams.video:
                raise MediaError(f"{name}: contains no video stream")
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"
            self._check_header(name)
            self._decoded = self._container.decode(self._stream)
            try:
                self._first = next(self._decoded)
            except (av.error.FFmpegError, StopIteration) as exc:
                why = _reason(exc) if isinstance(exc, av.error.FFmpegError) else "no frames"
                raise MediaError(f"{name}: could not decode any frame ({why})") from None
            self.info = self._probe()
        except BaseException:
            self._container.close()
            raise

    def _check_header(self, name: str) -> None:
        cc = self._stream.codec_context
        if not cc.width or not cc.height:
            raise MediaError(f"{name}: video stream has no frame size (corrupt header?)")
        if cc.width * cc.height > MAX_VIDEO_PIXELS:
            raise MediaError(
                f"{name}: video is {cc.width}x{cc.height}, larger than the 4096x4096 limit"
            )
        if self._duration() > MAX_CLIP_SECONDS:
            raise MediaError(
                f"{name}: clip lasts {self._duration() / 60:.0f} min, over the "
                f"{MAX_CLIP_SECONDS // 60} min limit; trim it first"
            )

    def _duration(self) -> float:
        s = self._stream
        if s.duration and s.time_base:
            return float(s.duration * s.time_base)
        if self._container.duration:
            return self._container.duration / av.time_base
        return 0.0

    def _probe(self) -> ClipInfo:
        s = self._stream
        rate = s.average_rate or s.guessed_rate or s.base_rate
        fps = float(rate) if rate else 0.0
        duration = self._duration()
        frames = int(s.frames) if s.frames else int(round(duration * fps))
        rotation = _rotation(self._first)
        w, h = self._first.width, self._first.height
        if rotation % 180:
            w, h = h, w
        return ClipInfo((w, h), fps, frames, duration, rotation, s.codec_context.name)

    def __enter__(self) -> ClipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def _video_frames(self) -> Iterator[av.VideoFrame]:
        yield self._first
        try:
            yield from self._decoded
        except av.error.FFmpegError:
            return  # a truncated clip: keep the frames we got, as players do

    def __iter__(self) -> Iterator[Frame]:
        step = 1.0 / self.info.fps if self.info.fps else 1.0 / 30
        start = self._first.time or 0.0
        last = -step
        for index, vf in enumerate(self._video_frames()):
            t = vf.time - start if vf.time is not None else last + step
            rgb = vf.to_ndarray(format="rgb24")
            rot = _rotation(vf)
            if rot:
                rgb = np.rot90(rgb, rot // 90)
            yield Frame(index, float(t), np.ascontiguousarray(rgb))
            last = t


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip().rstrip(".") or type(exc).__name__


def _rotation(vf: av.VideoFrame) -> int:
    """Counter-clockwise degrees (a multiple of 90) that make the frame upright."""
    rot = getattr(vf, "rotation", 0) or 0
    return (int(round(rot / 90.0)) * 90) % 360


class ClipWriter:
    """Encodes RGB frames to an H.264 MP4 (yuv420p, faststart) that browsers play."""

    def __init__(
        self, path: str | Path, size_wh: tuple[int, int], fps: float, crf: int = 23
    ) -> None:
        w, h = size_wh
        self.size_wh = (w - w % 2, h - h % 2)
        self._container = av.open(str(path), "w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.size_wh
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = Fraction(1, 90000)
        self._stream.codec_context.time_base = Fraction(1, 90000)
        self._stream.options = {"crf": str(crf), "preset": "superfast"}
        self._last_pts = -1

    def write(self, rgb: np.ndarray, time_s: float) -> None:
        """Add a frame shown at ``time_s`` seconds (times must increase)."""
        w, h = self.size_wh
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:h, :w]), format="rgb24")
        pts = max(int(round(time_s * 90000)), self._last_pts + 1)
        vf.pts, vf.time_base = pts, Fraction(1, 90000)
        self._last_pts = pts
        self._container.mux(self._stream.encode(vf))

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        self._container.mux(self._stream.encode(None))
        self._container.close()

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
