"""The stages of a clip analysis, and the thread plumbing that overlaps them.

:func:`detect_clip`: decode (a background thread) -> pose engine -> person ids -> the raw
:class:`PoseSequence`. :func:`render_clip`: decode (a background thread) -> draw the
final landmarks -> H.264 with the source's sound. Between them, filters and angles run
on whole arrays (:mod:`pose_core.analysis`). Memory stays flat with clip length: frames
pass through queues of a few frames; only landmarks are kept.

Cancelling: set ``cancel`` (a ``threading.Event``) from another thread, and the stage
raises :class:`Cancelled` at its next frame; or raise from ``progress`` (the app does:
Streamlit's rerun exception comes out of its progress call). Either way the background
thread is stopped and joined before the exception leaves the stage.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from pose_core.drawing import draw_frame
from pose_core.engine import open_engine
from pose_core.errors import Cancelled, MediaError
from pose_core.facing import consistent_sides
from pose_core.media import ClipReader, ClipWriter, fit_within
from pose_core.model import ModelInfo
from pose_core.poses import Detections, PoseSequence
from pose_core.settings import Settings
from pose_core.tracking import PersonIds, fold_ids

ProgressFn = Callable[[str, int, int, float], None]
"""Called as ``progress(stage, done, total, elapsed_s)``; total may be an estimate."""


def progress_line(stage: str, done: int, total: int, elapsed_s: float) -> str:
    """``Finding people: 50 / 100 frames · 40 frames/s · about 1 s left``."""
    rate = done / elapsed_s if elapsed_s > 0 else 0.0
    eta = (total - done) / rate if rate else 0.0
    return f"{stage}: {done} / {total} frames · {rate:.0f} frames/s · about {eta:.0f} s left"


ANNOTATED_MAX_SIDE = 1280
"""Annotated clips are drawn at most this many pixels on their longer side."""
FINDING, DRAWING = "Finding people", "Drawing skeletons"
T = TypeVar("T")
_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def background(
    items: Iterable[T], cancel: threading.Event | None, name: str
) -> Generator[T, None, None]:
    """Iterate ``items`` in a thread, a few items ahead of the consumer.

    The thread's exceptions re-raise in the consumer; closing the generator (use
    ``contextlib.closing``) stops and joins the thread.

    Raises:
        Cancelled: ``cancel`` was set.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=8)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failed(exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"{name}: analysis cancelled")
            yield item
    finally:
        stop.set()
        thread.join(timeout=10)


def fps_from_times(times_s: np.ndarray, fallback: float) -> float:
    """Frames per second from the frames' median spacing, else ``fallback``."""
    steps = np.diff(np.asarray(times_s, dtype=np.float64))
    steps = steps[steps > 0]
    return float(1.0 / np.median(steps)) if len(steps) else fallback


