"""One cached analysis per file and settings, shared by every page and session.

The model's work is cached per (content hash, detection settings): changing a filter or
the gap filling recomputes from the cached raw landmarks in milliseconds, and the
Compare page reuses what the Clip page computed. Caches hold landmarks (small,
read-only arrays), never pictures. Annotated clips are drawn by background jobs into
the work folder, so the page stays usable while they render.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pages.common import storage
from pages.common.storage import StoredFile
from pose_core.analysis import Analysis, analyze_path, with_settings
from pose_core.errors import PoseLabError
from pose_core.model import ModelInfo
from pose_core.pipeline import ProgressFn, progress_line, render_clip
from pose_core.settings import Settings


@st.cache_resource(max_entries=24, show_spinner=False)
def _model_work(
    digest: str, detection: Settings, _path: str, _model: ModelInfo, _progress: ProgressFn | None
) -> Analysis:
    """The model's work on one file; ``detection`` is the cache key's settings."""
    result = analyze_path(Path(_path), detection, _model, progress=_progress)
    result.raw.frozen()
    result.poses.frozen()
    return result


@st.cache_resource(max_entries=48, show_spinner=False)
def _finished(digest: str, settings: Settings, _base: Analysis) -> Analysis:
    return with_settings(_base, settings) if settings != _base.settings else _base


def analysis(
    file: StoredFile, settings: Settings, model: ModelInfo, progress: ProgressFn | None = None
) -> Analysis:
    """The analysis of ``file`` with ``settings``; the model runs only for settings that
    change what it finds."""
    base = _model_work(file.digest, settings.detection(), str(file.path), model, progress)
    return _finished(file.digest, settings, base)


class ProgressBar:
    """A progress callback drawing into ``slot``: stage, frames, speed, time left.

    The callback runs inside cached functions; it draws through the context captured
    here, so the bar is not recorded for replay on later cache hits.
    """

    def __init__(self, slot: DeltaGenerator, name: str) -> None:
        self._context = contextvars.copy_context()
        self._slot = slot
        self._name = name
        self._bar: DeltaGenerator | None = None
        self._shown = 0.0

    def __call__(self, stage: str, done: int, total: int, elapsed_s: float) -> None:
        now = time.monotonic()
        if done < total and now - self._shown < 0.2:
            return
        self._shown = now
        text = f"{self._name} · {progress_line(stage, done, total, elapsed_s)}"
        value = min(done / total, 1.0) if total else 0.0
        if self._bar is None:
            self._bar = self._context.run(self._slot.progress, value, text=text)
        else:
            self._context.run(self._bar.progress, value, text=text)


@dataclass
class RenderJob:
    """An annotated clip being drawn in a background thread."""

    out: Path
    done: int = 0
    total: int = 0
    error: str | None = None
    note: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    @property
    def ready(self) -> bool:
        return self.finished.is_set() and self.error is None and self.out.is_file()

    def _progress(self, stage: str, done: int, total: int, elapsed_s: float) -> None:
        self.done, self.total = done, total

    def run(self, source: Path, result: Analysis) -> None:
        part = self.out.with_suffix(".part.mp4")
        try:
            self.note = render_clip(source, result.poses, part, self._progress, self.cancel)
            part.replace(self.out)
            storage.enforce_cap(frozenset({self.out}))
        except PoseLabError as exc:
            self.error = str(exc)
        except Exception as exc:  # a job must end, and say why, whatever happens
            self.error = f"{source.name}: {type(exc).__name__}: {exc}".splitlines()[0]
        finally:
            part.unlink(missing_ok=True)
            self.finished.set()


@st.cache_resource(show_spinner=False)
def _jobs() -> tuple[dict[tuple[str, Settings], RenderJob], threading.Lock]:
    return {}, threading.Lock()


def _settings_key(settings: Settings) -> str:
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:12]


def annotated_clip(file: StoredFile, result: Analysis) -> RenderJob:
    """The job drawing ``result`` on ``file``'s frames: started once, then shared."""
    jobs, lock = _jobs()
    key = (file.digest, result.settings)
    with lock:
        job = jobs.get(key)
        if job is not None and (job.running or job.ready):
            storage.touch(job.out)
            return job
        out = storage.result_path(file.digest, _settings_key(result.settings), ".mp4")
        job = RenderJob(out)
        jobs[key] = job
    threading.Thread(target=job.run, args=(file.path, result), daemon=True).start()
    return job
