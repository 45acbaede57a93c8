"""A batch running in a background thread, for a caller that must stay responsive (the
app's Batch page polls it): progress, cancel, and the report or one line of error."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from pose_core.batch.inputs import BatchInput
from pose_core.batch.runner import BatchProgress, BatchReport, run_batch
from pose_core.errors import PoseLabError
from pose_core.settings import Settings


@dataclass
class BatchJob:
    """``run_batch`` of ``inputs`` into ``out_dir`` in a thread; ``start()`` it once."""

    inputs: list[BatchInput]
    out_dir: Path
    settings: Settings
    workers: int | None = None
    progress: BatchProgress | None = None
    report: BatchReport | None = None
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    def _progress(self, state: BatchProgress) -> None:
        self.progress = state

    def _run(self) -> None:
        try:
            self.report = run_batch(
                self.inputs,
                self.out_dir,
                self.settings,
                video=False,
                workers=self.workers,
                progress=self._progress,
                cancel=self.cancel,
            )
        except PoseLabError as exc:
            self.error = str(exc)
        except Exception as exc:  # a job must end, and say why, whatever happens
            self.error = f"batch: {type(exc).__name__}: {exc}".splitlines()[0]
        finally:
            self.finished.set()

    def start(self) -> BatchJob:
        self.progress = BatchProgress(len(self.inputs))
        threading.Thread(target=self._run, name="poselab-batch-job", daemon=True).start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the job finished within ``timeout`` seconds."""
        return self.finished.wait(timeout)
