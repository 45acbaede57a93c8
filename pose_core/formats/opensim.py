"""OpenSim's text files: TRC marker trajectories and MOT (storage) angle tables.

TRC: the tab-separated header OpenSim's ``TRCFileAdapter`` reads (``PathFileType``, the
rate/frames/markers/units line, marker names over ``X1 Y1 Z1 ...``, a blank line), then one
row per frame: ``Frame#`` from 1, ``Time`` from the stream, three columns per marker,
empty where the person was not found. Markers are image coordinates: X to the right,
Y up from the frame's bottom edge, Z = 0 (one camera measures no depth), in metres with
a scale, else in pixels (``Units`` says ``px``, and the file's first line notes it).

MOT: OpenSim's storage header (name, ``version=1``, ``nRows``, ``nColumns``,
``inDegrees=yes``, ``endheader``), then ``time`` and one column per angle: the image
plane values under their names and the 3D ones with a ``_3d`` suffix; NaN where missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pose_core.kinematics import Angles
from pose_core.landmarks import LANDMARK_NAMES
from pose_core.poses import PoseSequence
from pose_core.scale import Scale

NUMBER = "%.6f"


def marker_xyz(seq: PoseSequence, person: int, scale: Scale | None) -> np.ndarray:
    """(F, 33, 3) TRC markers of one person: x right, y up from the bottom edge, z = 0;
    metres with a ``scale``, else pixels; NaN where missing."""
    xy = seq.xy_px[:, person].astype(np.float64)
    out = np.zeros(xy.shape[:2] + (3,))
    out[..., 0] = xy[..., 0]
    out[..., 1] = seq.size_wh[1] - xy[..., 1]
    out[np.isnan(xy[..., 0])] = np.nan
    return out * (scale.metres_per_px if scale is not None else 1.0)


def _cells(values: np.ndarray) -> list[str]:
    return ["NaN" if not np.isfinite(v) else NUMBER % v for v in values]


def trc_text(seq: PoseSequence, person: int, scale: Scale | None, name: str) -> str:
    """The TRC file of one person's 33 landmarks (see the module docstring)."""
    frames, markers = seq.num_frames, len(LANDMARK_NAMES)
    rate = f"{seq.fps:.6f}" if seq.fps else "0"
    units = "m" if scale is not None else "px"
    note = "" if scale is not None else "\tpixels: no --height given, Y up from the bottom edge"
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{name}{note}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
        "OrigDataStartFrame\tOrigNumFrames",
        f"{rate}\t{rate}\t{frames}\t{markers}\t{units}\t{rate}\t1\t{frames}",
        "Frame#\tTime\t" + "\t\t\t".join(LANDMARK_NAMES) + "\t\t",
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, markers + 1)),
        "",
    ]
    xyz = marker_xyz(seq, person, scale).reshape(frames, -1)
    for f in range(frames):
        lines.append("\t".join([str(f + 1), NUMBER % seq.times_s[f], *_cells(xyz[f])]))
    return "\n".join(lines) + "\n"


def mot_text(angles: Angles, person: int, name: str) -> str:
    """The MOT (OpenSim storage) file of one person's angles, in degrees."""
    columns = ["time", *angles.names, *(f"{n}_3d" for n in angles.names)]
    values = np.concatenate(
        [angles.times_s[:, None], angles.deg[:, person], angles.deg_3d[:, person]], axis=1
    )
    lines = [
        name,
        "version=1",
        f"nRows={len(values)}",
        f"nColumns={len(columns)}",
        "inDegrees=yes",
        "endheader",
        "\t".join(columns),
    ]
    lines += ["\t".join(NUMBER % v if np.isfinite(v) else "NaN" for v in row) for row in values]
    return "\n".join(lines) + "\n"


def write_trc(path: Path, seq: PoseSequence, person: int, scale: Scale | None) -> None:
    path.write_text(trc_text(seq, person, scale, path.name))


def write_mot(path: Path, angles: Angles, person: int) -> None:
    path.write_text(mot_text(angles, person, path.stem))
