"""Benchmark: ``python -m pose_core.bench [--clip PATH] [--max-people N]``.

Runs, in one process on one clip, and prints frames/s, ratios and peak memory of:

1. raw inference: MediaPipe VIDEO mode on frames decoded beforehand (no I/O, no drawing);
2. the naive pipeline of the seed design: OpenCV decoding, IMAGE-mode detection on every
   frame, OpenCV drawing, ``mp4v`` writing;
3. pose_core's full ``analyze``: decode, landmarks, tracking, smoothing, angles,
   annotated H.264 and both CSVs.

Then it runs ``analyze`` on the clip looped four times to show that memory does not grow
with clip length.

Engine rows (``--engines``, or alone with ``--engines-only``) compare bare inference of
MediaPipe's Tasks API (VIDEO mode) with our own BlazePose engine on frames decoded
beforehand: one person (cam01.mp4) and two people (two_people.mp4), each also asking
for up to 5 people. Every row runs in a fresh process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pose_core import export, paths
from pose_core.analysis import analyze_clip
from pose_core.blazepose import BlazePoseEngine
from pose_core.drawing import draw_skeletons
from pose_core.media import ClipReader, ClipWriter
from pose_core.mediapipe_tasks import Landmarker
from pose_core.model import resolve_model
from pose_core.settings import Settings

DEFAULT_SAMPLES = paths.samples_dir()
DEFAULT_CLIP = DEFAULT_SAMPLES / "two_people.mp4"
# (label, clip, max_people) of the engine rows.
ENGINE_ROWS = (
    ("one person", "cam01.mp4", 1),
    ("one person, max 5", "cam01.mp4", 5),
    ("two people, max 2", "two_people.mp4", 2),
    ("two people, max 5", "two_people.mp4", 5),
)
ENGINES = ("tasks", "ours")


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _measure(fn: Callable[[], int]) -> dict[str, float]:
    """Run ``fn`` (returns frames processed); wall time and peak RSS sampled every 10 ms."""
    peak = [_rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], _rss_mb())

    t = threading.Thread(target=sample, daemon=True)
    start_rss = _rss_mb()
    t.start()
    t0 = time.perf_counter()
    frames = fn()
    elapsed = time.perf_counter() - t0
    done.set()
    t.join()
    return {
        "frames": frames,
        "seconds": elapsed,
        "fps": frames / elapsed,
        "peak_rss_mb": max(peak[0], _rss_mb()),
        "rss_growth_mb": max(peak[0], _rss_mb()) - start_rss,
    }


def bench(clip: Path, settings: Settings, workdir: Path) -> dict[str, dict[str, float]]:
    model = resolve_model(settings.model_path)
    results: dict[str, dict[str, float]] = {}

    def raw(frames: list[tuple[np.ndarray, float]]) -> int:
        with Landmarker(model, settings, video=True) as lm:
            for rgb, t in frames:
                lm.detect(rgb, t)
        return len(frames)

    with ClipReader(clip) as reader:
        decoded = [(f.rgb, f.time_s) for f in reader]
    raw(decoded[:10])  # warm-up: the first runs in a process pay one-off set-up costs
    results["raw inference"] = _measure(lambda: raw(decoded))
    decoded.clear()  # free the frames before the next stage

    def naive() -> int:
        cap = cv2.VideoCapture(str(clip))
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        out = cv2.VideoWriter(
            str(workdir / "naive.mp4"), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h)
        )
        n = 0
        with Landmarker(model, settings, video=False) as lm:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                det = lm.detect(rgb)
                drawn = draw_skeletons(rgb, det.xyz[..., :2] * (w, h), det.visibility)
                out.write(cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR))
                n += 1
        cap.release()
        out.release()
        return n

    results["naive pipeline"] = _measure(naive)

    def full(path: Path = clip, tag: str = "full") -> int:
        result = analyze_clip(path, settings, model, workdir / f"{tag}.annotated.mp4")
        export.save(result, workdir / tag, tag)
        return result.poses.num_frames

    results["pose_core analyze"] = _measure(full)

    looped = workdir / "looped.mp4"
    with ClipReader(clip) as reader:
        info = reader.info
        span = info.duration_s or reader.info.frames / (info.fps or 30)
    with ClipWriter(looped, info.size_wh, info.fps) as out:
        for k in range(4):
            with ClipReader(clip) as reader:
                for f in reader:
                    out.write(f.rgb, k * (span + 1.0 / (info.fps or 30)) + f.time_s)
    results["analyze, clip x4"] = _measure(lambda: full(looped, "looped"))
    return results


def report(results: dict[str, dict[str, float]]) -> str:
    raw = results["raw inference"]["fps"]
    naive = results["naive pipeline"]["fps"]
    lines = [
        f"{'stage':22} {'frames':>6} {'seconds':>8} {'frames/s':>9} {'x raw':>6} {'x naive':>8} "
        f"{'peak RSS MB':>12}",
    ]
    for name, r in results.items():
        lines.append(
            f"{name:22} {r['frames']:6d} {r['seconds']:8.2f} {r['fps']:9.1f} "
            f"{r['fps'] / raw:6.2f} {r['fps'] / naive:8.2f} {r['peak_rss_mb']:12.0f}"
        )
    full, looped = results["pose_core analyze"], results["analyze, clip x4"]
    lines.append(
        f"memory: analyze grew RSS by {full['rss_growth_mb']:.0f} MB on the clip and "
        f"{looped['rss_growth_mb']:.0f} MB on the clip x4 "
        f"({looped['frames'] / full['frames']:.1f}x the frames)"
    )
    return "\n".join(lines)


def engine_row(engine: str, clip: Path, max_people: int) -> dict[str, float]:
    """One engine on one clip (frames decoded first, 10 warm-up frames on a throwaway
    engine): frames, seconds, people found per frame and peak RSS."""
    model = resolve_model()
    settings = Settings(max_people=max_people)
    make = Landmarker if engine == "tasks" else BlazePoseEngine
    with ClipReader(clip) as reader:
        decoded = [(f.rgb, f.time_s) for f in reader]
    with make(model, settings, video=True) as warm:
        for rgb, t in decoded[:10]:
            warm.detect(rgb, t)
    found = [0]

    def run() -> int:
        with make(model, settings, video=True) as lm:
            found[0] = sum(len(lm.detect(rgb, t)) for rgb, t in decoded)
        return len(decoded)

    result = _measure(run)
    result["people"] = found[0] / len(decoded)
    return result


def bench_engines(samples: Path) -> list[dict[str, Any]]:
    """Every engine row, each in a fresh process."""
    rows = []
    for label, clip, max_people in ENGINE_ROWS:
        for engine in ENGINES:
            spec = json.dumps([engine, str(samples / clip), max_people])
            out = subprocess.run(
                [sys.executable, "-m", "pose_core.bench", "--engine-row", spec],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            rows.append({"label": label, "engine": engine, **result})
    return rows


def engine_report(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'engine row':20} {'engine':6} {'frames/s':>8} {'ms/frame':>8} {'people':>6} "
        f"{'ms/person':>9} {'x tasks':>7} {'peak RSS MB':>11}"
    ]
    tasks = {r["label"]: r["fps"] for r in rows if r["engine"] == "tasks"}
    for r in rows:
        ms = 1000.0 / r["fps"]
        per = ms / r["people"] if r["people"] else float("nan")
        lines.append(
            f"{r['label']:20} {r['engine']:6} {r['fps']:8.1f} {ms:8.1f} {r['people']:6.2f} "
            f"{per:9.1f} {r['fps'] / tasks[r['label']]:7.2f} {r['peak_rss_mb']:11.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pose_core.bench", description=__doc__)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--max-people", type=int, default=1)
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--engines", action="store_true", help="add the engine rows")
    parser.add_argument("--engines-only", action="store_true", help="only the engine rows")
    parser.add_argument("--engine-row", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_row:
        engine, clip, max_people = json.loads(args.engine_row)
        print(json.dumps(engine_row(engine, Path(clip), max_people)))
        return 0
    info: dict[str, Any] = {"cpus": os.cpu_count()}
    if not args.engines_only:
        settings = Settings(max_people=args.max_people)
        with tempfile.TemporaryDirectory(prefix="poselab-bench-") as tmp:
            results = bench(args.clip, settings, Path(tmp))
        info.update(clip=args.clip.name, max_people=args.max_people)
        print(" ".join(f"{k}={v}" for k, v in info.items()))
        print(report(results))
    if args.engines or args.engines_only:
        print(engine_report(bench_engines(args.samples)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