class _Collector:
    """Frames with person ids, gathered into one PoseSequence at the end."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.frames: list[tuple[Detections, list[int]]] = []

    def extend(self, ready: list[tuple[float, Detections, list[int]]]) -> None:
        for time_s, det, ids in ready:
            self.times.append(time_s)
            self.frames.append((det, ids))

    def sequence(
        self, size_wh: tuple[int, int], fps: float, source: str, max_people: int
    ) -> PoseSequence:
        people = max((max(ids) + 1 for _, ids in self.frames if ids), default=0)
        seen = np.zeros((len(self.frames), people), bool)
        for f, (_, ids) in enumerate(self.frames):
            seen[f, ids] = True
        fold = fold_ids(seen, max_people)
        people = int(fold.max()) + 1 if people else 0
        times = np.asarray(self.times, dtype=np.float64)
        seq = PoseSequence.empty(
            len(self.frames),
            people,
            size_wh,
            times_s=times,
            fps=fps_from_times(times, fps),
            source=source,
            history=["pose_landmarker"],
        )
        for f, (det, found) in enumerate(self.frames):
            ids = fold[found].tolist()
            seq.xyz[f, ids] = det.xyz
            seq.visibility[f, ids] = det.visibility
            seq.presence[f, ids] = det.presence
            seq.world[f, ids] = det.world
        return seq


@dataclass
class Detected:
    """What :func:`detect_clip` found: raw landmarks with ids, and how it went."""

    raw: PoseSequence
    swaps_fixed: int
    frames_lost: int
    inference_s: float


def detect_clip(
    path: Path,
    settings: Settings,
    model: ModelInfo,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Detected:
    """Decode, find people and give them ids, frame by frame (the model's work)."""
    start = time.perf_counter()
    inference = 0.0
    collector = _Collector()
    reader = ClipReader(path, settings.start_s, settings.end_s)
    with reader, open_engine(model, settings, video=True) as engine:
        info = reader.info
        ids: PersonIds[float] = PersonIds(info.fps, info.size_wh)
        with contextlib.closing(background(reader, cancel, path.name)) as frames:
            for frame in frames:
                t0 = time.perf_counter()
                det = engine.detect(frame.rgb, frame.time_s)
                inference += time.perf_counter() - t0
                collector.extend(ids.push(frame.time_s, det))
                if progress is not None:
                    total = max(info.frames, frame.index + 1)
                    progress(FINDING, frame.index + 1, total, time.perf_counter() - start)
        collector.extend(ids.flush())
        lost = reader.frames_lost
    if not collector.frames:
        raise MediaError(f"{path.name}: the clip holds no decodable frames")
    raw = collector.sequence(info.size_wh, info.fps, path.name, settings.max_people)
    raw, traded = consistent_sides(raw)
    return Detected(raw, ids.tracker.swaps_fixed + traded, lost, inference)


def _drawn_frames(
    reader: ClipReader, poses: PoseSequence, writer: ClipWriter, period_s: float
) -> Iterator[tuple[int, float, Any]]:
    """``(index, time_s, frame ready to encode)`` for each decoded frame that has
    landmarks: each frame is matched to the landmarks of its time and drawn on."""
    times = poses.times_s
    for frame in reader:
        index = int(np.searchsorted(times, frame.time_s - 0.5 * period_s))
        if index >= len(times):
            return
        rgb = fit_within(frame.rgb, ANNOTATED_MAX_SIDE)
        yield index, frame.time_s, writer.prepare(draw_frame(rgb, poses, index))


def render_clip(
    path: Path,
    poses: PoseSequence,
    out: Path,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> str | None:
    """Draw ``poses`` on the clip's frames into an H.264 MP4 with the clip's sound.

    Decoding, drawing and colour conversion run in a background thread while this one
    encodes. Each frame is matched to the landmarks of its time, so what is drawn is
    exactly what the CSV says. Only the frames of ``poses`` are drawn: a trimmed
    analysis gives a clip of that part, starting at time 0. Returns a note when the
    sound had to be left out.
    """
    start = time.perf_counter()
    times = poses.times_s
    t0 = float(times[0]) if len(times) else 0.0
    with ClipReader(path, t0, float(times[-1]) if len(times) else 0.0) as reader:
        info = reader.info
        scale = min(1.0, ANNOTATED_MAX_SIDE / max(info.size_wh))
        size = (round(info.size_wh[0] * scale), round(info.size_wh[1] * scale))
        period = 1.0 / (poses.fps or info.fps or 30.0)
        end = float(times[-1]) + period - t0 if len(times) else 0.0
        with ClipWriter(
            out,
            size,
            poses.fps or info.fps,
            audio_from=path,
            audio_offset_s=reader.start_time_s + t0,
            audio_end_s=end,
        ) as writer:
            drawn = _drawn_frames(reader, poses, writer, period)
            with contextlib.closing(background(drawn, cancel, path.name)) as frames:
                for index, time_s, frame in frames:
                    writer.write(frame, time_s - t0)
                    if progress is not None:
                        progress(DRAWING, index + 1, len(times), time.perf_counter() - start)
        return writer.audio_error
