"""One frame of a clip on demand: seek to the nearest key frame, decode up to the time.

The app shows the frame under its scrubber this way instead of keeping every decoded
frame in memory. Frames come out exactly as :class:`pose_core.media.ClipReader` yields
them (upright RGB), so landmarks of frame ``i`` line up with ``read_frame(path, t_i)``.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from pose_core.errors import MediaError
from pose_core.media import _rotation


def _upright(vf: av.VideoFrame) -> np.ndarray:
    rgb = vf.to_ndarray(format="rgb24")
    rot = _rotation(vf)
    return np.ascontiguousarray(np.rot90(rgb, rot // 90) if rot else rgb)


def read_frame(path: str | Path, time_s: float) -> np.ndarray:
    """The upright RGB frame shown at ``time_s`` seconds after the clip's first frame.

    ``time_s`` is a value from ``PoseSequence.times_s`` (stream time, first frame = 0);
    the frame returned is the last one that starts at or before it.

    Raises:
        MediaError: the clip cannot be opened or holds no frame.
    """
    path = Path(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path.name}: cannot open the clip ({exc})") from None
    with container:
        if not container.streams.video:
            raise MediaError(f"{path.name}: contains no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            first = next(container.decode(stream))
        except (av.error.FFmpegError, StopIteration):
            raise MediaError(f"{path.name}: could not decode any frame") from None
        start = first.time or 0.0
        rate = stream.average_rate or stream.guessed_rate
        # Half a frame of slack: stream times are rounded to the time base.
        slack = 0.5 / float(rate) if rate else 1e-3
        target = start + max(0.0, float(time_s))
        if target - start <= slack:
            return _upright(first)
        best = first
        if stream.time_base:
            container.seek(
                int((target - start) / stream.time_base) + (first.pts or 0), stream=stream
            )
            best = None
        try:
            for vf in container.decode(stream):
                t = vf.time if vf.time is not None else start
                if t > target + slack:
                    break
                best = vf
        except av.error.FFmpegError:
            pass  # a truncated tail: the last good frame is what players show too
        if best is None:  # the seek overshot: decode from the start instead
            container.seek(0, stream=stream)
            best = first
            for vf in container.decode(stream):
                if (vf.time or start) > target + slack:
                    break
                best = vf
        return _upright(best)
