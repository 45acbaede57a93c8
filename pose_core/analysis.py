"""The analysis pipeline: media in, one PoseSequence plus angles and annotated media out.

For clips, decoding, inference and drawing+encoding run in three threads joined by
small bounded queues, so the CPU-heavy stages overlap and memory stays flat whatever
the clip's length.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd

from pose_core.drawing import draw_skeletons
from pose_core.engine import Detections, Landmarker
from pose_core.errors import Cancelled, MediaError
from pose_core.filters import OneEuroFilter, fill_gaps, one_euro
from pose_core.kinematics import Angles, joint_angles
from pose_core.landmarks import MIRROR_PERMUTATION, NUM_LANDMARKS
from pose_core.media import ClipInfo, ClipReader, ClipWriter, Frame, decode_image, media_kind
from pose_core.model import ModelInfo, resolve_model
from pose_core.sequence import PoseSequence
from pose_core.settings import Settings
from pose_core.tracking import Tracker

ProgressFn = Callable[[int, int, float], None]
"""Called as ``progress(frames_done, frames_total, elapsed_s)``; total may be an estimate."""

ANNOTATED_MAX_SIDE = 1280
# A track becomes a person after 3 sightings; frames are held back 6 frames so that a
# person's first sightings get the id too (one missed frame allowed).
_CONFIRM_HITS = 3
_EMIT_DELAY = 6
_MIRROR = np.asarray(MIRROR_PERMUTATION)


@dataclass
class Analysis:
    """Everything one analysis produced. Every page, chart and export reads this.

    Attributes:
        kind: ``"image"`` or ``"clip"``.
        poses: landmarks after swap fixing, smoothing and gap filling (what to show).
        raw: landmarks as MediaPipe gave them, with person ids assigned.
        angles: joint angles of ``poses``.
        annotated_image: the drawn image (images only).
        annotated_video: path of the drawn H.264 MP4 (clips, when asked for).
        timings: seconds spent per stage.
    """

    kind: str
    poses: PoseSequence
    raw: PoseSequence
    angles: Angles
    settings: Settings
    model: str
    timings: dict[str, float] = field(default_factory=dict)
    annotated_image: np.ndarray | None = None
    annotated_video: Path | None = None
    swaps_fixed: int = 0

    @property
    def found_anyone(self) -> bool:
        return bool(self.poses.detected.any())

    def landmarks_table(self) -> pd.DataFrame:
        return self.poses.to_dataframe()

    def angles_table(self) -> pd.DataFrame:
        return self.angles.to_dataframe(self.poses.detected)

    def report(self) -> dict[str, Any]:
        """Summary for the JSON export: media, people, detection rate, timings, motion."""
        meta = self.poses.metadata()
        motion = {
            str(p): self.angles.range_of_motion(p).round(2).to_dict(orient="records")
            for p in range(self.poses.num_people)
        }
        return meta | {
            "kind": self.kind,
            "model": self.model,
            "settings": self.settings.as_dict(),
            "left_right_swaps_fixed": self.swaps_fixed,
            "range_of_motion": motion,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "times_s": [round(float(t), 6) for t in self.poses.times_s],
        }

    def message(self) -> str:
        """One line saying what was found."""
        if not self.found_anyone:
            return f"{self.poses.source}: nobody found in the {self.kind}"
        people = self.poses.num_people
        if self.kind == "image":
            return f"{self.poses.source}: {people} {'person' if people == 1 else 'people'} found"
        rate = self.poses.detection_rate() * 100
        return (
            f"{self.poses.source}: {self.poses.num_frames} frames, {people} "
            f"{'person' if people == 1 else 'people'}, someone found in {rate:.0f}% of frames"
        )

    def save(self, out_dir: str | Path, stem: str | None = None) -> dict[str, Path]:
        """Write ``<stem>.csv``, ``.angles.csv``, ``.json`` and the annotated PNG/MP4."""
        from pose_core.media import write_image

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        stem = stem or Path(self.poses.source).stem
        paths = {
            "landmarks": out / f"{stem}.csv",
            "angles": out / f"{stem}.angles.csv",
            "report": out / f"{stem}.json",
        }
        self.poses.to_csv(paths["landmarks"])
        self.angles_table().to_csv(paths["angles"], index=False, float_format="%.6g")
        paths["report"].write_text(json.dumps(self.report(), indent=2))
        if self.annotated_image is not None:
            paths["annotated"] = out / f"{stem}.annotated.png"
            write_image(paths["annotated"], self.annotated_image)
        elif self.annotated_video is not None:
            target = out / f"{stem}.annotated.mp4"
            if self.annotated_video.resolve() != target.resolve():
                target.write_bytes(self.annotated_video.read_bytes())
            paths["annotated"] = target
        return paths


def _finish(
    kind: str,
    raw: PoseSequence,
    settings: Settings,
    model: ModelInfo,
    timings: dict[str, float],
    **extra: Any,
) -> Analysis:
    t0 = time.perf_counter()
    poses = raw
    if kind == "clip":
        if settings.smoothing:
            poses = one_euro(poses, settings.smoothing_min_cutoff, settings.smoothing_beta)
        poses = fill_gaps(poses, settings.max_gap_s)
    angles = joint_angles(poses)
    timings["kinematics"] = time.perf_counter() - t0
    return Analysis(kind, poses, raw, angles, settings, model.name, timings, **extra)


def analyze_image(
    image: str | Path | bytes | np.ndarray,
    settings: Settings | None = None,
    model: ModelInfo | None = None,
    name: str = "image",
    draw: bool = True,
) -> Analysis:
    """Find people in one picture (IMAGE mode).

    ``image`` is a path, encoded bytes, or an upright RGB array. Nobody in the picture
    is a valid result with zero people.
    """
    settings = settings or Settings()
    model = model or resolve_model(settings.model_path)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(image, np.ndarray):
        rgb = image
    elif isinstance(image, bytes):
        rgb = decode_image(image, name)
    else:
        path = Path(image)
        name = path.name
        from pose_core.media import read_image

        rgb = read_image(path)
    timings["decode"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Landmarker(model, settings, video=False) as lm:
        det = lm.detect(rgb)
    timings["inference"] = time.perf_counter() - t0
    h, w = rgb.shape[:2]
    raw = _assemble([det], [list(range(len(det)))], np.zeros(1), (w, h), 0.0, name)
    result = _finish("image", raw, settings, model, timings)
    if draw:
        result.annotated_image = draw_skeletons(
            rgb, result.poses.xy_px[0], result.poses.visibility[0]
        )
    return result


def _assemble(
    frames: list[Detections],
    ids: list[list[int]],
    times: np.ndarray,
    size_wh: tuple[int, int],
    fps: float,
    source: str,
) -> PoseSequence:
    people = max((max(i) + 1 for i in ids if i), default=0)
    seq = PoseSequence.empty(len(frames), people, size_wh, times_s=times, fps=fps, source=source)
    for f, (det, pids) in enumerate(zip(frames, ids, strict=True)):
        for k, pid in enumerate(pids):
            seq.xyz[f, pid] = det.xyz[k]
            seq.visibility[f, pid] = det.visibility[k]
            seq.presence[f, pid] = det.presence[k]
            seq.world[f, pid] = det.world[k]
    seq.history.append("mediapipe_pose_landmarker")
    return seq


class _Stop:
    """Marks the end of a queue's stream; carries an exception if a stage failed."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def _put(q: queue.Queue, item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _producer(frames: Iterator[Frame], q: queue.Queue, stop: threading.Event) -> None:
    try:
        for fr in frames:
            if not _put(q, fr, stop):
                return
        _put(q, _Stop(), stop)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        _put(q, _Stop(exc), stop)


