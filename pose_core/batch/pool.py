"""A process pool for one machine: N worker processes, each with its own engine, fed one
input at a time, so the parent always knows which input a worker holds.

A worker that dies (killed, out of memory) loses only the input it held: that input is
reported lost (the next run tries it again), a fresh worker takes its place and the
batch goes on. Workers ignore Ctrl-C; the parent stops them when it is interrupted or
cancelled.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
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

    def __init__(self, index: int, conn: Connection) -> None:
        self.index, self.conn, self.last = index, conn, 0.0

    def __call__(self, stage: str, done: int, total: int, elapsed_s: float) -> None:
        now = time.monotonic()
        if now - self.last >= _PROGRESS_EVERY_S or done >= total:
            self.last = now
            self.conn.send(("progress", self.index, stage, done, total))


def _worker(inbox: Connection, results: Connection, cpu: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if cpu is not None:  # the engine runs 2 threads: pinned, workers share no core
        os.sched_setaffinity(0, {cpu})
    while True:
        try:
            task: Task | None = inbox.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        try:
            entry = analyse(task, _Reporter(task.index, results))
            results.send(("done", task.index, entry))
        except Exception as exc:  # one input's failure is its own summary line
            results.send(("failed", task.index, one_line(task.rel, exc)))


@dataclass
class _Slot:
    process: Any
    inbox: Connection
    results: Connection
    task: Task | None = None


class ProcessPool:
    """``workers`` processes (spawned: safe from a threaded app) running :func:`analyse`.

    Each worker has its own pipes, so one killed in the middle of a message cannot
    block the others (a shared queue's lock would stay taken).
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._ctx = mp.get_context("spawn")
        self._slots: list[_Slot] = []

    def _cpu(self, slot: int) -> int | None:
        """The core worker ``slot`` is pinned to when there are several workers."""
        if self.workers < 2 or not hasattr(os, "sched_getaffinity"):
            return None
        cores = sorted(os.sched_getaffinity(0))
        return cores[slot % len(cores)]

    def _start(self, slot: int) -> _Slot:
        task_out, task_in = self._ctx.Pipe(duplex=False)
        result_out, result_in = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=_worker,
            args=(task_out, result_in, self._cpu(slot)),
            name="poselab-batch",
            daemon=True,
        )
        process.start()
        task_out.close()  # the child's ends: the parent keeps only its own
        result_in.close()
        return _Slot(process, task_in, result_out)

    def _lost(self, slot: _Slot) -> Event:
        """The event for a worker that died holding an input; a new worker replaces it."""
        assert slot.task is not None
        slot.process.join(timeout=5.0)
        code = slot.process.exitcode
        event = ("lost", slot.task.index, f"{slot.task.rel}: the worker analysing it stopped "
                 f"(exit code {code})")  # fmt: skip
        slot.inbox.close()
        slot.results.close()
        i = self._slots.index(slot)
        self._slots[i] = self._start(i)
        return event

    def _receive(self) -> Iterator[Event]:
        busy = {s.results: s for s in self._slots if s.task is not None}
        for conn in wait(list(busy), timeout=_POLL_S):
            slot = busy[conn]  # type: ignore[index]
            try:
                event = slot.results.recv()
            except (EOFError, OSError):
                yield self._lost(slot)
                continue
            if event[0] != "progress":
                slot.task = None
            yield event

    def run(self, tasks: Sequence[Task], cancel: threading.Event | None = None) -> Iterator[Event]:
        """Analyse ``tasks``, yielding events as they come; stops the workers at the end.

        Raises:
            Cancelled: ``cancel`` was set (the inputs in flight are lost).
        """
        pending = deque(tasks)
        try:
            self._slots = [self._start(i) for i in range(min(self.workers, len(pending)))]
            while pending or any(s.task is not None for s in self._slots):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("batch cancelled")
                for slot in self._slots:
                    if slot.task is None and pending:
                        slot.task = pending.popleft()
                        slot.inbox.send(slot.task)
                yield from self._receive()
        finally:
            self.close()

    def close(self) -> None:
        """Stop every worker: ask the idle ones, terminate the busy ones, then wait."""
        for slot in self._slots:
            try:
                if slot.task is None:
                    slot.inbox.send(None)
                else:
                    slot.process.terminate()
            except OSError:
                pass
        deadline = time.monotonic() + 2.0
        for slot in self._slots:
            slot.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(timeout=2.0)
            slot.inbox.close()
            slot.results.close()
        self._slots = []
