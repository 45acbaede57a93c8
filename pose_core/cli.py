"""Command line: ``python -m pose_core analyze|compare|batch ...``.

Every input gets one line: what was written, or the file and the reason it failed.
Failures never stop the other inputs and never print a traceback. The analysis options
are made from the fields of :class:`Settings`, so the CLI offers exactly what the app
does.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pose_core import export, paths
from pose_core.analysis import Analysis, analyze_path, annotate_image
from pose_core.batch.command import add_batch_parser
from pose_core.compare import (
    DEFAULT_BAND,
    ClipComparison,
    Comparable,
    PoseComparison,
    compare,
    who,
)
from pose_core.compare.noise import score_band
from pose_core.compare.video import render_comparison
from pose_core.errors import PoseLabError
from pose_core.media import media_kind, write_image
from pose_core.model import ModelInfo, resolve_model
from pose_core.pipeline import progress_line
from pose_core.poses import Pose, PoseSequence
from pose_core.references import builtin_references, load_reference
from pose_core.report import media_thumbs, worst_moments, write_report
from pose_core.routines import (
    is_routine_file,
    load_routine,
    routine_from_sequence,
    save_routine,
    thumbnail_frames,
)
from pose_core.settings import Settings


class _ProgressBar:
    """A one-line progress bar on stderr, redrawn at most five times a second."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.shown = False
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int, elapsed_s: float) -> None:
        now = time.monotonic()
        if now - self._last < 0.2 and done < total:
            return
        self._last, self.shown = now, True
        frac = min(done / total, 1.0) if total else 0.0
        line = progress_line(stage, done, total, elapsed_s)
        sys.stderr.write(f"\r{self.name[:24]:24} [{'#' * int(frac * 20):20}] {line}\x1b[K")
        sys.stderr.flush()

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """One option per :class:`Settings` field, named by its metadata."""
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        meta, default = f.metadata, getattr(defaults, f.name)
        if isinstance(default, bool):
            action = "store_false" if default else "store_true"
            parser.add_argument(meta["flag"], dest=f.name, action=action, help=meta["help"])
            continue
        kind = str if default is None else type(default)
        parser.add_argument(
            meta["flag"],
            dest=f.name,
            type=kind,
            default=default,
            choices=meta.get("choices"),
            help=f"{meta['help']} (default: {default})",
        )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The Settings the command-line options ask for.

    Raises:
        ValueError: a value is out of range.
    """
    return Settings(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)})


def output_stems(inputs: Sequence[Path]) -> list[str]:
    """A distinct output name per input: its stem, with parent folders prepended to
    tell same-named files apart (``a/clip.mp4``, ``b/clip.mp4`` -> ``a_clip``, ``b_clip``)."""
    parts = [list(p.resolve().parent.parts[1:]) for p in inputs]
    stems = [p.stem for p in inputs]
    while True:
        seen: dict[str, list[int]] = {}
        for i, stem in enumerate(stems):
            seen.setdefault(stem.lower(), []).append(i)
        clashes = [group for group in seen.values() if len(group) > 1]
        if not clashes:
            return stems
        grew = False
        for group in clashes:
            for i in group:
                if parts[i]:
                    stems[i] = f"{parts[i].pop()}_{stems[i]}"
                    grew = True
        if not grew:  # the same file twice: number the repeats
            for group in clashes:
                for n, i in enumerate(group[1:], start=2):
                    stems[i] = f"{stems[i]}-{n}"


def _one_line(name: str, exc: Exception) -> str:
    if isinstance(exc, PoseLabError):
        return f"error: {exc}"
    return f"error: {name}: {type(exc).__name__}: {exc}".splitlines()[0]


def _analyze_one(
    path: Path, stem: str, out: Path, settings: Settings, model: ModelInfo, args: argparse.Namespace
) -> Analysis:
    video = None if args.no_video else out / f"{stem}.annotated.mp4"
    bar = _ProgressBar(path.name)
    try:
        result = analyze_path(path, settings, model, video, None if args.quiet else bar)
    finally:
        bar.end()
    written = export.save(result, out, stem, args.formats)
    if result.kind == "image" and not args.no_video:
        written["annotated"] = out / f"{stem}.annotated.png"
        write_image(written["annotated"], annotate_image(path, result))
    elif result.annotated_video is not None:
        written["annotated"] = result.annotated_video
    print(f"{result.message()} -> {', '.join(str(p) for p in written.values())}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for hint in result.hints:
        print(f"hint: {hint}", file=sys.stderr)
    return result


def _analyze(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        model = resolve_model(settings.model_path)
    except (PoseLabError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    inputs = [Path(name) for name in args.inputs]
    failures = 0
    for path, stem in zip(inputs, output_stems(inputs), strict=True):
        try:
            out.mkdir(parents=True, exist_ok=True)
            _analyze_one(path, stem, out, settings, model, args)
        except Exception as exc:  # one bad input must not hide the others' results
            failures += 1
            print(_one_line(path.name, exc), file=sys.stderr)
    return 1 if failures else 0


def _load(spec: str, settings: Settings, model: ModelInfo, library: bool) -> Comparable:
    """A comparison side: a saved reference (JSON), a built-in pose, or analysed media."""
    path = Path(spec)
    if path.suffix.lower() == ".json":
        return load_routine(path).poses if is_routine_file(path) else load_reference(path).pose
    builtins = builtin_references()
    if library and spec in builtins and not path.exists():
        return builtins[spec].pose
    media_kind(path)  # a missing, empty or odd file says so in one line
    return analyze_path(path, settings, model).poses


def _pose_summary(result: PoseComparison) -> str:
    lines = [
        f"score {result.score:.1f} / 100 ({result.band})"
        + (" (candidate mirrored)" if result.mirrored else ""),
        f"{'joint':16} {'reference':>9} {'candidate':>9} {'diff':>7} {'score':>6}  no cue",
    ]
    for j in result.joints:
        lines.append(
            f"{j.name:16} {j.reference_deg:9.1f} {j.candidate_deg:9.1f} "
            f"{j.difference_deg:+7.1f} {j.score:6.1f}  {j.note}".rstrip()
        )
    lines += [f"- {c}" for c in result.cues] or ["- no joint is off by more than its noise"]
    return "\n".join(lines)


def _clip_summary(result: ClipComparison) -> str:
    lines = [
        f"score {result.score:.1f} / 100 ({score_band(result.score)}) over "
        f"{len(result.path)} aligned frame pairs"
        + (" (candidate mirrored)" if result.mirrored else "")
    ]
    if result.tempo_note:
        lines.append(f"tempo: {result.tempo_note}")
    for m in result.worst:
        lines.append(
            f"low point: candidate frame {m.cand_frame} ({m.cand_time_s:.2f} s) vs reference "
            f"frame {m.ref_frame} ({m.ref_time_s:.2f} s): {m.score:.1f}"
        )
        lines += [f"  - {c}" for c in m.cues]
    return "\n".join(lines)


def _write_files(
    args: argparse.Namespace,
    reference: Comparable,
    candidate: Comparable,
    result: PoseComparison | ClipComparison,
    people: tuple[int, int],
    settings: Settings,
) -> None:
    """The side-by-side ``--video`` and the ``--report``, when asked for."""
    if args.video:
        if not (isinstance(result, ClipComparison) and isinstance(reference, PoseSequence)):
            raise PoseLabError("--video needs two clips, each compared as a whole clip")
        if Path(args.reference).suffix.lower() == ".json":
            raise PoseLabError("--video needs two clips: a saved routine keeps no video")
        assert isinstance(candidate, PoseSequence)
        note = render_comparison(
            (Path(args.reference), reference, people[0]),
            (Path(args.candidate), candidate, people[1]),
            result,
            args.video,
        )
        print(f"wrote {args.video}" + (f" ({note})" if note else ""), file=sys.stderr)
    if args.save_routine:
        if not isinstance(reference, PoseSequence) or reference.num_frames < 2:
            raise PoseLabError("--save-routine needs a reference clip")
        thumbs = media_thumbs((Path(args.reference), reference), (Path(args.reference), reference))
        pictures = {k: thumbs(k, k)[0] for k in thumbnail_frames(reference.num_frames)}
        routine = routine_from_sequence(
            args.save_routine,
            reference,
            people[0],
            {k: v for k, v in pictures.items() if v is not None},
        )
        print(f"saved routine {routine.name} to {save_routine(routine)}", file=sys.stderr)
    if args.report:
        cand = (Path(args.candidate), candidate)
        ref = (Path(args.reference), reference) if isinstance(reference, PoseSequence) else None
        moments = []
        if isinstance(result, ClipComparison) and isinstance(reference, PoseSequence):
            assert isinstance(candidate, PoseSequence)
            moments = worst_moments(reference, candidate, result, people)
        written = write_report(
            result,
            args.report,
            thumbs=media_thumbs(ref, cand),  # type: ignore[arg-type]
            moments=moments,
            frames=(args.ref_frame or 0, args.cand_frame or 0),
            who=f"{who(reference, people[0], args.ref_frame)} (teacher) vs "
            f"{who(candidate, people[1], args.cand_frame)} (student)",
            settings="settings: "
            + ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(settings).items())
            + f", mirror={args.mirror}, band={args.band}",
        )
        print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)


def _compare(args: argparse.Namespace) -> int:
    try:
        ref_person = args.person if args.ref_person is None else args.ref_person
        cand_person = args.person if args.cand_person is None else args.cand_person
        if min(args.person, ref_person, cand_person) < 0:
            raise ValueError("--person, --ref-person and --cand-person must be 0 or more")
        if not 0 < args.band <= 1:
            raise ValueError("--band must be within 0..1")
        args.max_people = max(args.max_people, ref_person + 1, cand_person + 1)
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        model = resolve_model(settings.model_path)
        reference = _load(args.reference, settings, model, library=True)
        candidate = _load(args.candidate, settings, model, library=False)
        if isinstance(candidate, Pose):
            raise PoseLabError(f"{Path(args.candidate).name}: the candidate must be media")
        result = compare(
            reference,
            candidate,
            args.ref_frame,
            args.cand_frame,
            ref_person,
            cand_person,
            mirror=args.mirror,
            band=args.band,
        )
    except Exception as exc:  # never a traceback: one line naming the inputs
        names = f"{Path(args.reference).name} vs {Path(args.candidate).name}"
        print(_one_line(names, exc), file=sys.stderr)
        return 1
    try:
        _write_files(args, reference, candidate, result, (ref_person, cand_person), settings)
    except Exception as exc:  # never a traceback: one line naming the output
        print(_one_line(Path(args.video or args.report or "").name, exc), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(_pose_summary(result) if isinstance(result, PoseComparison) else _clip_summary(result))
    if any(isinstance(x, PoseSequence) and x.num_people > 1 for x in (reference, candidate)):
        print(
            f"compared {who(reference, ref_person, args.ref_frame)} "
            f"with {who(candidate, cand_person, args.cand_frame)}"
        )
    return 0


def _formats(text: str) -> tuple[str, ...]:
    try:
        return export.parse_formats(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _analyze_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="landmarks, angles, annotated media and a report per input")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="images or clips")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--no-video", action="store_true", help="skip the annotated clip or picture")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--formats",
        type=_formats,
        default=("csv",),
        metavar="LIST",
        help=f"comma-separated, of {', '.join(export.FORMATS)} (default: csv)",
    )
    add_settings_arguments(p)
    p.set_defaults(func=_analyze)


def _compare_parser(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("compare", help="score a pose or a clip against a reference")
    c.add_argument(
        "reference",
        metavar="REFERENCE",
        help="image, clip, saved reference or routine JSON, or a built-in name (mountain, ...)",
    )
    c.add_argument("candidate", metavar="CANDIDATE", help="image or clip")
    c.add_argument("--ref-frame", type=int, default=None, help="frame of a reference clip")
    c.add_argument("--cand-frame", type=int, default=None, help="frame of a candidate clip")
    c.add_argument("--person", type=int, default=0, help="person id in both inputs")
    c.add_argument("--ref-person", type=int, default=None, help="person id in the reference")
    c.add_argument("--cand-person", type=int, default=None, help="person id in the candidate")
    c.add_argument("--mirror", action="store_true", help="also try the candidate's mirror image")
    c.add_argument(
        "--band", type=float, default=DEFAULT_BAND, help="DTW band, share of the longer clip"
    )
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--video", metavar="OUT.mp4", help="side-by-side video (two whole clips)")
    c.add_argument("--report", metavar="OUT.pdf", help="one-page A4 report (PDF and PNG)")
    c.add_argument(
        "--save-routine", metavar="NAME", help="keep the reference clip in the library as NAME"
    )
    add_settings_arguments(c)
    c.set_defaults(func=_compare)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pose_core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _analyze_parser(sub)
    _compare_parser(sub)
    add_batch_parser(sub, add_settings_arguments, settings_from_args)
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
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        if paths.native_logs():
            return int(func(args))
        with _native_logs_silenced():
            return int(func(args))
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
