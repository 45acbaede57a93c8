"""A batch's dataset: ``summary.csv`` (one row per input), ``landmarks.parquet``,
``angles.parquet`` and ``kinematics.parquet`` (every input's tidy table with a ``source``
column), a zip of the CSVs, and the range-of-motion figure across clips. No Streamlit here.

The Parquet tables are read from the per-input CSVs the batch wrote, so the dataset's
rows are exactly those files' rows, whichever run or machine analysed each input.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

from pose_core.export import write_csv
from pose_core.landmarks import ANGLE_NAMES

if TYPE_CHECKING:
    from pose_core.analysis import Analysis

SUMMARY = "summary.csv"
LANDMARKS = "landmarks.parquet"
ANGLES = "angles.parquet"
KINEMATICS = "kinematics.parquet"
TABLES: dict[str, str] = {"landmarks": LANDMARKS, "angles": ANGLES, "kinematics": KINEMATICS}
"""Output key of each input's CSV -> the Parquet table of the batch that holds its rows."""
ROM_PREFIX = "rom_"
SUMMARY_COLUMNS: tuple[str, ...] = (
    "source",
    "kind",
    "status",
    "error",
    "frames",
    "duration_s",
    "fps",
    "people",
    "detection_rate",
    *(f"{ROM_PREFIX}{name}_deg" for name in ANGLE_NAMES),
    "seconds",
)
"""``status`` is ``analysed``, ``skipped`` (done by an earlier run), ``failed`` or
``interrupted`` (the run stopped first);
``rom_<angle>_deg`` is person 0's range of motion in degrees (image plane);
``seconds`` is how long the analysis took when it ran."""


def _finite(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def summary_row(result: Analysis) -> dict[str, Any]:
    """What ``summary.csv`` says about one analysed input (without source and status)."""
    poses = result.poses
    row: dict[str, Any] = {
        "kind": result.kind,
        "frames": poses.num_frames,
        "duration_s": _finite(poses.times_s[-1] - poses.times_s[0], 6) if poses.num_frames else 0,
        "fps": _finite(poses.fps, 3),
        "people": poses.num_people,
        "detection_rate": _finite(poses.detection_rate(), 4),
    }
    ranges: dict[str, float] = {}
    if poses.num_people:
        rom = result.angles.range_of_motion(0)
        ranges = dict(zip(rom["angle"], rom["range_deg"].astype(float), strict=True))
    for name in ANGLE_NAMES:  # the joints; segment angles stay in the angles table
        row[f"{ROM_PREFIX}{name}_deg"] = _finite(ranges.get(name, math.nan), 2)
    return row


def summary_table(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Rows in input order, with exactly SUMMARY_COLUMNS."""
    table = pd.DataFrame(list(rows), columns=list(SUMMARY_COLUMNS))
    for col in ("frames", "people"):
        table[col] = table[col].astype("Int64")
    return table


def _tables(out_dir: Path, sources: list[tuple[str, str]]) -> Iterable[pd.DataFrame]:
    for rel, csv in sources:
        table = pd.read_csv(out_dir / csv)
        table.insert(0, "source", rel)
        yield table


def write_dataset(out_dir: Path, rows: list[dict[str, Any]]) -> dict[str, Path]:
    """Write ``summary.csv`` and the Parquet tables (TABLES) of the inputs that have outputs.

    Each row's ``outputs`` (paths relative to ``out_dir``) name its CSVs; the ``source``
    column is the input's relative path.
    """
    written = {"summary": out_dir / SUMMARY}
    write_csv(summary_table(rows), written["summary"])
    for key, name in TABLES.items():
        sources = [(r["source"], r["outputs"][key]) for r in rows if key in r.get("outputs", {})]
        frames = list(_tables(out_dir, sources))
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        written[key] = out_dir / name
        table.to_parquet(written[key], index=False)
    return written


def csv_zip(out_dir: Path, rows: list[dict[str, Any]]) -> bytes:
    """``summary.csv`` and every input's CSVs, under their relative paths, as a zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(out_dir / SUMMARY, SUMMARY)
        for row in rows:
            for key in TABLES:
                name = (row.get("outputs") or {}).get(key)
                if name:
                    zf.write(out_dir / name, name)
    return buf.getvalue()


def rom_long(summary: pd.DataFrame) -> pd.DataFrame:
    """Range of motion per clip (photos left out) and joint: ``source, joint, range_deg``."""
    cols = [c for c in summary.columns if c.startswith(ROM_PREFIX)]
    ok = summary[summary["status"].isin(["analysed", "skipped"]) & (summary["kind"] == "clip")]
    long = ok.melt(id_vars=["source"], value_vars=cols, var_name="joint", value_name="range_deg")
    long["joint"] = long["joint"].str.removeprefix(ROM_PREFIX).str.removesuffix("_deg")
    return long.dropna(subset=["range_deg"])


def rom_figure(summary: pd.DataFrame, joints: Iterable[str] = ANGLE_NAMES) -> go.Figure:
    """Grouped bars: per joint, one bar per clip, its range of motion in degrees."""
    order = {name: i for i, name in enumerate(joints)}  # bars in the order asked for
    long = rom_long(summary)
    long = long[long["joint"].isin(list(order))]
    long = long.sort_values("joint", key=lambda col: col.map(order), kind="stable")
    fig = go.Figure()
    for source, part in long.groupby("source", sort=False):
        fig.add_bar(x=part["joint"].tolist(), y=part["range_deg"].tolist(), name=str(source))
    fig.update_layout(
        barmode="group",
        yaxis_title="range of motion (degrees, person 0)",
        legend_title="clip",
        showlegend=True,  # also for a single clip: the legend names it
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=420,
    )
    return fig
