"""Reading clips: streamed frame by frame (:class:`ClipReader`) or one frame by time
(:class:`FrameReader`), upright (rotation metadata applied) and timed from the stream.

Both decode packet by packet: a damaged packet costs its frame, not the rest of the
clip, and the frames lost are counted.
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from pose_core.errors import MediaError
from pose_core.media.files import CLIP_FORMATS, check_file

MAX_VIDEO_PIXELS = 4096 * 4096
# What FFmpeg may open for us: the demuxers of the formats we read (by content, so a
# text file is not rendered as a video by the tty demuxer, and a playlist or an SDP file
# opens nothing else), and local files only (no URL inside a file is ever fetched).
READ_OPTIONS = {
    "format_whitelist": "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi",
    "protocol_whitelist": "file",
}
MAX_CLIP_SECONDS = 30 * 60
_PEEK_PACKETS = 32  # packets read ahead at opening to measure the frame spacing


@dataclass(frozen=True)
class Frame:
    """One decoded, upright video frame; ``time_s`` counts from the clip's first frame."""

    index: int
    time_s: float
    rgb: np.ndarray


@dataclass(frozen=True)
class ClipInfo:
    """What a clip is, with the size of the upright (rotated) frame.

    ``fps`` comes from the median spacing of the first frames' timestamps (a header's
    rate can be a time base, like an AVI's 1000); ``frames`` is the header's count or
    an estimate, 0 when unknown.
    """

    size_wh: tuple[int, int]
    fps: float
    frames: int
    duration_s: float
    rotation: int
    codec: str
    has_audio: bool


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip().rstrip(".") or type(exc).__name__


def _rotation(vf: av.VideoFrame) -> int:
    """Counter-clockwise degrees (a multiple of 90) that make the frame upright."""
    rot = getattr(vf, "rotation", 0) or 0
    return (int(round(rot / 90.0)) * 90) % 360


