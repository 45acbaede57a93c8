"""A process pool for one machine: N worker processes, each with its own engine, fed one
input at a time, so the parent always knows which input a worker holds.

A worker that dies (killed, out of memory) loses only the input it held: that input is
reported failed, a fresh worker takes its place and the batch goes on. Workers ignore
Ctrl-C; the parent stops them when it is interrupted or cancelled.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pose_core.batch.work import Task, analyse, one_line
from pose_core.errors import Cancelled

Event = tuple[Any, ...]
"""``("progress", index, stage, done, total)``, ``("done", index, entry)``,
``("failed", index, message)`` (the input's fault) or ``("lost", index, message)`` (its
worker died: the next run tries again)."""
_POLL_S = 0.2
_PROGRESS_EVERY_S = 0.25


class _Reporter:
    """A worker's progress callback: a few events a second to the parent."""

    def __init__(self, wid: int, index: int, results: Any) -> None:
        self.wid, self.index, self.results, self.last = wid, index, results, 0.0

    def __call__(self, stage: str, done: int, total: int, elapsed_s: float) -> None:
        now = time.monotonic()
        if now - self.last >= _PROGRESS_EVERY_S or done >= total:
            self.last = now
            self.results.put((self.wid, ("progress", self.index, stage, done, total)))


def _worker(wid: int, inbox: Any, results: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    while True:
        task: Task | None = inbox.get()
        if task is None:
            return
        try:
            entry = analyse(task, _Reporter(wid, task.index, results))
            results.put((wid, ("done", task.index, entry)))
        except Exception as exc:  # one input's failure is its own summary line
            results.put((wid, ("failed", task.index, one_line(task.rel, exc))))


@dataclass
class _Slot:
    process: Any
    inbox: Any
    task: Task | None = None


class ProcessPool:
    """``workers`` processes (spawned: safe from a threaded app) running :func:`analyse`."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._ctx = mp.get_context("spawn")
        self._results: Any = self._ctx.Queue()
        self._slots: list[_Slot] = []

    def _start(self, wid: int) -> _Slot:
        inbox = self._ctx.Queue()
        process = self._ctx.Process(
            target=_worker, args=(wid, inbox, self._results), name=f"poselab-batch-{wid}"
        )
        process.daemon = True
        process.start()
        return _Slot(process, inbox)

    def _check_dead(self) -> Iterator[Event]:
        for wid, slot in enumerate(self._slots):
            if slot.task is not None and not slot.process.is_alive():
                code = slot.process.exitcode
                msg = f"{slot.task.rel}: the worker analysing it stopped (exit code {code})"
                yield ("lost", slot.task.index, msg)
                self._slots[wid] = self._start(wid)

    def run(self, tasks: Sequence[Task], cancel: threading.Event | None = None) -> Iterator[Event]:
        """Analyse ``tasks``, yielding events as they come; stops the workers at the end.

        Raises:
            Cancelled: ``cancel`` was set (the inputs in flight are lost).
        """
        pending = deque(tasks)
        try:
            self._slots = [self._start(w) for w in range(min(self.workers, len(pending)))]
            while pending or any(s.task is not None for s in self._slots):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("batch cancelled")
                for slot in self._slots:
                    if slot.task is None and pending:
                        slot.task = pending.popleft()
                        slot.inbox.put(slot.task)
                try:
                    wid, event = self._results.get(timeout=_POLL_S)
                except queue.Empty:
                    yield from self._check_dead()
                    continue
                slot = self._slots[wid]
                if event[0] != "progress":
                    if slot.task is None or slot.task.index != event[1]:
                        continue  # from a worker already replaced
                    slot.task = None
                yield event
        finally:
            self.close()

    def close(self) -> None:
        """Stop every worker: ask, then wait a moment, then terminate."""
        for slot in self._slots:
            if slot.task is None and slot.process.is_alive():
                slot.inbox.put(None)
        deadline = time.monotonic() + 2.0
        for slot in self._slots:
            if slot.task is not None:
                slot.process.terminate()
            slot.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(timeout=2.0)
        self._slots = []
