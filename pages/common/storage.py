"""The app's files on disk: uploads, annotated clips, and the sample media.

Everything lives in a private work folder (:func:`pose_core.paths.work_dir`, mode 0700,
never a link), one sub-folder per server process. At start, the folders of processes
that have ended are removed; while running, the folder is kept under a size cap by
deleting the least recently used files. No upload is kept in memory longer than one
script run: the bytes go to ``uploads/<hash>/<name>``, and everything after that
reads the file. The content hash doubles as the results' cache key.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pose_core import paths
from pose_core.errors import MediaError
from pose_core.media import Kind, media_kind

_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^\w. -]+")  # letters of any script, digits, _ . space -
SAMPLE_IMAGES: tuple[str, ...] = ("standing.jpg", "two_people.jpg", "nobody.jpg")
SAMPLE_CLIPS: tuple[str, ...] = (
    "cam01.mp4",
    "two_people.mp4",
    "cam02.mp4",
    "cam03.mp4",
    "cam04.mp4",
)


@dataclass(frozen=True)
class StoredFile:
    """A file ready for the engine.

    Attributes:
        path: where the bytes are (a spilled upload, or a sample).
        name: the name the user knows it by.
        digest: SHA-256 of the content, hex.
        size_bytes: file size.
        kind: what the content is, a still or a clip.
        sample: one of the sample media (not an upload).
    """

    path: Path
    name: str
    digest: str
    size_bytes: int
    kind: Kind
    sample: bool = False


def process_dir() -> Path:
    """This server process's private folder inside the work folder."""
    return paths.private_dir(paths.work_dir() / str(os.getpid()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale() -> int:
    """Remove the folders of server processes that have ended; returns bytes freed."""
    freed = 0
    for folder in paths.work_dir().iterdir():
        if folder.is_symlink() or not folder.is_dir():
            continue
        if folder.name.isdigit() and not _alive(int(folder.name)):
            freed += folder_size(folder)
            shutil.rmtree(folder, ignore_errors=True)
    return freed


def folder_size(folder: Path) -> int:
    """Bytes in the regular files below ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def enforce_cap(keep: frozenset[Path] = frozenset()) -> None:
    """Delete this process's least recently used files until the work folder fits its
    size cap; ``keep`` (the files in use right now) is never deleted."""
    cap = paths.work_cap_bytes()
    total = folder_size(paths.work_dir())
    if total <= cap:
        return
    files = [p for p in process_dir().rglob("*") if p.is_file() and p not in keep]
    for path in sorted(files, key=lambda p: p.stat().st_mtime):
        total -= path.stat().st_size
        path.unlink(missing_ok=True)
        if path.parent != process_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()
        if total <= cap:
            return


def touch(path: Path) -> None:
    """Mark a file as just used (it goes last when space is made)."""
    try:
        os.utime(path)
    except OSError:
        pass


def safe_name(name: str) -> str:
    """A plain file name for ``name`` (no folders, no odd characters), suffix kept."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return base[-120:] or "upload"


def _chunks(src: BinaryIO | bytes) -> Iterator[bytes]:
    if isinstance(src, bytes):
        for start in range(0, len(src), _CHUNK):
            yield src[start : start + _CHUNK]
        return
    src.seek(0)
    yield from iter(lambda: src.read(_CHUNK), b"")


def spill(src: BinaryIO | bytes, name: str, limit_mb: float) -> StoredFile:
    """Copy an upload to ``uploads/<hash>/<name>`` in this process's folder, in chunks.

    Raises:
        MediaError: the upload is empty, larger than ``limit_mb`` megabytes, or not a
            file PoseLab reads at all.
    """
    folder = process_dir() / "uploads"
    folder.mkdir(exist_ok=True)
    limit = int(limit_mb * 1024 * 1024)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(src):
                size += len(chunk)
                if size > limit:
                    raise MediaError(f"{name}: file is over the {limit_mb:.0f} MB upload limit")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise MediaError(f"{name}: file is empty")
        # Named after the upload, so results and exports carry the user's file name.
        target = folder / digest.hexdigest()[:32] / safe_name(name)
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp, target)  # atomic: a concurrent spill of the same bytes is harmless
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    kind = media_kind(target)
    enforce_cap(frozenset({target}))
    # The name shown in messages is the safe one: a file name can't carry Markdown.
    return StoredFile(target, target.name, digest.hexdigest(), size, kind)


def sample_names(kinds: tuple[Kind, ...] = ("image", "clip")) -> list[str]:
    """The sample media present, clips first, of the given kinds."""
    names = (SAMPLE_CLIPS if "clip" in kinds else ()) + (SAMPLE_IMAGES if "image" in kinds else ())
    folder = paths.samples_dir()
    return [n for n in names if (folder / n).is_file()]


@functools.lru_cache(maxsize=64)
def _hashed(path: Path, mtime_ns: int, size: int) -> StoredFile:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return StoredFile(path, path.name, digest.hexdigest(), size, media_kind(path), sample=True)


def sample(name: str) -> StoredFile:
    """A sample file, hashed once per content."""
    path = paths.samples_dir() / name
    info = path.stat()
    return _hashed(path, info.st_mtime_ns, info.st_size)


def result_path(digest: str, key: str, suffix: str) -> Path:
    """Where this process keeps a result (an annotated clip) of one file and settings."""
    folder = process_dir() / "results"
    folder.mkdir(exist_ok=True)
    return folder / f"{digest[:16]}-{key}{suffix}"