def upright(vf: av.VideoFrame) -> np.ndarray:
    """The RGB pixels of a decoded frame, turned upright."""
    rgb = vf.to_ndarray(format="rgb24")
    rot = _rotation(vf)
    return np.ascontiguousarray(np.rot90(rgb, rot // 90) if rot else rgb)


def open_container(path: Path) -> Any:
    """An opened PyAV container with a video stream.

    Raises:
        MediaError: unreadable, or no video stream; one line naming the file.
    """
    check_file(path)
    try:
        container = av.open(str(path), metadata_errors="ignore", container_options=READ_OPTIONS)
    except av.error.ArgumentError:  # a format (or protocol) not on the lists above
        raise MediaError(
            f"{path.name}: not a readable image or video ({CLIP_FORMATS} expected)"
        ) from None
    except (av.error.FFmpegError, UnicodeDecodeError, OSError) as exc:
        raise MediaError(
            f"{path.name}: not a readable image or video ({CLIP_FORMATS} expected), "
            f"or truncated ({_reason(exc)})"
        ) from None
    if not container.streams.video:
        container.close()
        raise MediaError(f"{path.name}: contains no video stream")
    container.streams.video[0].thread_type = "AUTO"
    return container


class _Packets:
    """The video stream's frames, decoded packet by packet; damaged ones are counted."""

    def __init__(self, container: Any, stream: Any) -> None:
        self._demux = self._safe_demux(container, stream)
        self.errors = 0

    @staticmethod
    def _safe_demux(container: Any, stream: Any) -> Iterator[Any]:
        packets = container.demux(stream)
        while True:
            try:
                yield next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                return  # the file ends early (truncated): keep what was read

    def peek(self, n: int) -> list[Any]:
        """Read ``n`` packets ahead without losing them."""
        head = list(itertools.islice(self._demux, n))
        self._demux = itertools.chain(head, self._demux)
        return head

    def frames(self) -> Iterator[Any]:
        for packet in self._demux:
            try:
                decoded = packet.decode()
            except av.error.FFmpegError:
                self.errors += 1
                continue
            yield from decoded


def _spacing_fps(packets: list[Any], stream: Any) -> float:
    """Frames per second from the median spacing of packet timestamps (0 if unknown)."""
    stamps = sorted({p.pts if p.pts is not None else p.dts for p in packets} - {None})
    if len(stamps) < 2 or not stream.time_base:
        return 0.0
    step = float(np.median(np.diff(stamps))) * float(stream.time_base)
    return 1.0 / step if step > 0 else 0.0


class ClipReader:
    """Streams the frames of a clip, upright and timed, one at a time.

    Use as a context manager; iterating yields :class:`Frame`. Memory does not grow
    with the clip's length. The first frame is decoded on opening, so a clip that
    cannot be decoded at all fails here, and the upright size is known. After
    iterating, :attr:`frames_lost` says how many frames could not be decoded.

    ``start_s``/``end_s`` (seconds from the first frame; ``end_s`` 0 = the end) read
    only the frames shown in that range: decoding starts at the key frame at or before
    ``start_s``; frame times still count from the clip's first frame, frame indices
    from the first frame read.
    """

    def __init__(self, path: str | Path, start_s: float = 0.0, end_s: float = 0.0) -> None:
        self.path = Path(path)
        self._container = open_container(self.path)
        self._range = (max(start_s, 0.0), end_s if end_s > 0 else math.inf)
        try:
            self._stream = self._container.streams.video[0]
            self._check_header()
            self._packets = _Packets(self._container, self._stream)
            fps = _spacing_fps(self._packets.peek(_PEEK_PACKETS), self._stream)
            self._frames = self._packets.frames()
            first = next(self._frames, None)
            if first is None:
                raise MediaError(f"{self.path.name}: could not decode any frame")
            self._first: Any = first
            self.info = self._probe(fps)
            self._seek_start()
        except BaseException:
            self._container.close()
            raise
        self.decoded = 0

    @property
    def trimmed(self) -> bool:
        return self._range != (0.0, math.inf)

    def _seek_start(self) -> None:
        """Restart decoding at the key frame at or before the range's start."""
        start, end = self._range
        if start > 0 and start >= self.info.duration_s > 0:
            raise MediaError(
                f"{self.path.name}: starts at {start:g} s, but the clip lasts "
                f"{self.info.duration_s:.2f} s"
            )
        if self.trimmed:
            fps = self.info.fps or 30.0
            span = min(end, self.info.duration_s or end) - start
            self.info = replace(self.info, frames=max(1, int(round(span * fps))))
        if start <= 0:
            return
        tb = self._stream.time_base or Fraction(1, 1000)
        offset = int((start + self.start_time_s) / tb)
        self._container.seek(offset, stream=self._stream, backward=True, any_frame=False)
        self._packets = _Packets(self._container, self._stream)
        self._frames = self._packets.frames()

    def _check_header(self) -> None:
        cc, name = self._stream.codec_context, self.path.name
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
            return float(self._container.duration / av.time_base)
        return 0.0

    def _probe(self, fps: float) -> ClipInfo:
        s = self._stream
        if not fps:
            rate = s.average_rate or s.guessed_rate or s.base_rate
            fps = float(rate) if rate else 0.0
        duration = self._duration()
        frames = int(s.frames) if s.frames else int(round(duration * fps))
        rotation = _rotation(self._first)
        w, h = self._first.width, self._first.height
        if rotation % 180:
            w, h = h, w
        has_audio = bool(self._container.streams.audio)
        return ClipInfo((w, h), fps, frames, duration, rotation, s.codec_context.name, has_audio)

    @property
    def start_time_s(self) -> float:
        """Stream time of the first frame: frame times count from here."""
        return float(self._first.time or 0.0)

    @property
    def frames_lost(self) -> int:
        """Frames that could not be decoded: damaged packets, or a file cut short."""
        declared = 0 if self.trimmed else int(self._stream.frames or 0)
        return max(self._packets.errors, declared - self.decoded if declared else 0)

    def __enter__(self) -> ClipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def __iter__(self) -> Iterator[Frame]:
        step = 1.0 / self.info.fps if self.info.fps else 1.0 / 30
        start = self.start_time_s
        lo, hi = self._range[0] - 0.5 * step, self._range[1] + 0.5 * step
        frames = (
            self._frames if self._range[0] > 0 else itertools.chain([self._first], self._frames)
        )
        last, index = -step, 0
        for vf in frames:
            t = vf.time - start if vf.time is not None else last + step
            last = t
            if t < lo:
                continue  # decoded from the key frame before the start: not shown
            if t > hi:
                return
            self.decoded = index + 1
            yield Frame(index, float(t), upright(vf))
            index += 1
        if index == 0 and self.trimmed:
            raise MediaError(f"{self.path.name}: no frame between {lo:.2f} s and {hi:.2f} s")


class FrameReader:
    """The frame shown at a given time, fast when asked for nearby times in turn.

    Keeps the clip open and the last decoded frames (up to ``budget_bytes``), decodes
    forward for a later time within ``forward_s`` and seeks otherwise, so stepping
    through a clip costs one decode per step. Not thread-safe: one per user.
    """

    def __init__(
        self, path: str | Path, budget_bytes: int = 64 * 1024**2, forward_s: float = 2.0
    ) -> None:
        self.path = Path(path)
        self._container = open_container(self.path)
        self._stream = self._container.streams.video[0]
        self._budget = budget_bytes
        self._forward_s = forward_s
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        rate = self._stream.average_rate or self._stream.guessed_rate
        # Half a frame of slack: stream times are rounded to the time base.
        self._slack = 0.5 / float(rate) if rate else 1e-3
        self._frames: Iterator[Any] = iter(())
        self._last_time = -np.inf
        self._last_rgb: np.ndarray | None = None
        self._start = 0.0
        first = self._restart(0.0)
        if first is None:
            self.close()
            raise MediaError(f"{self.path.name}: could not decode any frame")
        self._start = first.time or 0.0
        self._remember(first)

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def _key(self, time_s: float) -> int:
        return int(round(time_s * 1e4))

    def _remember(self, vf: Any) -> np.ndarray:
        rgb = upright(vf)
        self._last_time = (vf.time or self._start) - self._start
        self._last_rgb = rgb
        self._cache[self._key(self._last_time)] = rgb
        while len(self._cache) > 1 and sum(a.nbytes for a in self._cache.values()) > self._budget:
            self._cache.popitem(last=False)
        return rgb

    def _restart(self, time_s: float) -> Any:
        """Seek to the key frame at or before ``time_s`` and decode its first frame."""
        tb = self._stream.time_base or Fraction(1, 1000)
        offset = int((time_s + self._start) / tb) if time_s > 0 else 0
        self._container.seek(offset, stream=self._stream, backward=True, any_frame=False)
        self._frames = _Packets(self._container, self._stream).frames()
        return next(self._frames, None)

    def at(self, time_s: float) -> np.ndarray:
        """The upright RGB frame shown at ``time_s`` seconds after the first frame: the
        last one that starts at or before it (a time from ``PoseSequence.times_s``)."""
        time_s = max(0.0, float(time_s))
        cached = self._cache.get(self._key(time_s))
        if cached is not None:
            self._cache.move_to_end(self._key(time_s))
            return cached
        target = time_s + self._slack
        if not self._last_time < time_s <= self._last_time + self._forward_s:
            vf = self._restart(time_s)
            if vf is None or (vf.time or 0.0) - self._start > target:  # overshot
                vf = self._restart(0.0)
            if vf is None:
                raise MediaError(f"{self.path.name}: no frame at {time_s:.3f} s")
            best: np.ndarray | None = self._remember(vf)
        else:
            best = self._last_rgb
        while self._last_time + self._slack < time_s:
            vf = next(self._frames, None)
            if vf is None:
                break  # past the end: the last frame stays on screen, as players do
            if (vf.time or 0.0) - self._start > target:
                self._frames = itertools.chain([vf], self._frames)
                break
            best = self._remember(vf)
        if best is None:
            raise MediaError(f"{self.path.name}: no frame at {time_s:.3f} s")
        return best


def read_frame(path: str | Path, time_s: float) -> np.ndarray:
    """The upright RGB frame of ``path`` shown at ``time_s`` (see :meth:`FrameReader.at`)."""
    with FrameReader(path) as reader:
        return reader.at(time_s)
