"""Joint angles and angular velocity, as pure functions of a PoseSequence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pose_core.landmarks import ANGLE_DEFS, LANDMARK_INDEX, AngleDef
from pose_core.sequence import PoseSequence

ANGLE_COLUMNS: tuple[str, ...] = (
    "frame",
    "time_s",
    "person",
    "angle",
    "value_deg",
    "value_3d_deg",
    "velocity_deg_s",
)


@dataclass
class Angles:
    """Joint angles of a whole analysis.

    Attributes:
        names: angle names, in ``ANGLE_DEFS`` order (A of them).
        deg: (F, P, A) angles in degrees measured in the image plane (pixels).
        deg_3d: (F, P, A) the same angles from world landmarks (camera-independent).
        velocity: (F, P, A) rate of change of ``deg`` in degrees per second.
        times_s: (F,) frame times.
    """

    names: tuple[str, ...]
    deg: np.ndarray
    deg_3d: np.ndarray
    velocity: np.ndarray
    times_s: np.ndarray

    def series(self, name: str, person: int = 0, world: bool = False) -> np.ndarray:
        """(F,) values of one angle for one person."""
        a = self.names.index(name)
        return (self.deg_3d if world else self.deg)[:, person, a]

    def to_dataframe(self, detected: np.ndarray | None = None) -> pd.DataFrame:
        """Tidy table with ANGLE_COLUMNS; rows only where the person was found."""
        f, p, a = self.deg.shape
        if detected is None:
            detected = ~np.isnan(self.deg).all(axis=-1)
        fi, pi = np.nonzero(detected)
        rows = np.repeat(np.arange(len(fi)), a)
        ai = np.tile(np.arange(a), len(fi))
        fr, pr = fi[rows], pi[rows]
        return pd.DataFrame(
            {
                "frame": fr.astype(np.int64),
                "time_s": self.times_s[fr].astype(np.float64),
                "person": pr.astype(np.int64),
                "angle": np.asarray(self.names, dtype=object)[ai],
                "value_deg": self.deg[fr, pr, ai].astype(np.float64),
                "value_3d_deg": self.deg_3d[fr, pr, ai].astype(np.float64),
                "velocity_deg_s": self.velocity[fr, pr, ai].astype(np.float64),
            },
            columns=list(ANGLE_COLUMNS),
        )

    def range_of_motion(self, person: int = 0) -> pd.DataFrame:
        """Per angle: min, max and range (degrees, image plane) for one person."""
        vals = self.deg[:, person, :]
        with np.errstate(all="ignore"):
            lo, hi = np.nanmin(vals, axis=0), np.nanmax(vals, axis=0)
        return pd.DataFrame(
            {"angle": self.names, "min_deg": lo, "max_deg": hi, "range_deg": hi - lo}
        )


def _point(coords: np.ndarray, spec: str) -> np.ndarray:
    """Coordinates (..., D) of a landmark name or a ``mid:a,b`` midpoint."""
    if spec.startswith("mid:"):
        a, b = spec[4:].split(",")
        return (coords[..., LANDMARK_INDEX[a], :] + coords[..., LANDMARK_INDEX[b], :]) / 2
    return coords[..., LANDMARK_INDEX[spec], :]


def _vertical(d: AngleDef, coords: np.ndarray, signed: bool) -> np.ndarray:
    v = _point(coords, d.a) - _point(coords, d.vertex)
    if signed:  # image plane, y down: 0 = straight up, + = leaning to the image right
        return np.degrees(np.arctan2(v[..., 0], -v[..., 1]))
    up = np.zeros(v.shape[-1])
    up[1] = -1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (v @ up) / np.linalg.norm(v, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def angle_between(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle at ``vertex`` in degrees (0..180) between rays to ``a`` and ``b``; (..., D)."""
    u, v = a - vertex, b - vertex
    nu, nv = np.linalg.norm(u, axis=-1), np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("...i,...i->...", u, v) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def unwrap_deg(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Remove ±360° jumps along ``axis``, skipping NaNs (each valid run is unwrapped)."""
    out = np.moveaxis(values.copy(), axis, 0)
    flat = out.reshape(len(out), -1)
    for col in range(flat.shape[1]):
        v = flat[:, col]
        ok = np.flatnonzero(~np.isnan(v))
        if len(ok) > 1:
            v[ok] = np.degrees(np.unwrap(np.radians(v[ok])))
    return np.moveaxis(out, 0, axis)


def _angles(coords: np.ndarray, signed_vertical: bool) -> np.ndarray:
    cols = []
    for d in ANGLE_DEFS:
        if d.b == "vertical":
            cols.append(_vertical(d, coords, signed_vertical))
        else:
            cols.append(
                angle_between(_point(coords, d.a), _point(coords, d.vertex), _point(coords, d.b))
            )
    return np.stack(cols, axis=-1)


def angular_velocity(deg: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """d(angle)/dt in degrees per second along axis 0, NaN where a neighbour is missing."""
    if len(times_s) < 2:
        return np.full_like(deg, np.nan)
    return np.gradient(deg, times_s, axis=0)


def joint_angles(seq: PoseSequence) -> Angles:
    """Every angle in ``ANGLE_DEFS`` for every frame and person, 2D and 3D."""
    px = seq.xy_px.astype(np.float64)
    deg = _angles(px, signed_vertical=True)
    deg = unwrap_deg(deg, axis=0)
    deg_3d = _angles(seq.world.astype(np.float64), signed_vertical=False)
    times = seq.times_s.astype(np.float64)
    if len(times) > 1 and np.all(np.diff(times) > 0):
        vel = angular_velocity(deg, times)
    else:
        vel = np.full_like(deg, np.nan)
    return Angles(tuple(d.name for d in ANGLE_DEFS), deg, deg_3d, vel, times)
