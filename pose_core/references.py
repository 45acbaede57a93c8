"""Reference poses: the built-in library and the user's own, saved as JSON.

User references live one JSON file each in :func:`pose_core.paths.references_dir`. The
same JSON is the export and import format::

    {"format": "poselab.reference", "version": 1, "name": "...", "description": "...",
     "source": "...", "created": "2025-01-01T12:00:00+00:00", "size_wh": [w, h] | null,
     "landmarks": [{"name": "nose", "world": [x, y, z], "visibility": v,
                    "xy": [x, y] | null}, ... 33 entries in MediaPipe order],
     "angles_deg": {"left_knee": 178.2, ...}}

``xy`` is normalised (0..1) in the source picture; ``angles_deg`` is informative only.
Every file is validated before use (size, nesting, types, finite numbers); a bad file
is skipped with one line and never hides the others. Nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from pose_core import paths
from pose_core.builtin_poses import BUILTIN_SOURCE, builtin_poses
from pose_core.errors import PoseLabError
from pose_core.kinematics import angles_of
from pose_core.landmarks import ANGLE_NAMES, LANDMARK_NAMES, NUM_LANDMARKS, TORSO
from pose_core.poses import Pose, PoseSequence

FORMAT = "poselab.reference"
VERSION = 1
MAX_NAME = 60
MAX_DESCRIPTION = 500
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 6  # the format nests 4 deep: document, landmarks, landmark, coordinates


class LibraryError(PoseLabError):
    """A reference cannot be read, saved or found; ``str(err)`` says which and why."""


@dataclass(frozen=True)
class Reference:
    """A named reference pose.

    Attributes:
        name: what the user calls it (unique within the library).
        pose: the pose; its ``xy_px``/``size_wh`` are the source picture's, if any.
        builtin: part of the library that ships with PoseLab.
    """

    name: str
    pose: Pose
    description: str = ""
    source: str = ""
    created: str = ""
    builtin: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see the module docstring)."""
        pose = self.pose
        xy = None
        if pose.xy_px is not None and pose.size_wh is not None:
            xy = pose.xy_px / np.asarray(pose.size_wh, dtype=np.float64)
        angles = angles_of(pose.world)
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "created": self.created,
            "size_wh": None if pose.size_wh is None else list(pose.size_wh),
            "landmarks": [
                {
                    "name": name,
                    "world": [_num(v, 5) for v in pose.world[i]],
                    "visibility": _num(pose.visibility[i], 4),
                    "xy": None if xy is None else [_num(v, 5) for v in xy[i]],
                }
                for i, name in enumerate(LANDMARK_NAMES)
            ],
            "angles_deg": {n: _num(v, 1) for n, v in zip(ANGLE_NAMES, angles, strict=True)},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _num(v: float, digits: int) -> float | None:
    return None if not np.isfinite(v) else round(float(v), digits)


@cache
def _builtin_table() -> dict[str, Reference]:
    return {
        name: Reference(
            name,
            Pose(world, np.ones(NUM_LANDMARKS), label=name),
            description,
            BUILTIN_SOURCE,
            builtin=True,
        )
        for name, (description, world) in builtin_poses().items()
    }


def builtin_references() -> dict[str, Reference]:
    """The library that ships with PoseLab, by name (a fresh dict; the poses are shared)."""
    return dict(_builtin_table())


def slug(name: str) -> str:
    """A file-name-safe form of a reference name."""
    s = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return s[:MAX_NAME] or "reference"


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise LibraryError("a reference name must be text")
    name = " ".join(name.split())
    if not name:
        raise LibraryError("a reference needs a name")
    if len(name) > MAX_NAME:
        raise LibraryError(f"{name[:20]}…: a reference name has at most {MAX_NAME} characters")
    return name


check_name = _check_name
"""A reference or routine name, tidied; raises LibraryError when empty or too long."""


def _has_torso(world: np.ndarray) -> bool:
    return not np.isnan(world[list(TORSO)]).any()


