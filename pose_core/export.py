"""Every file PoseLab writes about an analysis: landmark, angles and kinematics tables
(CSV, Parquet), OpenSim's TRC and MOT (:mod:`pose_core.formats`), the report JSON.

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

from pose_core.formats.opensim import write_mot, write_trc
from pose_core.kinematics import Angles, landmark_speeds
from pose_core.landmarks import LANDMARK_NAMES, NUM_LANDMARKS
from pose_core.poses import PoseSequence
from pose_core.scale import Scale

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
    "acceleration_deg_s2",
    "velocity_3d_deg_s",
    "acceleration_3d_deg_s2",
    "filled",
)
KINEMATICS_COLUMNS: tuple[str, ...] = (
    "frame",
    "time_s",
    "person",
    "landmark_id",
    "landmark",
    "x_m",
    "y_m",
    "speed_px_s",
    "acceleration_px_s2",
    "speed_m_s",
    "acceleration_m_s2",
    "filled",
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


def _filled(filled: np.ndarray | None, detected: np.ndarray) -> np.ndarray:
    return np.zeros(detected.shape, bool) if filled is None else filled


def angles_table(
    angles: Angles, detected: np.ndarray, filled: np.ndarray | None = None
) -> pd.DataFrame:
    """Tidy table with ANGLE_COLUMNS; rows where ``detected`` (F, P) is True.

    ``filled`` (F, P) marks frames interpolated over a gap (``PoseSequence.filled``):
    the ``filled`` column is 1 there, 0 where the landmarks were measured.
    """
    a = len(angles.names)
    fi, pi = np.nonzero(detected)
    rows = np.repeat(np.arange(len(fi)), a)
    ai = np.tile(np.arange(a), len(fi))
    fr, pr = fi[rows], pi[rows]

    def col(values: np.ndarray) -> np.ndarray:
        return np.asarray(values[fr, pr, ai], dtype=np.float64)

    return pd.DataFrame(
        {
            "frame": fr.astype(np.int64),
            "time_s": angles.times_s[fr].astype(np.float64),
            "person": pr.astype(np.int64),
            "angle": np.asarray(angles.names, dtype=object)[ai],
            "value_deg": col(angles.deg),
            "value_3d_deg": col(angles.deg_3d),
            "velocity_deg_s": col(angles.velocity),
            "acceleration_deg_s2": col(angles.acceleration),
            "velocity_3d_deg_s": col(angles.velocity_3d),
            "acceleration_3d_deg_s2": col(angles.acceleration_3d),
            "filled": _filled(filled, detected)[fr, pr].astype(np.int64),
        },
        columns=list(ANGLE_COLUMNS),
    )


def kinematics_table(seq: PoseSequence, scale: Scale | None = None) -> pd.DataFrame:
    """Tidy table with KINEMATICS_COLUMNS, one row per frame x detected person x
    landmark, as the landmark CSV: speed and acceleration magnitudes in the image
    plane over the true frame times, and with a ``scale`` the image coordinates and
    rates in metres (``x_m``, ``y_m`` as ``x_px``, ``y_px``: from the top left, y down;
    NaN without a scale); ``filled`` as in :func:`angles_table`."""
    f_idx, p_idx = np.nonzero(seq.detected)
    rows = np.repeat(np.arange(len(f_idx)), NUM_LANDMARKS)
    lm = np.tile(np.arange(NUM_LANDMARKS), len(f_idx))
    fi, pi = f_idx[rows], p_idx[rows]
    xy = seq.xy_px.astype(np.float64)
    speed, accel = landmark_speeds(xy, seq.times_s.astype(np.float64))
    m = scale.metres_per_px if scale is not None else np.nan
    return pd.DataFrame(
        {
            "frame": fi.astype(np.int64),
            "time_s": seq.times_s[fi].astype(np.float64),
            "person": pi.astype(np.int64),
            "landmark_id": lm.astype(np.int64),
            "landmark": np.asarray(LANDMARK_NAMES, dtype=object)[lm],
            "x_m": xy[fi, pi, lm, 0] * m,
            "y_m": xy[fi, pi, lm, 1] * m,
            "speed_px_s": speed[fi, pi, lm],
            "acceleration_px_s2": accel[fi, pi, lm],
            "speed_m_s": speed[fi, pi, lm] * m,
            "acceleration_m_s2": accel[fi, pi, lm] * m,
            "filled": _filled(seq.filled, seq.detected)[fi, pi].astype(np.int64),
        },
        columns=list(KINEMATICS_COLUMNS),
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
        "scale": scale.as_dict() if (scale := result.scale) is not None else None,
        "filled_frames": [
            int(n) for n in _filled(result.poses.filled, result.poses.detected).sum(axis=0)
        ],
        "angles": list(result.angles.names),
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


FORMATS: dict[str, str] = {
    "csv": "landmark, angles and kinematics CSVs",
    "raw": "the model's landmarks before any filter, as a landmark CSV",
    "trc": "OpenSim marker file per person",
    "mot": "OpenSim angles (storage) file per person",
    "parquet": "the three tables as Parquet, typed columns",
}
"""What ``--formats`` can ask for; the report JSON is always written."""


def parse_formats(text: str) -> tuple[str, ...]:
    """``"csv,trc"`` -> ``("csv", "trc")``.

    Raises:
        ValueError: an unknown or no format.
    """
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise ValueError(
            f"unknown format {', '.join(unknown) or repr(text)}: choose from {', '.join(FORMATS)}"
        )
    return names


def save(
    result: Analysis, out_dir: str | Path, stem: str, formats: tuple[str, ...] = ("csv",)
) -> dict[str, Path]:
    """Write ``<stem>.json`` and the files of ``formats`` (see FORMATS) into ``out_dir``:
    ``<stem>.csv``, ``.angles.csv``, ``.kinematics.csv``; ``.raw.csv``; ``.p<N>.trc`` and
    ``.p<N>.mot`` per person; ``.parquet``, ``.angles.parquet``, ``.kinematics.parquet``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "landmarks": (landmarks_table(result.poses), ""),
        "angles": (result.angles_table(), ".angles"),
        "kinematics": (result.kinematics_table(), ".kinematics"),
    }
    paths: dict[str, Path] = {}
    for key, (table, suffix) in tables.items():
        if "csv" in formats:
            paths[key] = out / f"{stem}{suffix}.csv"
            write_csv(table, paths[key])
        if "parquet" in formats:
            paths[f"{key}_parquet"] = out / f"{stem}{suffix}.parquet"
            table.to_parquet(paths[f"{key}_parquet"], index=False)
    if "raw" in formats:
        paths["raw"] = out / f"{stem}.raw.csv"
        write_csv(landmarks_table(result.raw), paths["raw"])
    scale = result.scale
    for p in np.flatnonzero(result.poses.detected.any(axis=0)):
        if "trc" in formats:
            paths[f"trc_{p}"] = out / f"{stem}.p{p}.trc"
            write_trc(paths[f"trc_{p}"], result.poses, int(p), scale)
        if "mot" in formats:
            paths[f"mot_{p}"] = out / f"{stem}.p{p}.mot"
            write_mot(paths[f"mot_{p}"], result.angles, int(p))
    paths["report"] = out / f"{stem}.json"
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
