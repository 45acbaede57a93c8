"""Reference routines: a teacher's whole clip kept in the library (landmarks of one person,
frame times, a few thumbnails, a name), so a student's clip can be compared with it later
without the teacher's video.

One JSON file each in ``<references_dir>/routines/``::

    {"format": "poselab.routine", "version": 1, "name": "...", "description": "...",
     "source": "teacher.mp4", "created": "...", "size_wh": [w, h], "fps": 30.0,
     "landmark_names": [33 names in MediaPipe order],
     "times_s": [F numbers], "world": [F x 33 x 3, metres], "visibility": [F x 33],
     "xy": [F x 33 x 2, normalised 0..1],
     "thumbnails": [{"frame": k, "jpeg_base64": "..."}, ...]}

Missing values are null. Files are validated before use (size, shapes, finite numbers);
a bad file is skipped with one line.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pose_core import paths
from pose_core.landmarks import LANDMARK_NAMES, NUM_LANDMARKS, TORSO
from pose_core.media import decode_image, encode_image, fit_within
from pose_core.poses import PoseSequence
from pose_core.references import (
    MAX_DESCRIPTION,
    LibraryError,
    check_name,
    read_library_file,
    scan_folder,
    write_library_file,
)

FORMAT = "poselab.routine"
VERSION = 1
MAX_FILE_BYTES = 50_000_000
MAX_FRAMES = 20_000
THUMBNAILS = 4
THUMB_SIDE = 240


@dataclass(frozen=True)
class Routine:
    """A named reference routine: one person's landmarks through a clip.

    ``poses`` is a one-person :class:`PoseSequence` (compare it like any clip);
    ``thumbnails`` maps frame indices to small RGB pictures.
    """

    name: str
    poses: PoseSequence
    thumbnails: dict[int, np.ndarray] = field(default_factory=dict)
    description: str = ""
    created: str = ""
    source: str = ""  # the teacher's clip it came from

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see the module docstring)."""
        p = self.poses
        xy = p.xyz[:, 0, :, :2]

        def nums(a: np.ndarray, digits: int) -> Any:
            r = np.round(a.astype(np.float64), digits).astype(object)
            r[np.isnan(a)] = None
            return r.tolist()

        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "created": self.created,
            "size_wh": list(p.size_wh),
            "fps": round(float(p.fps), 4),
            "landmark_names": list(LANDMARK_NAMES),
            "times_s": nums(np.asarray(p.times_s), 5),
            "world": nums(p.world[:, 0], 4),
            "visibility": nums(p.visibility[:, 0], 3),
            "xy": nums(xy, 5),
            "thumbnails": [
                {"frame": k, "jpeg_base64": base64.b64encode(encode_image(t, ".jpg")).decode()}
                for k, t in sorted(self.thumbnails.items())
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))


def routine_from_sequence(
    name: str,
    seq: PoseSequence,
    person: int = 0,
    pictures: dict[int, np.ndarray] | None = None,
    description: str = "",
) -> Routine:
    """A new routine from ``person`` of a clip analysis; ``pictures`` (frame -> RGB) become
    its thumbnails (pick them with :func:`thumbnail_frames`).

    Raises:
        LibraryError: bad name, not a clip, too long, or the person is never found.
    """
    name = check_name(name)
    if seq.num_frames < 2:
        raise LibraryError(f"{name}: a routine needs a clip, not a single picture")
    if seq.num_frames > MAX_FRAMES:
        raise LibraryError(f"{name}: a routine has at most {MAX_FRAMES} frames")
    if not 0 <= person < seq.num_people or np.isnan(seq.world[:, person, 0, 0]).all():
        raise LibraryError(f"{name}: person {person} is not in {seq.source}")
    one = slice(person, person + 1)
    poses = PoseSequence(
        seq.xyz[:, one].copy(),
        seq.visibility[:, one].copy(),
        seq.presence[:, one].copy(),
        seq.world[:, one].copy(),
        np.asarray(seq.times_s, dtype=np.float64).copy(),
        seq.size_wh,
        seq.fps,
        name,
        [*seq.history, f"routine(person={person})"],
    )
    thumbs = {k: fit_within(v, THUMB_SIDE) for k, v in (pictures or {}).items()}
    created = datetime.now(UTC).isoformat(timespec="seconds")
    return Routine(name, poses, thumbs, description[:MAX_DESCRIPTION], created, seq.source)


def thumbnail_frames(num_frames: int, count: int = THUMBNAILS) -> list[int]:
    """Frame indices spread evenly through a clip, for its thumbnails."""
    return sorted({round(x) for x in np.linspace(0, num_frames - 1, count)})


