"""Reference poses: a built-in library authored here, and the user's own, saved as JSON.

Built-in poses (mountain, tree, warrior II, triangle, T-pose) are built in code on a
template skeleton of an adult about 1.75 m tall: each limb is given a direction and
the landmarks follow from fixed segment lengths, in MediaPipe's world frame (metres,
origin between the hips, x to the image right = the left of a person facing the
camera, y down, z away from the camera).

User references live one JSON file each in :func:`data_dir` (``$POSELAB_DATA`` or
``~/.local/share/poselab/references``). The same JSON is the export and import format::

    {"format": "poselab.reference", "version": 1, "name": "...", "description": "...",
     "source": "...", "created": "2025-01-01T12:00:00+00:00", "size_wh": [w, h] | null,
     "landmarks": [{"name": "nose", "world": [x, y, z], "visibility": v,
                    "xy": [x, y] | null}, ... 33 entries in MediaPipe order],
     "angles_deg": {"left_knee": 178.2, ...}}

``xy`` is normalised (0..1) in the source picture; ``angles_deg`` is informative only.
Nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pose_core.compare import Pose
from pose_core.errors import PoseLabError
from pose_core.landmarks import LANDMARK_INDEX, LANDMARK_NAMES, NUM_LANDMARKS
from pose_core.sequence import PoseSequence

FORMAT = "poselab.reference"
VERSION = 1
MAX_NAME = 60
MAX_FILE_BYTES = 1_000_000


class ReferenceError(PoseLabError):
    """A reference cannot be read, saved or found; ``str(err)`` says which and why."""


@dataclass(frozen=True)
class Reference:
    """A named reference pose.

    Attributes:
        name: what the user calls it (unique within the library).
        world: (33, 3) world landmarks in metres.
        visibility: (33,) in 0..1.
        xy: (33, 2) normalised image coordinates in the source picture, if any.
        size_wh: that picture's size in pixels.
        builtin: part of the library that ships with PoseLab.
    """

    name: str
    world: np.ndarray
    visibility: np.ndarray
    description: str = ""
    source: str = ""
    created: str = ""
    xy: np.ndarray | None = None
    size_wh: tuple[int, int] | None = None
    builtin: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def pose(self) -> Pose:
        """The reference as a :class:`Pose` for :func:`pose_core.compare.compare_poses`."""
        xy_px = None
        if self.xy is not None and self.size_wh is not None:
            xy_px = self.xy * np.asarray(self.size_wh, dtype=np.float64)
        return Pose(self.world, self.visibility, xy_px, self.size_wh, self.name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see the module docstring)."""
        landmarks = []
        for i, name in enumerate(LANDMARK_NAMES):
            landmarks.append(
                {
                    "name": name,
                    "world": [_num(v, 5) for v in self.world[i]],
                    "visibility": _num(self.visibility[i], 4),
                    "xy": None if self.xy is None else [_num(v, 5) for v in self.xy[i]],
                }
            )
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "created": self.created,
            "size_wh": None if self.size_wh is None else list(self.size_wh),
            "landmarks": landmarks,
            "angles_deg": {k: _num(v, 1) for k, v in self.pose().angles().items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _num(v: float, digits: int) -> float | None:
    return None if not np.isfinite(v) else round(float(v), digits)


# -- the built-in library --------------------------------------------------------------

# Template segment lengths in metres (an adult of about 1.75 m).
_TORSO = 0.50
_SHOULDER_HALF = 0.18
_HIP_HALF = 0.10
_UPPER_ARM = 0.29
_FOREARM = 0.26
_HAND = 0.08
_THIGH = 0.43
_SHIN = 0.42


def _unit(v: tuple[float, float, float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    return a / np.linalg.norm(a)


def _frame(out: float, up: float, forward: float, side: int) -> np.ndarray:
    """A direction given as (outward, up, forward) for one side, in world axes.

    ``side`` is +1 for the left (outward = world +x) and -1 for the right.
    """
    return _unit((out * side, -up, -forward))


@dataclass(frozen=True)
class _Limbs:
    """Limb directions of one side, each as (outward, up, forward)."""

    upper_arm: tuple[float, float, float] = (0.1, -1.0, 0.0)
    forearm: tuple[float, float, float] = (0.05, -1.0, 0.05)
    thigh: tuple[float, float, float] = (0.05, -1.0, 0.0)
    shin: tuple[float, float, float] = (0.0, -1.0, 0.0)
    foot: tuple[float, float, float] = (0.15, -0.35, 1.0)


def build_skeleton(
    left: _Limbs, right: _Limbs, lean_deg: float = 0.0, head_turn: float = 0.0
) -> np.ndarray:
    """(33, 3) world landmarks of the template body with the given limb directions.

    ``lean_deg`` tilts the trunk sideways towards the body's left (positive) in the
    frontal plane; ``head_turn`` in -1..1 turns the nose towards the left.
    """
    lm = np.full((NUM_LANDMARKS, 3), np.nan)
    at = LANDMARK_INDEX
    t = np.radians(lean_deg)
    up = np.array([np.sin(t), -np.cos(t), 0.0])  # trunk direction, hips to shoulders
    across = np.array([np.cos(t), np.sin(t), 0.0])  # to the body's left, shoulders
    forward = np.array([0.0, 0.0, -1.0])
    neck = up * _TORSO
    for side, sign, limbs in (("left", 1, left), ("right", -1, right)):
        hip = np.array([sign * _HIP_HALF, 0.0, 0.0])
        shoulder = neck + sign * _SHOULDER_HALF * across
        elbow = shoulder + _UPPER_ARM * _frame(*limbs.upper_arm, sign)
        fore = _frame(*limbs.forearm, sign)
        wrist = elbow + _FOREARM * fore
        knee = hip + _THIGH * _frame(*limbs.thigh, sign)
        ankle = knee + _SHIN * _frame(*limbs.shin, sign)
        foot = _frame(*limbs.foot, sign)
        out = _unit(np.cross(fore, forward) * sign) if abs(fore[2]) < 0.99 else across
        lm[at[f"{side}_shoulder"]] = shoulder
        lm[at[f"{side}_elbow"]] = elbow
        lm[at[f"{side}_wrist"]] = wrist
        lm[at[f"{side}_index"]] = wrist + _HAND * fore
        lm[at[f"{side}_pinky"]] = wrist + 0.8 * _HAND * fore + 0.02 * out
        lm[at[f"{side}_thumb"]] = wrist + 0.5 * _HAND * fore - 0.03 * out
        lm[at[f"{side}_hip"]] = hip
        lm[at[f"{side}_knee"]] = knee
        lm[at[f"{side}_ankle"]] = ankle
        lm[at[f"{side}_heel"]] = ankle + np.array([0.0, 0.06, 0.05])
        lm[at[f"{side}_foot_index"]] = ankle + 0.17 * foot
    face = _unit(forward + head_turn * across)
    head = neck + 0.18 * up
    lm[at["nose"]] = head + 0.10 * face
    for side, sign in (("left", 1), ("right", -1)):
        lm[at[f"{side}_ear"]] = head + sign * 0.075 * across - 0.01 * face
        lm[at[f"{side}_eye_inner"]] = head + 0.03 * up + 0.085 * face + sign * 0.015 * across
        lm[at[f"{side}_eye"]] = head + 0.03 * up + 0.085 * face + sign * 0.032 * across
        lm[at[f"{side}_eye_outer"]] = head + 0.03 * up + 0.08 * face + sign * 0.045 * across
        lm[at[f"mouth_{side}"]] = head - 0.045 * up + 0.09 * face + sign * 0.025 * across
    return lm


_STRAIGHT_LEG = _Limbs()
_ARM_OUT = {"upper_arm": (1.0, 0.0, 0.0), "forearm": (1.0, 0.02, 0.0)}

_BUILTINS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "mountain",
        "Tadasana: standing tall, feet together, arms relaxed along the body.",
        {"left": _Limbs(), "right": _Limbs()},
    ),
    (
        "t-pose",
        "Standing straight, both arms held out sideways at shoulder height.",
        {"left": _Limbs(**_ARM_OUT), "right": _Limbs(**_ARM_OUT)},
    ),
    (
        "tree",
        "Vrksasana: balance on the left leg, right sole against the inner left thigh, "
        "right knee out to the side, hands joined overhead.",
        {
            "left": _Limbs(upper_arm=(0.35, 1.0, 0.05), forearm=(-0.75, 0.66, 0.05)),
            "right": _Limbs(
                upper_arm=(0.35, 1.0, 0.05),
                forearm=(-0.75, 0.66, 0.05),
                thigh=(0.8, -0.55, 0.2),
                shin=(-0.95, 0.1, -0.1),
                foot=(-0.2, -1.0, 0.2),
            ),
        },
    ),
    (
        "warrior ii",
        "Virabhadrasana II: feet wide, left knee bent to 90° over the ankle, right leg "
        "straight, arms out at shoulder height, gaze over the left hand.",
        {
            "left": _Limbs(
                **_ARM_OUT, thigh=(1.0, -0.05, 0.0), shin=(0.0, -1.0, 0.0), foot=(1.0, -0.3, 0.1)
            ),
            "right": _Limbs(
                **_ARM_OUT, thigh=(0.6, -0.8, 0.0), shin=(0.6, -0.8, 0.0), foot=(0.1, -0.3, 1.0)
            ),
            "head_turn": 1.2,
        },
    ),
    (
        "triangle",
        "Trikonasana: feet wide, both legs straight, trunk tilted sideways over the left "
        "leg, left hand down towards the left shin, right arm straight up.",
        {
            "left": _Limbs(
                upper_arm=(0.0, -1.0, 0.0),
                forearm=(0.0, -1.0, 0.0),
                thigh=(0.5, -0.87, 0.0),
                shin=(0.5, -0.87, 0.0),
                foot=(1.0, -0.3, 0.1),
            ),
            "right": _Limbs(
                upper_arm=(0.0, 1.0, 0.0),
                forearm=(0.0, 1.0, 0.0),
                thigh=(0.5, -0.87, 0.0),
                shin=(0.5, -0.87, 0.0),
                foot=(0.1, -0.3, 1.0),
            ),
            "lean_deg": 55.0,
        },
    ),
)


@cache
def _builtin_table() -> dict[str, Reference]:
    table = {}
    for name, description, spec in _BUILTINS:
        world = build_skeleton(
            spec["left"], spec["right"], spec.get("lean_deg", 0.0), spec.get("head_turn", 0.0)
        )
        table[name] = Reference(
            name=name,
            world=world,
            visibility=np.ones(NUM_LANDMARKS),
            description=description,
            source="built-in (PoseLab template skeleton)",
            builtin=True,
        )
    return table


def builtin_references() -> dict[str, Reference]:
    """The library that ships with PoseLab, by name (a fresh dict; the poses are shared)."""
    return dict(_builtin_table())


# -- user references on disk -----------------------------------------------------------


def data_dir() -> Path:
    """Where user references live: ``$POSELAB_DATA`` or ``~/.local/share/poselab/references``."""
    env = os.environ.get("POSELAB_DATA")
    return Path(env).expanduser() if env else Path.home() / ".local/share/poselab/references"


def slug(name: str) -> str:
    """A file-name-safe form of a reference name."""
    s = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return s[:MAX_NAME] or "reference"


def _check_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ReferenceError("a reference needs a name")
    if len(name) > MAX_NAME:
        raise ReferenceError(f"{name[:20]}…: a reference name has at most {MAX_NAME} characters")
    return name


def reference_from_pose(
    name: str, pose: Pose, description: str = "", source: str = ""
) -> Reference:
    """A new user reference from any analysed pose (an image, or a frame of a clip).

    Raises:
        ReferenceError: the name is empty or too long, or the pose lacks a torso.
    """
    name = _check_name(name)
    torso = [
        LANDMARK_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    ]
    if np.isnan(pose.world[torso]).any():
        raise ReferenceError(f"{name}: the pose has no shoulders and hips to compare with")
    xy = None
    if pose.xy_px is not None and pose.size_wh is not None:
        xy = pose.xy_px / np.asarray(pose.size_wh, dtype=np.float64)
    return Reference(
        name=name,
        world=np.asarray(pose.world, dtype=np.float64),
        visibility=np.asarray(pose.visibility, dtype=np.float64),
        description=description,
        source=source or pose.label,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        xy=xy,
        size_wh=pose.size_wh,
    )


def reference_from_sequence(
    name: str, seq: PoseSequence, frame: int = 0, person: int = 0, description: str = ""
) -> Reference:
    """A new user reference from frame ``frame`` and person ``person`` of an analysis."""
    return reference_from_pose(name, Pose.from_sequence(seq, frame, person), description)


def _floats(value: Any, n: int, what: str) -> np.ndarray:
    if value is None:
        return np.full(n, np.nan)
    if not isinstance(value, list) or len(value) != n:
        raise ValueError(f"{what} must be a list of {n} numbers")
    return np.asarray([np.nan if v is None else float(v) for v in value], dtype=np.float64)


def parse_reference(doc: Any, origin: str) -> Reference:
    """A reference from its JSON document; ``origin`` names it in error messages.

    Raises:
        ReferenceError: the document is not a PoseLab reference, or is malformed.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReferenceError(f"{origin}: not a PoseLab reference (format '{FORMAT}' expected)")
    if doc.get("version") != VERSION:
        raise ReferenceError(f"{origin}: unsupported reference version {doc.get('version')!r}")
    try:
        name = _check_name(doc.get("name", ""))
        items = doc["landmarks"]
        if not isinstance(items, list) or len(items) != NUM_LANDMARKS:
            raise ValueError(f"landmarks must list {NUM_LANDMARKS} entries")
        world = np.stack([_floats(it["world"], 3, "world") for it in items])
        vis = np.asarray([float(it.get("visibility") or 0.0) for it in items])
        has_xy = any(it.get("xy") is not None for it in items)
        xy = np.stack([_floats(it.get("xy"), 2, "xy") for it in items]) if has_xy else None
        names = [it.get("name") for it in items]
        if names != list(LANDMARK_NAMES):
            raise ValueError("landmark names are not MediaPipe's 33, in order")
        size = doc.get("size_wh")
        size_wh = (int(size[0]), int(size[1])) if size else None
    except ReferenceError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ReferenceError(f"{origin}: malformed reference ({reason})") from None
    if not np.isfinite(vis).all() or (vis < 0).any() or (vis > 1).any():
        raise ReferenceError(f"{origin}: malformed reference (visibility must be within 0..1)")
    torso = [
        LANDMARK_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    ]
    if np.isnan(world[torso]).any():
        raise ReferenceError(f"{origin}: the reference has no shoulders and hips")
    return Reference(
        name=name,
        world=world,
        visibility=vis,
        description=str(doc.get("description", "")),
        source=str(doc.get("source", "")),
        created=str(doc.get("created", "")),
        xy=xy,
        size_wh=size_wh,
    )


def import_reference(data: bytes | str, origin: str = "reference.json") -> Reference:
    """A reference from exported JSON bytes (an upload); not saved until :func:`save_reference`."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise ReferenceError(f"{origin}: file too large for a reference")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ReferenceError(f"{origin}: not a text file") from None
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ReferenceError(f"{origin}: not valid JSON (line {exc.lineno})") from None
    return parse_reference(doc, origin)


def load_reference(path: str | Path) -> Reference:
    """Read a reference JSON file.

    Raises:
        ReferenceError: missing, unreadable or not a reference; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise ReferenceError(f"{path.name}: file not found")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ReferenceError(f"{path.name}: file too large for a reference")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReferenceError(f"{path.name}: cannot read ({exc.strerror})") from None
    return import_reference(data, path.name)


def save_reference(ref: Reference, folder: Path | None = None, overwrite: bool = False) -> Path:
    """Write ``ref`` to ``<folder>/<slug>.json`` (atomically); returns the path.

    Raises:
        ReferenceError: a built-in name, or a reference of that name exists and
            ``overwrite`` is False.
    """
    name = _check_name(ref.name)
    if slug(name) in {slug(n) for n in _builtin_table()}:
        raise ReferenceError(f"{name}: that name belongs to a built-in reference")
    folder = folder or data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug(name)}.json"
    if path.exists() and not overwrite:
        raise ReferenceError(f"{name}: a reference of that name exists already")
    tmp = path.with_suffix(".json.part")
    tmp.write_text(ref.to_json(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def user_references(folder: Path | None = None) -> dict[str, Reference]:
    """The saved references by name; unreadable files are skipped (see :func:`scan_errors`)."""
    return scan(folder)[0]


def scan(folder: Path | None = None) -> tuple[dict[str, Reference], list[str]]:
    """Saved references by name, and one message per file that could not be read."""
    folder = folder or data_dir()
    refs: dict[str, Reference] = {}
    errors: list[str] = []
    if not folder.is_dir():
        return refs, errors
    for path in sorted(folder.glob("*.json")):
        try:
            ref = load_reference(path)
        except ReferenceError as exc:
            errors.append(str(exc))
            continue
        refs[ref.name] = ref
    return refs, errors


def delete_reference(name: str, folder: Path | None = None) -> None:
    """Remove a saved reference.

    Raises:
        ReferenceError: it is built in, or there is no such reference.
    """
    if name in _builtin_table():
        raise ReferenceError(f"{name}: built-in references cannot be deleted")
    path = (folder or data_dir()) / f"{slug(name)}.json"
    if not path.is_file():
        raise ReferenceError(f"{name}: no saved reference of that name")
    path.unlink()


def get_reference(name: str, folder: Path | None = None) -> Reference:
    """A built-in or saved reference by name (built-ins first).

    Raises:
        ReferenceError: no reference has that name.
    """
    table = _builtin_table()
    if name in table:
        return table[name]
    refs = user_references(folder)
    if name in refs:
        return refs[name]
    known = ", ".join([*table, *refs])
    raise ReferenceError(f"{name}: no such reference (known: {known})")
