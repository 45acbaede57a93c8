"""A batch from inputs to dataset: plan (hash, look up the manifest), run what is left on
a process pool or Ray, record each finished input at once, write the dataset.

The CLI and the app's Batch page both call :func:`run_batch`; progress comes as a
:class:`BatchProgress` snapshot, cancelling through a ``threading.Event``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pose_core.batch.dataset import write_dataset
from pose_core.batch.inputs import BatchInput
from pose_core.batch.manifest import Manifest, engine_version, entry_key, file_digest, file_stat
from pose_core.batch.pool import Event, ProcessPool
from pose_core.batch.work import Task, one_line
from pose_core.errors import Cancelled
from pose_core.pipeline import FINDING
from pose_core.settings import Settings


@dataclass
class BatchProgress:
    """Where a batch stands: clips and frames done, speed and time left.

    Frames count the model's stage; clips not started yet are estimated at the mean
    length of those seen, so the total firms up as the batch goes.
    """

    clips: int
    clips_done: int = 0
    started: float = field(default_factory=time.monotonic)
    _frames: dict[int, tuple[int, int]] = field(default_factory=dict)

    def update(self, index: int, done: int, total: int) -> None:
        self._frames[index] = (done, max(total, done))

    def finish(self, index: int, frames: int | None) -> None:
        self.clips_done += 1
        if frames is not None:
            self._frames[index] = (frames, frames)
        else:  # failed: what it did counts, nothing is left
            done = self._frames.get(index, (0, 0))[0]
            self._frames[index] = (done, done)

    @property
    def frames_done(self) -> int:
        return sum(d for d, _ in self._frames.values())

    @property
    def frames_total(self) -> int:
        known = [t for _, t in self._frames.values()]
        unseen = self.clips - len(known)
        sized = [t for t in known if t]  # a clip that failed at once says nothing of length
        mean = sum(sized) / len(sized) if sized else 0.0
        return int(sum(known) + unseen * mean)

    @property
    def fraction(self) -> float:
        total = self.frames_total
        if total:
            return min(self.frames_done / total, 1.0)
        return self.clips_done / self.clips if self.clips else 1.0

    def line(self) -> str:
        """``3 / 10 clips · 1200 / 3000 frames · 40 frames/s · about 45 s left``."""
        elapsed = time.monotonic() - self.started
        done, total = self.frames_done, self.frames_total
        if not done and not self.clips_done:
            return f"0 / {self.clips} clips · starting ({elapsed:.0f} s)"
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate else 0.0
        if not done and self.clips_done and elapsed > 0:  # Ray: per clip, not per frame
            left = elapsed / self.clips_done * (self.clips - self.clips_done)
        return (
            f"{self.clips_done} / {self.clips} clips · {done} / {total} frames · "
            f"{rate:.0f} frames/s · about {left:.0f} s left"
        )


@dataclass
class BatchReport:
    """What a batch did. ``rows``: one per input in input order, each a summary row
    with ``source``, ``status``, ``error`` and (when done) ``outputs``."""

    out_dir: Path
    rows: list[dict[str, Any]]
    seconds: float
    interrupted: bool = False
    written: dict[str, Path] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.rows)

    @property
    def frames_analysed(self) -> int:
        return sum(int(r.get("frames") or 0) for r in self.rows if r["status"] == "analysed")

    def message(self) -> str:
        """One line: ``12 inputs: 10 analysed, 1 skipped (done before), 1 failed``."""
        parts = [f"{self.count('analysed')} analysed"]
        if self.count("skipped"):
            parts.append(f"{self.count('skipped')} skipped (done before)")
        if self.count("failed"):
            parts.append(f"{self.count('failed')} failed")
        if self.interrupted:
            parts.append(f"{self.count('interrupted')} interrupted (run again to resume)")
        return f"{len(self.rows)} inputs: {', '.join(parts)} in {self.seconds:.1f} s"


def _row(item: BatchInput, status: str, entry: dict[str, Any] | None, error: str = "") -> dict:
    row: dict[str, Any] = {"source": item.rel, "status": status, "error": error}
    if entry is not None:
        row |= entry["row"] | {"outputs": entry["outputs"]}
    return row


def plan(
    inputs: Sequence[BatchInput], out_dir: Path, settings: Settings, video: bool
) -> tuple[list[dict[str, Any]], list[Task], Manifest]:
    """Summary rows for what needs no work (done before, or unreadable) and the tasks
    for the rest; rows of tasks have status ``pending``."""
    manifest = Manifest.load(out_dir)
    engine = engine_version(settings)
    rows: list[dict[str, Any]] = []
    tasks: list[Task] = []
    for i, item in enumerate(inputs):
        if item.error:
            rows.append(_row(item, "failed", None, item.error))
            continue
        try:
            digest = manifest.known_digest(item.path) or file_digest(item.path)
            stat = file_stat(item.path)
        except OSError as exc:
            reason = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
            rows.append(_row(item, "failed", None, f"{item.path.name}: {reason}"))
            continue
        key = entry_key(digest, settings, video, engine)
        done = manifest.done(key, item.rel)
        if done and done.get("error"):  # failed before on the same bytes: fails again
            rows.append(_row(item, "failed", None, done["error"]))
            continue
        rows.append(_row(item, "skipped" if done else "pending", done))
        if not done:
            path = str(item.path.resolve())
            tasks.append(Task(i, path, item.rel, str(out_dir), settings, video, key, digest, stat))
    return rows, tasks, manifest


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_batch(
    inputs: Sequence[BatchInput],
    out_dir: str | Path,
    settings: Settings,
    *,
    video: bool = True,
    workers: int | None = None,
    ray_address: str | None = None,
    use_ray: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> BatchReport:
    """Analyse every input not done before, record it, and write the dataset.

    ``use_ray`` runs one Ray task per input on the cluster at ``ray_address`` (None: a
    local instance with ``workers`` CPUs, default all). Ctrl-C or ``cancel`` stop it:
    what finished is kept (manifest, summary, dataset), the inputs in flight are lost,
    and the report says interrupted.
    """
    start = time.monotonic()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    rows, tasks, manifest = plan(inputs, out, settings, video)
    state = BatchProgress(len(tasks))
    by_index = {t.index: t for t in tasks}
    interrupted = False
    try:
        for event in _events(tasks, workers, use_ray, ray_address, cancel):
            _apply(event, rows, by_index, manifest, state)
            if progress is not None:
                progress(state)
    except (KeyboardInterrupt, Cancelled):
        interrupted = True
        for row in rows:
            if row["status"] == "pending":
                row |= {"status": "interrupted", "error": f"{row['source']}: not finished"}
    report = BatchReport(out, rows, time.monotonic() - start, interrupted)
    report.written = write_dataset(out, rows)
    report.seconds = time.monotonic() - start
    return report


def _events(
    tasks: list[Task],
    workers: int | None,
    use_ray: bool,
    address: str | None,
    cancel: threading.Event | None,
) -> Iterator[Event]:
    if not tasks:
        return iter(())
    if use_ray:
        from pose_core.batch.ray_runner import run_on_ray

        return run_on_ray(tasks, address, cancel, cpus=workers)
    return ProcessPool(min(workers or default_workers(), len(tasks))).run(tasks, cancel)


def _apply(
    event: Event,
    rows: list[dict[str, Any]],
    tasks: dict[int, Task],
    manifest: Manifest,
    state: BatchProgress,
) -> None:
    kind, index = event[0], event[1]
    if kind == "progress":
        stage, done, total = event[2:]
        if stage == FINDING:
            state.update(index, done, total)
        return
    source, task = rows[index]["source"], tasks.pop(index)
    if kind == "done":  # the row first: interrupted in between, the next run redoes it
        entry = event[2]
        rows[index] = {"source": source, "status": "analysed", "error": ""} | entry["row"]
        rows[index] |= {"outputs": entry["outputs"], "warnings": entry.get("warnings", [])}
        manifest.add(entry)
        state.finish(index, int(entry["row"]["frames"]))
        return
    if kind == "failed":  # the input's own fault: remembered, not retried on the same bytes
        failed = {"key": task.key, "rel": task.rel, "digest": task.digest, "stat": task.stat}
        manifest.add(failed | {"outputs": {}, "row": {}, "error": str(event[2])})
    rows[index] = {"source": source, "status": "failed", "error": str(event[2])}
    state.finish(index, None)


__all__ = ["BatchProgress", "BatchReport", "one_line", "plan", "run_batch"]
