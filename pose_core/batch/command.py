"""``python -m pose_core batch INPUT... --out DIR [--workers N] [--ray [ADDRESS]]``."""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pose_core.batch.inputs import collect
from pose_core.batch.runner import BatchProgress, default_workers, run_batch
from pose_core.errors import PoseLabError
from pose_core.model import resolve_model
from pose_core.settings import Settings

LOCAL = "local"


class _Line:
    """The batch's one progress line on stderr, redrawn at most five times a second."""

    def __init__(self) -> None:
        self.shown = False
        self._last = 0.0

    def __call__(self, state: BatchProgress) -> None:
        now = time.monotonic()
        if now - self._last < 0.2 and state.clips_done < state.clips:
            return
        self._last, self.shown = now, True
        bar = "#" * int(state.fraction * 20)
        sys.stderr.write(f"\rbatch [{bar:20}] {state.line()}\x1b[K")
        sys.stderr.flush()

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


SettingsOf = Callable[[argparse.Namespace], Settings]


def _batch(args: argparse.Namespace, settings_from_args: SettingsOf) -> int:
    start = time.monotonic()
    try:
        settings = settings_from_args(args)
        if settings.model_path:
            resolve_model(settings.model_path)  # a missing or odd file says so here
        if args.workers is not None and args.workers < 1:
            raise ValueError("--workers must be 1 or more")
        inputs = collect(args.inputs, Path(args.out))
    except (PoseLabError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    line = _Line()
    try:
        report = run_batch(
            inputs,
            args.out,
            settings,
            video=not args.no_video,
            workers=args.workers,
            use_ray=args.ray is not None,
            ray_address=None if args.ray in (None, LOCAL) else args.ray,
            progress=None if args.quiet else line,
        )
    except PoseLabError as exc:
        line.end()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside the run itself: nothing new was recorded
        line.end()
        print("interrupted", file=sys.stderr)
        return 130
    line.end()
    report.seconds = time.monotonic() - start  # finding the inputs included
    for row in report.rows:
        for warning in row.get("warnings", []):
            print(f"warning: {warning}", file=sys.stderr)
        if row["status"] == "failed":
            print(f"error: {row['error']}", file=sys.stderr)
    print(report.message())
    print(", ".join(str(p) for p in report.written.values()))
    if report.interrupted:
        return 130
    return 1 if report.count("failed") else 0


def add_batch_parser(
    sub: argparse._SubParsersAction,
    add_settings_arguments: Callable[[argparse.ArgumentParser], None],
    settings_from_args: SettingsOf,
) -> None:
    """The ``batch`` subcommand, with every analysis option of ``analyze`` (the CLI hands
    over its own two functions for them)."""
    p = sub.add_parser(
        "batch", help="a folder of clips to one dataset, resumable, on all cores or Ray"
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders (recursive), globs")
    p.add_argument("--out", required=True, help="output folder (the dataset and the manifest)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"worker processes (default: one per core, here {default_workers()})",
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const=LOCAL,
        default=None,
        metavar="ADDRESS",
        help="one Ray task per input on the cluster at ADDRESS (none: a local instance)",
    )
    p.add_argument("--no-video", action="store_true", help="skip annotated clips and pictures")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    add_settings_arguments(p)
    p.set_defaults(func=functools.partial(_batch, settings_from_args=settings_from_args))
