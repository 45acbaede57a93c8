"""Body geometry, joint and segment angles and their rates, as pure functions of arrays.

This is the one implementation of the angles in ``ANGLE_DEFS`` and ``SEGMENT_DEFS`` and
of torso geometry: the Clip page's charts, the CSVs and the comparison score all call it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pose_core.landmarks import (
    ANGLE_DEFS,
    ANGLE_NAMES,
    LANDMARK_INDEX,
    SEGMENT_DEFS,
    SEGMENT_NAMES,
    AngleDef,
)

if TYPE_CHECKING:
    from pose_core.poses import PoseSequence

_LM = LANDMARK_INDEX
HIPS = "mid:left_hip,right_hip"
SHOULDERS = "mid:left_shoulder,right_shoulder"


@dataclass
class Angles:
    """Joint and segment angles of a whole analysis, with their rates.

    Attributes:
        names: angle names: ``ANGLE_DEFS`` then ``SEGMENT_DEFS`` order (A of them).
        deg: (F, P, A) angles in degrees measured in the image plane (pixels).
        deg_3d: (F, P, A) the same angles from world landmarks (camera-independent).
        velocity: (F, P, A) rate of change of ``deg`` in degrees per second.
        times_s: (F,) frame times.
        acceleration: (F, P, A) rate of change of ``velocity``, degrees per second².
        velocity_3d: (F, P, A) rate of change of ``deg_3d``, degrees per second.
        acceleration_3d: (F, P, A) rate of change of ``velocity_3d``, degrees per second².
    """

    names: tuple[str, ...]
    deg: np.ndarray
    deg_3d: np.ndarray
    velocity: np.ndarray
    times_s: np.ndarray
    acceleration: np.ndarray
    velocity_3d: np.ndarray
    acceleration_3d: np.ndarray

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


MIN_SEGMENT_TORSO = 0.15
"""Segments shorter than this share of the torso (seen end-on) get no angle."""


def segment_angles(coords: np.ndarray, image: bool) -> np.ndarray:
    """(..., S) every segment of ``SEGMENT_DEFS`` against the horizontal, in degrees.

    ``image``: (..., 33, 2) pixels, y down; the angle of ``a -> b`` counter-clockwise
    from the image's right as seen on screen, in (-180, 180]. Otherwise (..., 33, 3)
    world metres, y down: the elevation of ``a -> b`` above the horizontal plane,
    -90..90. A line's tilt is measured from its end on the image's left (smaller x),
    within (-90, 90]: + = its right end higher. A segment shorter than
    ``MIN_SEGMENT_TORSO`` torso lengths (seen end-on) has no direction: NaN.
    """
    cols = []
    least = MIN_SEGMENT_TORSO * torso_length(coords)
    for d in SEGMENT_DEFS:
        v = point(coords, d.b) - point(coords, d.a)
        v = np.where((np.linalg.norm(v, axis=-1) < least)[..., None], np.nan, v)
        if d.line:
            v = np.where((v[..., :1] < 0), -v, v)  # from the image-left end, whatever the label
        if image:
            deg = np.degrees(np.arctan2(-v[..., 1], v[..., 0]))
            cols.append(np.where(deg <= -180, deg + 360, deg))  # -0.0 below: 180, not -180
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                up = -v[..., 1] / np.linalg.norm(v, axis=-1)
            cols.append(np.degrees(np.arcsin(np.clip(up, -1.0, 1.0))))
    return np.stack(cols, axis=-1)


def unwrap_lines(deg: np.ndarray) -> np.ndarray:
    """(F, ..., S) image-plane segment angles with directed segments unwrapped by 360°
    and lines by 180° (a line's tilt is the same after half a turn)."""
    out = deg.copy()
    lines = np.array([d.line for d in SEGMENT_DEFS])
    out[..., ~lines] = unwrap_deg(deg[..., ~lines], axis=0)
    out[..., lines] = unwrap_deg(deg[..., lines] * 2, axis=0) / 2
    return out


def derivative(values: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """d(values)/dt along axis 0 over the true (possibly uneven) frame times ``times_s``
    (F,), per second; central differences inside, one-sided at the ends; NaN next to a
    missing value, and everywhere without strictly increasing times."""
    if len(times_s) < 2 or not np.all(np.diff(times_s) > 0):
        return np.full_like(values, np.nan)
    return np.asarray(np.gradient(values, times_s, axis=0))


angular_velocity = derivative
"""d(angle)/dt in degrees per second along axis 0 (see :func:`derivative`)."""


def landmark_speeds(xy: np.ndarray, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(F, P, L) speed and acceleration magnitudes of (F, P, L, D) positions over
    ``times_s``: in px/s and px/s² for pixels, m/s and m/s² for metres."""
    v = derivative(xy, times_s)
    a = derivative(v, times_s)
    return np.linalg.norm(v, axis=-1), np.linalg.norm(a, axis=-1)


def joint_angles(seq: PoseSequence) -> Angles:
    """Every joint angle (``ANGLE_DEFS``) and segment angle (``SEGMENT_DEFS``) for every
    frame and person, 2D and 3D, with velocities and accelerations over the frame times."""
    px, world = seq.xy_px.astype(np.float64), seq.world.astype(np.float64)
    joints = unwrap_deg(angles_of(px, signed_lean=True), axis=0)
    segments = unwrap_lines(segment_angles(px, image=True))
    deg = np.concatenate([joints, segments], axis=-1)
    deg_3d = np.concatenate([angles_of(world), segment_angles(world, image=False)], axis=-1)
    times = seq.times_s.astype(np.float64)
    velocity, velocity_3d = angular_velocity(deg, times), angular_velocity(deg_3d, times)
    return Angles(
        ANGLE_NAMES + SEGMENT_NAMES,
        deg,
        deg_3d,
        velocity,
        times,
        angular_velocity(velocity, times),
        velocity_3d,
        angular_velocity(velocity_3d, times),
    )
