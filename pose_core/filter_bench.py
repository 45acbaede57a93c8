"""What each filter does to the sample clips: ``python -m pose_core.filter_bench``.

Per filter, on the body landmarks (``BODY``) of every person in pixels, against the
model's raw landmarks: jitter (mean absolute second difference, relative to raw), mean
displacement from raw, lag (the shift in frames, within ±5, that best matches the
filtered curves to the raw ones: + = behind), and the time to recompute. Prints a
Markdown table (the README's).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from pose_core.analysis import analyze_path, with_settings
from pose_core.landmarks import BODY
from pose_core.settings import Settings

CASES: tuple[tuple[str, dict[str, object]], ...] = (
    ("none", {"filter": "none"}),
    ("One Euro (default: 1 Hz, β 10)", {"filter": "one_euro"}),
    ("Butterworth 6 Hz", {"filter": "butterworth", "cutoff_hz": 6.0}),
    ("Butterworth 3 Hz", {"filter": "butterworth", "cutoff_hz": 3.0}),
    ("Savitzky-Golay 0.2 s", {"filter": "savgol", "window_s": 0.2}),
    ("median 0.2 s", {"filter": "median", "window_s": 0.2}),
    ("Hampel + Butterworth 6 Hz", {"filter": "butterworth", "hampel": True}),
)
MAX_LAG = 5


def _lag(raw: np.ndarray, out: np.ndarray) -> int:
    """Frames ``out`` trails ``raw`` by: the shift with the smallest mean difference."""
    errors = {}
    for k in range(-MAX_LAG, MAX_LAG + 1):
        a = raw[max(0, -k) : len(raw) - max(0, k)]
        b = out[max(0, k) : len(out) - max(0, -k)]
        errors[k] = float(np.nanmean(np.abs(a - b)))
    return min(errors, key=errors.__getitem__)


def measure(clip: Path, max_people: int) -> list[str]:
    base = analyze_path(clip, Settings(max_people=max_people, filter="none"))
    raw = base.raw.xy_px[:, :, list(BODY)].astype(np.float64)
    raw_jitter = np.nanmean(np.abs(np.diff(raw, n=2, axis=0)))
    rows = []
    for label, fields in CASES:
        t0 = time.perf_counter()
        result = with_settings(base, replace(base.settings, **fields))  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        out = result.poses.xy_px[:, :, list(BODY)].astype(np.float64)
        measured = ~np.isnan(raw)
        jitter = np.nanmean(np.abs(np.diff(out, n=2, axis=0))) / raw_jitter
        moved = np.linalg.norm(out - raw, axis=-1)[measured[..., 0]].mean()
        rows.append(
            f"| {clip.name} | {label} | {jitter:.2f}x | {moved:.1f} px | "
            f"{_lag(raw, out):+d} | {seconds * 1000:.0f} ms |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pose_core.filter_bench")
    parser.add_argument("--samples", default="sample_media", help="the sample media folder")
    args = parser.parse_args(argv)
    print("| clip | filter | jitter vs raw | mean displacement | lag (frames) | recompute |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, people in (("cam01.mp4", 1), ("two_people.mp4", 2)):
        for row in measure(Path(args.samples) / name, people):
            print(row)


if __name__ == "__main__":
    main()
