"""Writing clips: H.264 MP4 (yuv420p, faststart) that browsers play, with the source's
sound carried over (AAC and MP3 copied as they are, anything else re-encoded to AAC)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from pose_core.media.clips import READ_OPTIONS

_COPYABLE_AUDIO = frozenset({"aac", "mp3"})  # plays in every browser inside MP4
_TIME_BASE = Fraction(1, 90000)


class _AudioTrack:
    """The audio of a source clip, muxed into an output as the video advances.

    Times are shifted by ``offset_s`` (the source video's first-frame time, plus any
    trimmed start), so picture and sound stay in sync.
    """

    def __init__(self, source: Path, out: Any, offset_s: float, end_s: float) -> None:
        self._in = av.open(str(source), metadata_errors="ignore", container_options=READ_OPTIONS)
        try:
            self._src = self._in.streams.audio[0]
            self._copy = self._src.codec_context.name in _COPYABLE_AUDIO
            if self._copy:
                self._dst = out.add_stream_from_template(self._src)
            else:
                self._dst = out.add_stream("aac", rate=self._src.rate or 48000)
        except BaseException:
            self._in.close()
            raise
        self._out = out
        self._offset = offset_s
        self._end = end_s
        self._packets: Iterator[Any] = self._in.demux(self._src)

    def mux_until(self, time_s: float) -> None:
        """Mux every audio packet that starts before ``time_s`` (output time)."""
        for packet in self._packets:
            if packet.pts is None or packet.time_base is None:
                continue  # the demuxer's final flush packet
            start = float(packet.pts * packet.time_base) - self._offset
            if start > time_s:
                self._packets = itertools.chain([packet], self._packets)
                return
            if start < 0 or start > self._end:
                continue  # before the first video frame or after the last
            self._mux(packet, start)

    def _mux(self, packet: Any, start: float) -> None:
        if self._copy:
            shift = round(self._offset / packet.time_base)
            packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
            packet.stream = self._dst
            self._out.mux(packet)
            return
        for frame in packet.decode():
            frame.pts = None  # the encoder numbers its own samples from 0
            self._out.mux(self._dst.encode(frame))

    def close(self) -> None:
        self.mux_until(math.inf)
        if not self._copy:
            self._out.mux(self._dst.encode(None))
        self._in.close()


class ClipWriter:
    """Encodes RGB frames to an H.264 MP4 (yuv420p, faststart) that browsers play.

    Args:
        size_wh: frame size in pixels (rounded down to even numbers, as yuv420p needs).
        fps: nominal frame rate; each frame keeps the time it is written with.
        audio_from: a clip whose first audio stream goes into the output.
        audio_offset_s: that clip's stream time of the output's time 0.
        audio_end_s: output time after which no audio is kept.
    """

    def __init__(
        self,
        path: str | Path,
        size_wh: tuple[int, int],
        fps: float,
        crf: int = 23,
        audio_from: str | Path | None = None,
        audio_offset_s: float = 0.0,
        audio_end_s: float = math.inf,
    ) -> None:
        w, h = size_wh
        self.size_wh = (w - w % 2, h - h % 2)
        self._container = av.open(str(path), "w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.size_wh
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = _TIME_BASE
        self._stream.codec_context.time_base = _TIME_BASE
        self._stream.options = {"crf": str(crf), "preset": "superfast"}
        self._audio: _AudioTrack | None = None
        self.audio_error: str | None = None
        if audio_from is not None:
            self._add_audio(Path(audio_from), audio_offset_s, audio_end_s)
        self._last_pts = -1

    def _add_audio(self, source: Path, offset_s: float, end_s: float) -> None:
        try:
            with av.open(
                str(source), metadata_errors="ignore", container_options=READ_OPTIONS
            ) as probe:
                if not probe.streams.audio:
                    return
            self._audio = _AudioTrack(source, self._container, offset_s, end_s)
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            self.audio_error = f"sound left out ({type(exc).__name__})"

    def prepare(self, rgb: np.ndarray) -> av.VideoFrame:
        """``rgb`` (H, W, 3) uint8 converted to the encoder's yuv420p frame.

        Holds no encoder state, so another thread can prepare the next frames while
        :meth:`write` encodes (the colour conversion is a third of the encoding cost).
        """
        w, h = self.size_wh
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:h, :w]), format="rgb24")
        return vf.reformat(format="yuv420p")

    def write(self, frame: np.ndarray | av.VideoFrame, time_s: float) -> None:
        """Add a frame (RGB, or from :meth:`prepare`) shown at ``time_s`` seconds (times
        must increase)."""
        vf = frame if isinstance(frame, av.VideoFrame) else self.prepare(frame)
        pts = max(int(round(time_s * 90000)), self._last_pts + 1)
        vf.pts, vf.time_base = pts, _TIME_BASE
        self._last_pts = pts
        self._container.mux(self._stream.encode(vf))
        if self._audio is not None:
            self._audio.mux_until(time_s)

    def close(self) -> None:
        """Flush the encoders and finish the file."""
        self._container.mux(self._stream.encode(None))
        if self._audio is not None:
            self._audio.close()
        self._container.close()

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
