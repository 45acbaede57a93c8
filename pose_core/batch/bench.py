"""Batch throughput: ``python -m pose_core.batch.bench [--workers 1 2] [--ray] [--video]``.

Runs the sample clips as one batch into a fresh folder for each worker count (and on a
local Ray instance), and prints clips/hour and frames/s, start-up of the workers
included (it is part of what a user waits for).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pose_core import paths
from pose_core.batch.inputs import collect
from pose_core.batch.runner import BatchReport, run_batch
from pose_core.media import ClipReader
from pose_core.settings import Settings

CLIPS = ("cam01.mp4", "cam02.mp4", "cam03.mp4", "cam04.mp4", "two_people.mp4")


def _line(name: str, report: BatchReport) -> str:
    clips = report.count("analysed")
    frames = report.frames_analysed
    return (
        f"{name:14} {clips:5d} {frames:6d} {report.seconds:8.1f} "
        f"{clips / report.seconds * 3600:10.0f} {frames / report.seconds:8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ray", action="store_true", help="also on a local Ray instance")
    parser.add_argument("--video", action="store_true", help="also draw the annotated clips")
    parser.add_argument("--repeat", type=int, default=2, help="each sample clip this often")
    args = parser.parse_args()
    files = [str(paths.samples_dir() / n) for n in CLIPS] * args.repeat
    inputs = collect(files)
    with ClipReader(files[0]) as reader:
        size = reader.info.size_wh
    print(f"{len(inputs)} clips (the 5 samples x {args.repeat}, first {size[0]}x{size[1]}), "
          f"video={args.video}")  # fmt: skip
    print(
        f"{'run':14} {'clips':>5} {'frames':>6} {'seconds':>8} {'clips/hour':>10} {'frames/s':>8}"
    )
    runs = [(f"{w} worker{'s' * (w > 1)}", w, False) for w in args.workers]
    runs += [("Ray, 2 CPUs", 2, True)] if args.ray else []
    for name, workers, ray in runs:
        with tempfile.TemporaryDirectory() as out:
            report = run_batch(
                inputs, Path(out), Settings(), video=args.video, workers=workers, use_ray=ray
            )
            print(_line(name, report), flush=True)


if __name__ == "__main__":
    main()