def _writer(
    path: Path, info: ClipInfo, q: queue.Queue, stop: threading.Event, errors: list
) -> None:
    w, h = info.size_wh
    scale = min(1.0, ANNOTATED_MAX_SIDE / max(w, h))
    size = (round(w * scale), round(h * scale))
    try:
        with ClipWriter(path, size, info.fps) as out:
            while True:
                item = q.get()
                if isinstance(item, _Stop):
                    return
                frame, xy_px, vis, ids = item
                rgb = frame.rgb
                if scale < 1.0:
                    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
                    xy_px = xy_px * scale
                out.write(draw_skeletons(rgb, xy_px, vis, ids), frame.time_s)
    except BaseException as exc:
        errors.append(exc)
        stop.set()


def analyze_clip(
    path: str | Path,
    settings: Settings | None = None,
    model: ModelInfo | None = None,
    annotated_out: str | Path | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Analysis:
    """Track people through a clip (VIDEO mode), streaming frame by frame.

    Args:
        path: the clip file.
        annotated_out: where to write the annotated H.264 MP4; None to skip drawing.
        progress: called after every frame.
        cancel: set it from another thread to stop; raises :class:`Cancelled`.
    """
    settings = settings or Settings()
    model = model or resolve_model(settings.model_path)
    path = Path(path)
    t_start = time.perf_counter()
    reader = ClipReader(path)
    info = reader.info
    w, h = info.size_wh
    stop = threading.Event()
    frames_q: queue.Queue = queue.Queue(maxsize=8)
    draw_q: queue.Queue = queue.Queue(maxsize=8)
    writer_errors: list[BaseException] = []
    threads = [threading.Thread(target=_producer, args=(iter(reader), frames_q, stop), daemon=True)]
    if annotated_out is not None:
        threads.append(
            threading.Thread(
                target=_writer,
                args=(Path(annotated_out), info, draw_q, stop, writer_errors),
                daemon=True,
            )
        )
    for t in threads:
        t.start()

    dets: list[Detections] = []
    ids: list[list[int]] = []
    times: list[float] = []
    fps = info.fps or 30.0
    tracker = Tracker(max_gap=max(1, round(fps)), confirm_hits=_CONFIRM_HITS)
    scale_wh = np.asarray(info.size_wh, dtype=np.float32)
    filters: dict[int, OneEuroFilter] = {}
    # Frames wait here a few steps, until the tracker knows which tracks are people.
    pending: deque[tuple[Frame, Detections, list[int]]] = deque()

    def emit(frame: Frame, det: Detections, tracks: list[int]) -> None:
        public = [tracker.public_id(t) for t in tracks]
        keep = [k for k, pid in enumerate(public) if pid is not None]
        det = det.select(keep)
        pids = [int(public[k]) for k in keep]  # type: ignore[arg-type]
        dets.append(det)
        ids.append(pids)
        times.append(frame.time_s)
        if annotated_out is not None:
            shown = _smoothed_pixels(det, pids, frame.time_s, filters, settings, (w, h))
            _put(draw_q, (frame, shown, det.visibility, pids), stop)

    t_infer = 0.0
    done = 0
    try:
        with Landmarker(model, settings, video=True) as lm:
            while True:
                item = frames_q.get()
                if isinstance(item, _Stop):
                    if item.error is not None:
                        raise item.error
                    break
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"{path.name}: analysis cancelled")
                if writer_errors:
                    raise writer_errors[0]
                t0 = time.perf_counter()
                det = lm.detect(item.rgb, item.time_s)
                t_infer += time.perf_counter() - t0
                tracks, swaps = tracker.update(
                    item.index, det.xyz[..., :2] * scale_wh, det.visibility
                )
                pending.append((item, *_apply_tracking(det, tracks, swaps)))
                if len(pending) > _EMIT_DELAY:
                    emit(*pending.popleft())
                done += 1
                if progress is not None:
                    progress(done, max(info.frames, done), time.perf_counter() - t_start)
            while pending:
                emit(*pending.popleft())
        if annotated_out is not None:
            _put(draw_q, _Stop(), stop)
            threads[1].join()
            if writer_errors:
                raise writer_errors[0]
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)
        reader.close()
    if not dets:
        raise MediaError(f"{path.name}: the clip holds no decodable frames")
    timings = {"inference": t_infer, "pipeline": time.perf_counter() - t_start}
    raw = _assemble(dets, ids, np.asarray(times), (w, h), info.fps, path.name)
    result = _finish(
        "clip",
        raw,
        settings,
        model,
        timings,
        annotated_video=Path(annotated_out) if annotated_out is not None else None,
        swaps_fixed=tracker.swaps_fixed,
    )
    result.timings["total"] = time.perf_counter() - t_start
    return result


