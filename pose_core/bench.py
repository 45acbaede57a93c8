"""Benchmark: ``python -m pose_core.bench [--clip PATH] [--max-people N]``.

Runs, in one process on one clip, and prints frames/s, ratios and peak memory of:

1. raw inference: MediaPipe VIDEO mode on frames decoded beforehand (no I/O, no drawing);
2. the naive pipeline of the seed design: OpenCV decoding, IMAGE-mode detection on every
   frame, OpenCV drawing, ``mp4v`` writing;
3. pose_core's full ``analyze``: decode, landmarks, tracking, smoothing, angles,
   annotated H.264 and both CSVs.

Then it runs ``analyze`` on the clip looped four times to show that memory does not grow
with clip length.
"""

from __future__ import annotations

import argparse
import os
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
from pose_core.drawing import draw_skeletons
from pose_core.engine import Landmarker
from pose_core.media import ClipReader, ClipWriter
from pose_core.model import resolve_model
from pose_core.settings import Settings

DEFAULT_CLIP = paths.samples_dir() / "two_people.mp4"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pose_core.bench", description=__doc__)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--max-people", type=int, default=1)
    args = parser.parse_args(argv)
    settings = Settings(max_people=args.max_people)
    with tempfile.TemporaryDirectory(prefix="poselab-bench-") as tmp:
        results = bench(args.clip, settings, Path(tmp))
    info: dict[str, Any] = {
        "clip": args.clip.name,
        "max_people": args.max_people,
        "cpus": os.cpu_count(),
    }
    print(" ".join(f"{k}={v}" for k, v in info.items()))
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
