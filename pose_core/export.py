"""Every file PoseLab writes about an analysis: landmark CSV, angles CSV, report JSON.

The CLI and every download button in the app call these, so a file is the same whichever
wrote it. Column lists and number formats are set here and nowhere else; the landmark
CSV plus its report JSON read back into the same arrays (:func:`read_landmarks`).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pose_core.kinematics import Angles
from pose_core.landmarks import LANDMARK_NAMES, NUM_LANDMARKS
from pose_core.poses import PoseSequence

if TYPE_CHECKING:
    from pose_core.analysis import Analysis

LANDMARK_COLUMNS: tuple[str, ...] = (
    "frame",
    "time_s",
    "person",
    "landmark_id",
    "landmark",
    "x",
    "y",
    "z",
    "visibility",
    "presence",
    "x_px",
    "y_px",
    "world_x",
    "world_y",
    "world_z",
)
ANGLE_COLUMNS: tuple[str, ...] = (
    "frame",
    "time_s",
    "person",
    "angle",
    "value_deg",
    "value_3d_deg",
    "velocity_deg_s",
)
FLOAT_FORMAT = "%.7g"
"""Measured values: 7 significant digits, all that float32 landmarks hold."""
TIME_DECIMALS = 6
"""Times in seconds to the microsecond, however long the clip."""


def landmarks_table(seq: PoseSequence) -> pd.DataFrame:
    """Tidy table, one row per frame x detected person x landmark (LANDMARK_COLUMNS)."""
    f_idx, p_idx = np.nonzero(seq.detected)
    rows = np.repeat(np.arange(len(f_idx)), NUM_LANDMARKS)
    lm = np.tile(np.arange(NUM_LANDMARKS), len(f_idx))
    fi, pi = f_idx[rows], p_idx[rows]
    xyz = seq.xyz[fi, pi, lm].astype(np.float64)
    world = seq.world[fi, pi, lm].astype(np.float64)
    w, h = seq.size_wh
    return pd.DataFrame(
        {
            "frame": fi.astype(np.int64),
            "time_s": seq.times_s[fi].astype(np.float64),
            "person": pi.astype(np.int64),
            "landmark_id": lm.astype(np.int64),
            "landmark": np.asarray(LANDMARK_NAMES, dtype=object)[lm],
            "x": xyz[:, 0],
            "y": xyz[:, 1],
            "z": xyz[:, 2],
            "visibility": seq.visibility[fi, pi, lm].astype(np.float64),
            "presence": seq.presence[fi, pi, lm].astype(np.float64),
            "x_px": xyz[:, 0] * w,
            "y_px": xyz[:, 1] * h,
            "world_x": world[:, 0],
            "world_y": world[:, 1],
            "world_z": world[:, 2],
        },
        columns=list(LANDMARK_COLUMNS),
    )


def angles_table(angles: Angles, detected: np.ndarray) -> pd.DataFrame:
    """Tidy table with ANGLE_COLUMNS; rows where ``detected`` (F, P) is True."""
    a = len(angles.names)
    fi, pi = np.nonzero(detected)
    rows = np.repeat(np.arange(len(fi)), a)
    ai = np.tile(np.arange(a), len(fi))
    fr, pr = fi[rows], pi[rows]
    return pd.DataFrame(
        {
            "frame": fr.astype(np.int64),
            "time_s": angles.times_s[fr].astype(np.float64),
            "person": pr.astype(np.int64),
            "angle": np.asarray(angles.names, dtype=object)[ai],
            "value_deg": angles.deg[fr, pr, ai].astype(np.float64),
            "value_3d_deg": angles.deg_3d[fr, pr, ai].astype(np.float64),
            "velocity_deg_s": angles.velocity[fr, pr, ai].astype(np.float64),
        },
        columns=list(ANGLE_COLUMNS),
    )


def write_csv(table: pd.DataFrame, target: str | Path | IO[str]) -> None:
    """Write a table with PoseLab's number formats (times to the microsecond)."""
    out = table
    times = [c for c in out.columns if c.endswith("time_s")]
    if times:
        out = out.copy()
        for c in times:
            out[c] = np.char.mod(f"%.{TIME_DECIMALS}f", out[c].to_numpy(dtype=np.float64))
    out.to_csv(target, index=False, float_format=FLOAT_FORMAT)


def csv_text(table: pd.DataFrame) -> str:
    """:func:`write_csv` into a string (for a download button)."""
    buf = io.StringIO()
    write_csv(table, buf)
    return buf.getvalue()