def reference_from_pose(
    name: str, pose: Pose, description: str = "", source: str = ""
) -> Reference:
    """A new user reference from any analysed pose (an image, or a frame of a clip).

    Raises:
        LibraryError: the name is empty or too long, or the pose lacks a torso.
    """
    name = _check_name(name)
    if not _has_torso(pose.world):
        raise LibraryError(f"{name}: the pose has no shoulders and hips to compare with")
    created = datetime.now(UTC).isoformat(timespec="seconds")
    kept = Pose(pose.world, pose.visibility, pose.xy_px, pose.size_wh, name)
    return Reference(name, kept, description[:MAX_DESCRIPTION], source or pose.label, created)


def reference_from_sequence(
    name: str, seq: PoseSequence, frame: int = 0, person: int = 0, description: str = ""
) -> Reference:
    """A new user reference from frame ``frame`` and person ``person`` of an analysis."""
    return reference_from_pose(name, seq.pose(frame, person), description)


def _depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests lists and dicts, counting no further than ``limit``."""
    if limit <= 0 or not isinstance(value, dict | list):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, limit - 1) for v in items), default=0)


def _floats(value: Any, n: int, what: str) -> np.ndarray:
    if value is None:
        return np.full(n, np.nan)
    if not isinstance(value, list) or len(value) != n:
        raise ValueError(f"{what} must be a list of {n} numbers")
    if not all(v is None or isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise ValueError(f"{what} must hold numbers")
    out = np.asarray([np.nan if v is None else float(v) for v in value], dtype=np.float64)
    if np.isinf(out).any() or (np.abs(np.nan_to_num(out)) > 1e6).any():
        raise ValueError(f"{what} holds a number out of range")
    return out


def _text(doc: dict[str, Any], key: str, limit: int) -> str:
    value = doc.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value[:limit]


def _landmarks(items: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    if not isinstance(items, list) or len(items) != NUM_LANDMARKS:
        raise ValueError(f"landmarks must list {NUM_LANDMARKS} entries")
    if not all(isinstance(it, dict) for it in items):
        raise ValueError("each landmark must be an object")
    if [it.get("name") for it in items] != list(LANDMARK_NAMES):
        raise ValueError("landmark names are not MediaPipe's 33, in order")
    world = np.stack([_floats(it.get("world"), 3, "world") for it in items])
    vis = np.stack([_floats([it.get("visibility")], 1, "visibility")[0] for it in items])
    vis = np.nan_to_num(vis)
    if (vis < 0).any() or (vis > 1).any():
        raise ValueError("visibility must be within 0..1")
    has_xy = any(it.get("xy") is not None for it in items)
    xy = np.stack([_floats(it.get("xy"), 2, "xy") for it in items]) if has_xy else None
    return world, vis, xy


def parse_reference(doc: Any, origin: str) -> Reference:
    """A reference from its JSON document; ``origin`` names it in error messages.

    Raises:
        LibraryError: the document is not a PoseLab reference, or is malformed.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LibraryError(f"{origin}: not a PoseLab reference (format '{FORMAT}' expected)")
    if doc.get("version") != VERSION:
        raise LibraryError(f"{origin}: unsupported reference version")
    try:
        if _depth(doc, MAX_DEPTH + 1) > MAX_DEPTH:
            raise ValueError("nested too deeply")
        name = _check_name(doc.get("name", ""))
        world, vis, xy = _landmarks(doc.get("landmarks"))
        size = doc.get("size_wh")
        size_wh = None
        if size is not None:
            w, h = _floats(size, 2, "size_wh")
            if not (0 < w <= 1e5 and 0 < h <= 1e5):
                raise ValueError("size_wh must be two positive sizes")
            size_wh = (int(w), int(h))
        description = _text(doc, "description", MAX_DESCRIPTION)
        source, created = _text(doc, "source", 200), _text(doc, "created", 40)
    except LibraryError as exc:
        raise LibraryError(f"{origin}: {exc}") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise LibraryError(f"{origin}: malformed reference ({exc})") from None
    if not _has_torso(world):
        raise LibraryError(f"{origin}: the reference has no shoulders and hips")
    xy_px = None if xy is None or size_wh is None else xy * np.asarray(size_wh, np.float64)
    pose = Pose(world, vis, xy_px, size_wh if xy_px is not None else None, name)
    return Reference(name, pose, description, source, created)


