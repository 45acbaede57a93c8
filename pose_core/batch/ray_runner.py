"""Many machines: one Ray task per input, on an existing cluster or a local instance.

Every node must see the inputs, the output folder and PoseLab itself at the same paths
(a shared file system); the task is the pool's :func:`analyse`, so outputs and manifest
are the same. A local instance (no address) listens on 127.0.0.1 only, starts no
dashboard and sends no usage statistics.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from pose_core import paths
from pose_core.batch.pool import Event
from pose_core.batch.work import Task, analyse, one_line
from pose_core.errors import Cancelled, PoseLabError

_POLL_S = 0.5


def _analyse_remote(task: Task) -> tuple[str, Any]:
    try:
        return "done", analyse(task)
    except Exception as exc:  # one input's failure is its own summary line
        return "failed", one_line(task.rel, exc)


def start_ray(address: str | None, cpus: int | None = None) -> Any:
    """``ray`` connected to ``address``, or to a new local instance on 127.0.0.1.

    Raises:
        PoseLabError: Ray is not installed, or the cluster cannot be reached.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address is None:
        # Ray's switch for a single-machine instance: every server binds to 127.0.0.1.
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    try:
        import ray
    except ImportError:
        raise PoseLabError(
            "--ray needs the ray package (pip install -r requirements.txt)"
        ) from None
    if ray.is_initialized():
        return ray
    # Workers import pose_core from this checkout: on a cluster, the same path everywhere.
    env = {"env_vars": {"PYTHONPATH": str(paths.REPOSITORY), "RAY_USAGE_STATS_ENABLED": "0"}}
    options: dict[str, Any] = {"runtime_env": env, "log_to_driver": False}
    if address is None:
        options |= {"num_cpus": cpus, "include_dashboard": False}
    try:  # "local" starts a new instance even when another one looks reachable
        ray.init(address=address or "local", configure_logging=False, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        hint = ""
        if address is not None and os.environ.get("RAY_AUTH_MODE") != "token":
            hint = " (a cluster made by `ray start` wants RAY_AUTH_MODE=token and its token)"
        raise PoseLabError(f"Ray at {address or 'a local instance'}: {exc}{hint}") from None
    return ray


def run_on_ray(
    tasks: Sequence[Task],
    address: str | None,
    cancel: threading.Event | None = None,
    cpus: int | None = None,
) -> Iterator[Event]:
    """Submit one Ray task per input and yield ``done``/``failed``/``lost`` events.

    A task whose worker dies is ``lost`` (Ray retries a crashed worker's
    task up to 3 times first). At the end a local instance stops; a cluster keeps running.

    Raises:
        Cancelled: ``cancel`` was set; the tasks still running are cancelled.
    """
    ray = start_ray(address, cpus)
    remote = ray.remote(num_cpus=1)(_analyse_remote)
    refs = {remote.remote(task): task for task in tasks}
    try:
        while refs:
            if cancel is not None and cancel.is_set():
                raise Cancelled("batch cancelled")
            ready, _ = ray.wait(list(refs), num_returns=1, timeout=_POLL_S)
            for ref in ready:
                task = refs.pop(ref)
                try:
                    status, value = ray.get(ref)
                except Exception as exc:  # the task's worker died, or Ray itself failed
                    status, value = "lost", f"{task.rel}: Ray task failed: {type(exc).__name__}"
                yield (status, task.index, value)
    finally:
        for ref in refs:
            ray.cancel(ref, force=True)
        ray.shutdown()  # a local instance stops; a cluster only loses this driver