def _num(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def sequence_summary(seq: PoseSequence) -> dict[str, Any]:
    """What the report says about the media and who was found, with the frame times."""
    w, h = seq.size_wh
    return {
        "source": seq.source,
        "frames": seq.num_frames,
        "fps": round(seq.fps, 6),
        "duration_s": float(seq.times_s[-1] - seq.times_s[0]) if seq.num_frames else 0.0,
        "width": w,
        "height": h,
        "people": seq.num_people,
        "frames_per_person": [int(n) for n in seq.detected.sum(axis=0)],
        "detection_rate": round(seq.detection_rate(), 4),
        "history": list(seq.history),
        "times_s": [round(float(t), TIME_DECIMALS) for t in seq.times_s],
    }


def report(result: Analysis) -> dict[str, Any]:
    """The report JSON of an analysis: media, people, settings, motion, timings."""
    motion = {
        str(p): [
            {k: (_num(v, 2) if isinstance(v, float) else v) for k, v in row.items()}
            for row in result.angles.range_of_motion(p).to_dict(orient="records")
        ]
        for p in range(result.poses.num_people)
    }
    summary = sequence_summary(result.poses)
    times = summary.pop("times_s")
    return summary | {
        "kind": result.kind,
        "model": result.model,
        "settings": result.settings.as_dict(),
        "left_right_swaps_fixed": result.swaps_fixed,
        "frames_lost": result.frames_lost,
        "warnings": list(result.warnings),
        "range_of_motion": motion,
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "times_s": times,
    }


def json_text(doc: dict[str, Any]) -> str:
    """A report as indented JSON text; non-finite numbers become null."""
    return json.dumps(_finite(doc), indent=2)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def save(result: Analysis, out_dir: str | Path, stem: str) -> dict[str, Path]:
    """Write ``<stem>.csv``, ``<stem>.angles.csv`` and ``<stem>.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "landmarks": out / f"{stem}.csv",
        "angles": out / f"{stem}.angles.csv",
        "report": out / f"{stem}.json",
    }
    write_csv(landmarks_table(result.poses), paths["landmarks"])
    write_csv(angles_table(result.angles, result.poses.detected), paths["angles"])
    paths["report"].write_text(json_text(report(result)))
    return paths


def read_landmarks(path: str | Path, report_path: str | Path | None = None) -> PoseSequence:
    """Read a landmark CSV back into a PoseSequence.

    With its report JSON (``report_path``, or ``<stem>.json`` beside the CSV when it
    exists) the frame count, frame times, fps and size come back exactly, frames with
    nobody included; without it they are rebuilt from the rows that exist.

    Raises:
        ValueError: the CSV lacks landmark columns.
    """
    path = Path(path)
    df = pd.read_csv(path)
    missing = [c for c in LANDMARK_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}: landmark table lacks columns {missing}")
    sidecar = Path(report_path) if report_path else path.with_suffix(".json")
    meta = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    f, p, lm = (df[c].to_numpy(dtype=np.int64) for c in ("frame", "person", "landmark_id"))
    frames = max(int(meta.get("frames", 0)), int(f.max()) + 1 if len(f) else 0)
    people = max(int(meta.get("people", 0)), int(p.max()) + 1 if len(p) else 0)
    if "width" in meta:
        size_wh = (int(meta["width"]), int(meta["height"]))
    else:
        size_wh = (_ratio(df, "x_px", "x"), _ratio(df, "y_px", "y"))
    times = np.full(frames, np.nan)
    times[f] = df["time_s"].to_numpy(dtype=np.float64)
    if len(meta.get("times_s", [])) == frames:
        times = np.asarray(meta["times_s"], dtype=np.float64)
    seq = PoseSequence.empty(
        frames,
        people,
        size_wh,
        times_s=times,
        fps=float(meta.get("fps", 0.0)),
        source=str(meta.get("source", path.name)),
        history=list(meta.get("history", [])),
    )
    seq.xyz[f, p, lm] = df[["x", "y", "z"]].to_numpy(dtype=np.float32)
    seq.world[f, p, lm] = df[["world_x", "world_y", "world_z"]].to_numpy(dtype=np.float32)
    seq.visibility[f, p, lm] = df["visibility"].to_numpy(dtype=np.float32)
    seq.presence[f, p, lm] = df["presence"].to_numpy(dtype=np.float32)
    return seq


def _ratio(df: pd.DataFrame, px: str, norm: str) -> int:
    sel = df[norm].abs() > 1e-3
    if not sel.any():
        return 0
    return int(round(float((df.loc[sel, px] / df.loc[sel, norm]).median())))