def import_reference(data: bytes | str, origin: str = "reference.json") -> Reference:
    """A reference from exported JSON (an upload); not saved until :func:`save_reference`.

    Raises:
        LibraryError: too large, not UTF-8 JSON, or not a valid reference.
    """
    if len(data) > MAX_FILE_BYTES:
        raise LibraryError(f"{origin}: file too large for a reference")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise LibraryError(f"{origin}: not a text file") from None
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise LibraryError(f"{origin}: not valid JSON (line {exc.lineno})") from None
    except (RecursionError, ValueError):  # nested past Python's stack, or a huge number
        raise LibraryError(f"{origin}: malformed reference (nested too deeply)") from None
    return parse_reference(doc, origin)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_Item = TypeVar("_Item", bound=_Named)


def read_library_file(path: Path, what: str, limit_bytes: int) -> bytes:
    """The bytes of a library file (a reference or a routine) of at most ``limit_bytes``.

    Raises:
        LibraryError: missing, too large or unreadable; the message names the file.
    """
    if not path.is_file():
        raise LibraryError(f"{path.name}: file not found")
    if path.stat().st_size > limit_bytes:
        raise LibraryError(f"{path.name}: file too large for a {what}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LibraryError(f"{path.name}: cannot read ({exc.strerror})") from None


def write_library_file(folder: Path, name: str, text: str, what: str, overwrite: bool) -> Path:
    """Write ``text`` to ``<folder>/<slug of name>.json`` atomically; returns the path.

    Raises:
        LibraryError: a file of that name exists and ``overwrite`` is False.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug(name)}.json"
    if path.exists() and not overwrite:
        raise LibraryError(f"{name}: a {what} of that name exists already")
    tmp = path.with_suffix(".json.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def scan_folder(folder: Path, load: Callable[[Path], _Item]) -> tuple[dict[str, _Item], list[str]]:
    """Every ``*.json`` in ``folder`` read by ``load``, by name, and one message per file
    that could not be read (a bad file never hides the others)."""
    found: dict[str, _Item] = {}
    errors: list[str] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            item = load(path)
        except LibraryError as exc:
            errors.append(str(exc))
            continue
        found[item.name] = item
    return found, errors


def load_reference(path: str | Path) -> Reference:
    """Read a reference JSON file.

    Raises:
        LibraryError: missing, unreadable or not a reference; the message names the file.
    """
    path = Path(path)
    return import_reference(read_library_file(path, "reference", MAX_FILE_BYTES), path.name)


def save_reference(ref: Reference, folder: Path | None = None, overwrite: bool = False) -> Path:
    """Write ``ref`` to ``<folder>/<slug>.json`` (atomically); returns the path.

    Raises:
        LibraryError: a built-in name, or a reference of that name exists and
            ``overwrite`` is False.
    """
    name = _check_name(ref.name)
    if slug(name) in {slug(n) for n in _builtin_table()}:
        raise LibraryError(f"{name}: that name belongs to a built-in reference")
    folder = folder or paths.references_dir()
    return write_library_file(folder, name, ref.to_json(), "reference", overwrite)


def scan(folder: Path | None = None) -> tuple[dict[str, Reference], list[str]]:
    """Saved references by name, and one message per file that could not be read."""
    return scan_folder(folder or paths.references_dir(), load_reference)


def delete_reference(name: str, folder: Path | None = None) -> None:
    """Remove a saved reference.

    Raises:
        LibraryError: it is built in, or there is no such reference.
    """
    if name in _builtin_table():
        raise LibraryError(f"{name}: built-in references cannot be deleted")
    path = (folder or paths.references_dir()) / f"{slug(name)}.json"
    if not path.is_file():
        raise LibraryError(f"{name}: no saved reference of that name")
    path.unlink()


def get_reference(name: str, folder: Path | None = None) -> Reference:
    """A built-in or saved reference by name (built-ins first).

    Raises:
        LibraryError: no reference has that name.
    """
    table = _builtin_table()
    if name in table:
        return table[name]
    refs = scan(folder)[0]
    if name in refs:
        return refs[name]
    known = ", ".join([*table, *refs])
    raise LibraryError(f"{name}: no such reference (known: {known})")