def _array(doc: dict[str, Any], key: str, shape: tuple[int, ...]) -> np.ndarray:
    value = doc.get(key)
    try:
        arr = np.asarray(value, dtype=np.float64)  # None becomes NaN
    except (TypeError, ValueError):
        raise ValueError(f"{key} must hold numbers") from None
    if arr.shape != shape:
        raise ValueError(f"{key} must be {' x '.join(map(str, shape))}, got {arr.shape}")
    if np.isinf(arr).any() or (np.abs(np.nan_to_num(arr)) > 1e6).any():
        raise ValueError(f"{key} holds a number out of range")
    return arr


def parse_routine(doc: Any, origin: str) -> Routine:
    """A routine from its JSON document; ``origin`` names it in error messages.

    Raises:
        LibraryError: not a PoseLab routine, or malformed.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LibraryError(f"{origin}: not a PoseLab routine (format '{FORMAT}' expected)")
    if doc.get("version") != VERSION:
        raise LibraryError(f"{origin}: unsupported routine version")
    try:
        name = check_name(doc.get("name", ""))
        if doc.get("landmark_names") != list(LANDMARK_NAMES):
            raise ValueError("landmark names are not MediaPipe's 33, in order")
        times = doc.get("times_s")
        f = len(times) if isinstance(times, list) else -1
        if not 2 <= f <= MAX_FRAMES:
            raise ValueError(f"times_s must list 2..{MAX_FRAMES} frame times")
        t = _array(doc, "times_s", (f,))
        world = _array(doc, "world", (f, NUM_LANDMARKS, 3))
        vis = _array(doc, "visibility", (f, NUM_LANDMARKS))
        xy = _array(doc, "xy", (f, NUM_LANDMARKS, 2))
        w, h = _array(doc, "size_wh", (2,))
        fps = float(_array(doc, "fps", ()))
        if not (0 < w <= 1e5 and 0 < h <= 1e5 and 0 <= fps <= 1000) or np.isnan(t).any():
            raise ValueError("size_wh, fps or times_s out of range")
        thumbs = _thumbnails(doc.get("thumbnails", []), f)
        text = {k: doc.get(k, "") for k in ("description", "source", "created")}
        if not all(isinstance(v, str) for v in text.values()):
            raise ValueError("description, source and created must be text")
    except LibraryError as exc:
        raise LibraryError(f"{origin}: {exc}") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise LibraryError(f"{origin}: malformed routine ({exc})") from None
    if np.isnan(world[:, list(TORSO), 0]).any(axis=1).all():
        raise LibraryError(f"{origin}: the routine has no frame with shoulders and hips")
    xyz = np.concatenate([xy, np.zeros((f, NUM_LANDMARKS, 1))], axis=-1)
    poses = PoseSequence(
        xyz[:, None].astype(np.float32),
        vis[:, None].astype(np.float32),
        np.where(np.isnan(vis), np.nan, 1.0)[:, None].astype(np.float32),
        world[:, None].astype(np.float32),
        t,
        (int(w), int(h)),
        fps,
        name,
        [f"routine:{text['source'][:200]}"],
    )
    description, source = text["description"][:MAX_DESCRIPTION], text["source"][:200]
    return Routine(name, poses, thumbs, description, text["created"][:40], source)


def _thumbnails(items: Any, frames: int) -> dict[int, np.ndarray]:
    if not isinstance(items, list) or len(items) > 16:
        raise ValueError("thumbnails must be a list of at most 16")
    out = {}
    for it in items:
        k = it.get("frame") if isinstance(it, dict) else None
        if not isinstance(k, int) or not 0 <= k < frames:
            raise ValueError("a thumbnail needs the frame it shows")
        try:
            data = base64.b64decode(it.get("jpeg_base64", ""), validate=True)
        except (binascii.Error, TypeError):
            raise ValueError("a thumbnail is not base64") from None
        out[k] = decode_image(data, "thumbnail")
    return out


def routines_dir() -> Path:
    return paths.references_dir() / "routines"


def load_routine(path: str | Path) -> Routine:
    """Read a routine file.

    Raises:
        LibraryError: missing, too large, not JSON or not a routine; names the file.
    """
    path = Path(path)
    data = read_library_file(path, "routine", MAX_FILE_BYTES)
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise LibraryError(f"{path.name}: not a readable JSON file") from None
    return parse_routine(doc, path.name)


def save_routine(routine: Routine, folder: Path | None = None, overwrite: bool = False) -> Path:
    """Write ``routine`` to ``<folder>/<slug>.json`` (atomically); returns the path.

    Raises:
        LibraryError: a routine of that name exists and ``overwrite`` is False.
    """
    folder = folder or routines_dir()
    return write_library_file(folder, routine.name, routine.to_json(), "routine", overwrite)


def scan_routines(folder: Path | None = None) -> tuple[dict[str, Routine], list[str]]:
    """Saved routines by name, and one message per file that could not be read."""
    return scan_folder(folder or routines_dir(), load_routine)


def is_routine_file(path: Path) -> bool:
    """Whether a JSON file says it is a routine (reads its first bytes only)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(200)
    except OSError:
        return False
    return b'"format":"poselab.routine"' in head.replace(b" ", b"")
