"""Body geometry and joint angles, as pure functions of landmark arrays.

This is the one implementation of the angles in ``ANGLE_DEFS`` and of torso geometry:
the Clip page's charts, the CSVs and the comparison score all call it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pose_core.landmarks import ANGLE_DEFS, ANGLE_NAMES, LANDMARK_INDEX, AngleDef

if TYPE_CHECKING:
    from pose_core.poses import PoseSequence

_LM = LANDMARK_INDEX
HIPS = "mid:left_hip,right_hip"
SHOULDERS = "mid:left_shoulder,right_shoulder"


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

    def range_of_motion(self, person: int = 0) -> pd.DataFrame:
        """Per angle: min, max and range (degrees, image plane) for one person."""
        vals = self.deg[:, person, :]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an angle never seen: NaN
            lo, hi = np.nanmin(vals, axis=0), np.nanmax(vals, axis=0)
        return pd.DataFrame(
            {"angle": self.names, "min_deg": lo, "max_deg": hi, "range_deg": hi - lo}
        )


def point(coords: np.ndarray, spec: str) -> np.ndarray:
    """Coordinates (..., D) of a landmark name or a ``mid:a,b`` midpoint; (..., 33, D) in."""
    if spec.startswith("mid:"):
        a, b = spec[4:].split(",")
        return (coords[..., _LM[a], :] + coords[..., _LM[b], :]) / 2
    return coords[..., _LM[spec], :]


def point_visibility(visibility: np.ndarray, spec: str) -> np.ndarray:
    """(...) visibility of a landmark or midpoint: the lower of its landmarks'."""
    if spec.startswith("mid:"):
        a, b = spec[4:].split(",")
        return np.minimum(visibility[..., _LM[a]], visibility[..., _LM[b]])
    return visibility[..., _LM[spec]]


def torso_length(coords: np.ndarray) -> np.ndarray:
    """(...) mean shoulder-to-hip distance of both sides, in the units of (..., 33, D)."""
    left = coords[..., _LM["left_shoulder"], :] - coords[..., _LM["left_hip"], :]
    right = coords[..., _LM["right_shoulder"], :] - coords[..., _LM["right_hip"], :]
    return np.asarray((np.linalg.norm(left, axis=-1) + np.linalg.norm(right, axis=-1)) / 2)


def normalize(world: np.ndarray) -> np.ndarray:
    """(..., 33, 3) centred on the hip midpoint and divided by the torso length."""
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = world - point(world, HIPS)[..., None, :]
        return np.asarray(centred / torso_length(world)[..., None, None])


def angle_between(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle at ``vertex`` in degrees (0..180) between rays to ``a`` and ``b``; (..., D)."""
    u, v = a - vertex, b - vertex
    nu, nv = np.linalg.norm(u, axis=-1), np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("...i,...i->...", u, v) / (nu * nv)
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _lean(d: AngleDef, coords: np.ndarray, signed: bool) -> np.ndarray:
    v = point(coords, d.a) - point(coords, d.vertex)
    if signed:  # image plane, y down: 0 = straight up, + = leaning to the image right
        return np.asarray(np.degrees(np.arctan2(v[..., 0], -v[..., 1])))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = -v[..., 1] / np.linalg.norm(v, axis=-1)  # from up (-y), unsigned
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def angles_of(coords: np.ndarray, signed_lean: bool = False) -> np.ndarray:
    """(..., A) every angle of ``ANGLE_DEFS`` in degrees, from (..., 33, D) coordinates.

    ``signed_lean`` gives trunk lean a sign (image plane: + = leaning to the image's
    right); otherwise it is the unsigned angle from up (-y), as in 3D.
    """
    cols = []
    for d in ANGLE_DEFS:
        if d.b == "vertical":
            cols.append(_lean(d, coords, signed_lean))
        else:
            cols.append(
                angle_between(point(coords, d.a), point(coords, d.vertex), point(coords, d.b))
            )
    return np.stack(cols, axis=-1)


def angle_visibility(visibility: np.ndarray) -> np.ndarray:
    """(..., A) how well each angle was seen: the lowest visibility of its points."""
    cols = []
    for d in ANGLE_DEFS:
        specs = [d.a, d.vertex] + ([] if d.b == "vertical" else [d.b])
        cols.append(np.min([point_visibility(visibility, s) for s in specs], axis=0))
    return np.stack(cols, axis=-1)


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


def angular_velocity(deg: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """d(angle)/dt in degrees per second along axis 0; NaN without increasing times."""
    if len(times_s) < 2 or not np.all(np.diff(times_s) > 0):
        return np.full_like(deg, np.nan)
    return np.asarray(np.gradient(deg, times_s, axis=0))


def joint_angles(seq: PoseSequence) -> Angles:
    """Every angle in ``ANGLE_DEFS`` for every frame and person, 2D and 3D."""
    deg = unwrap_deg(angles_of(seq.xy_px.astype(np.float64), signed_lean=True), axis=0)
    deg_3d = angles_of(seq.world.astype(np.float64))
    times = seq.times_s.astype(np.float64)
    return Angles(ANGLE_NAMES, deg, deg_3d, angular_velocity(deg, times), times)
