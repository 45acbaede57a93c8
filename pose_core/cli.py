"""Command line: ``python -m pose_core analyze|compare ...``.

Every input gets one line: what was written, or the file and the reason it failed.
Failures never stop the other inputs and never print a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from pose_core.errors import PoseLabError
from pose_core.settings import MAX_PEOPLE_LIMIT, Settings


class _ProgressBar:
    """A one-line progress bar on stderr: frames done/total, speed and ETA."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.shown = False
        self._last = 0.0

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        now = time.monotonic()
        if now - self._last < 0.2 and done < total:
            return
        self._last, self.shown = now, True
        frac = min(done / total, 1.0) if total else 0.0
        bar = "#" * int(frac * 30)
        eta = elapsed / done * (total - done) if done else 0.0
        sys.stderr.write(
            f"\r{self.name[:30]:30} [{bar:30}] {done}/{total} frames  "
            f"{done / elapsed if elapsed else 0:5.1f} fps  ETA {eta:4.0f}s"
        )
        sys.stderr.flush()

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that build a :class:`Settings` (shared by every sub-command)."""
    d = Settings()
    parser.add_argument(
        "--max-people",
        type=int,
        default=d.max_people,
        help=f"people per frame, 1..{MAX_PEOPLE_LIMIT}",
    )
    parser.add_argument("--model", default=None, help="a pose_landmarker_*.task file")
    parser.add_argument("--min-detection", type=float, default=d.min_detection_confidence)
    parser.add_argument("--min-presence", type=float, default=d.min_presence_confidence)
    parser.add_argument("--min-tracking", type=float, default=d.min_tracking_confidence)
    parser.add_argument("--no-smoothing", action="store_true", help="keep raw landmarks")
    parser.add_argument("--max-gap", type=float, default=d.max_gap_s, help="seconds of gap to fill")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The Settings the command-line options ask for."""
    return Settings(
        max_people=args.max_people,
        model_path=args.model,
        min_detection_confidence=args.min_detection,
        min_presence_confidence=args.min_presence,
        min_tracking_confidence=args.min_tracking,
        smoothing=not args.no_smoothing,
        max_gap_s=args.max_gap,
    )


def _analyze(args: argparse.Namespace) -> int:
    from pose_core.analysis import analyze_clip, analyze_image
    from pose_core.media import media_kind
    from pose_core.model import resolve_model

    try:
        settings = settings_from_args(args)
        model = resolve_model(settings.model_path)
    except (PoseLabError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    failures = 0
    for name in args.inputs:
        path = Path(name)
        try:
            if not path.exists():
                raise PoseLabError(f"{path.name}: file not found")
            if path.is_dir():
                raise PoseLabError(f"{path.name}: is a folder, not a media file")
            out.mkdir(parents=True, exist_ok=True)
            if media_kind(path) == "image":
                result = analyze_image(path, settings, model)
            else:
                video = None if args.no_video else out / f"{path.stem}.annotated.mp4"
                bar = _ProgressBar(path.name)
                try:
                    result = analyze_clip(
                        path, settings, model, video, progress=None if args.quiet else bar
                    )
                finally:
                    bar.end()
                if result.annotated_video is None:
                    result.annotated_image = None
            paths = result.save(out, path.stem)
            written = ", ".join(str(p) for p in paths.values())
            print(f"{result.message()} -> {written}")
        except PoseLabError as exc:
            failures += 1
            print(f"error: {exc}", file=sys.stderr)
        except Exception as exc:  # one bad input must not hide the others' results
            failures += 1
            print(
                f"error: {path.name}: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr
            )
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pose_core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("analyze", help="landmarks, angles, annotated media and a report per input")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="images or clips")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--no-video", action="store_true", help="skip the annotated clip")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_settings_arguments(p)
    p.set_defaults(func=_analyze)
    try:
        from pose_core.compare import add_compare_arguments, run_compare
    except ImportError:
        pass
    else:
        c = sub.add_parser("compare", help="score a pose or a clip against a reference")
        add_compare_arguments(c)
        c.set_defaults(func=run_compare)
    return parser


@contextlib.contextmanager
def _native_logs_silenced() -> Iterator[None]:
    """Send MediaPipe's C++ log lines (written straight to fd 2) to /dev/null.

    Python's ``sys.stderr`` keeps the real terminal through a duplicate descriptor,
    so our own messages and the progress bar still show.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    old_stderr = sys.stderr
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sys.stderr.close()
        sys.stderr = old_stderr


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if os.environ.get("POSELAB_NATIVE_LOGS"):
            return int(args.func(args))
        with _native_logs_silenced():
            return int(args.func(args))
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