def _apply_tracking(
    det: Detections, pids: list[int], swaps: list[bool]
) -> tuple[Detections, list[int]]:
    """Drop duplicate detections (id -1) and undo left/right swaps."""
    keep = [k for k, pid in enumerate(pids) if pid >= 0]
    arrays = [a[keep].copy() for a in (det.xyz, det.visibility, det.presence, det.world)]
    for row, k in enumerate(keep):
        if swaps[k]:
            for a in arrays:
                a[row] = a[row][_MIRROR]
    return Detections(*arrays), [pids[k] for k in keep]


def _smoothed_pixels(
    det: Detections,
    pids: list[int],
    t: float,
    filters: dict[int, OneEuroFilter],
    settings: Settings,
    size_wh: tuple[int, int],
) -> np.ndarray:
    """Pixels to draw for this frame, smoothed online with the same filter as the CSV."""
    xy = det.xyz[..., :2].astype(np.float64)
    if settings.smoothing:
        xyz = (
            np.stack(
                [
                    filters.setdefault(
                        pid, OneEuroFilter(settings.smoothing_min_cutoff, settings.smoothing_beta)
                    )(det.xyz[k], t)
                    for k, pid in enumerate(pids)
                ]
            )
            if pids
            else np.zeros((0, NUM_LANDMARKS, 3))
        )
        xy = xyz[..., :2]
    return xy * np.asarray(size_wh, dtype=np.float64)


def analyze_path(
    path: str | Path,
    settings: Settings | None = None,
    model: ModelInfo | None = None,
    annotated_out: str | Path | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Analysis:
    """Analyse an image or a clip, chosen by the file's type."""
    if media_kind(path) == "image":
        return analyze_image(path, settings, model)
    return analyze_clip(path, settings, model, annotated_out, progress, cancel)
