"""The files the app works on: uploads spilled to disk, and the sample media.

The app keeps no upload in memory longer than one script run: the bytes go to a file in
the PoseLab work folder, ``<hash>/<name>``, and everything after that (analysis, frame
decoding) reads the file. The content hash doubles as the results' cache key.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pose_core.errors import MediaError

MAX_UPLOAD_MB = 500
_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
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
        path: where the bytes are (a spilled upload, or the original file).
        name: the name the user knows it by.
        digest: SHA-256 of the content, hex.
        size_bytes: file size.
    """

    path: Path
    name: str
    digest: str
    size_bytes: int


def work_dir(sub: str) -> Path:
    """``$POSELAB_TMP/poselab/<sub>`` (default: the system temp folder), created."""
    base = Path(os.environ.get("POSELAB_TMP") or tempfile.gettempdir())
    path = base / "poselab" / sub
    path.mkdir(parents=True, exist_ok=True)
    return path


def sample_dir() -> Path:
    """``$POSELAB_SAMPLES`` or the repository's ``sample_media/``."""
    env = os.environ.get("POSELAB_SAMPLES")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "sample_media"


def samples(names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` present in :func:`sample_dir`, in order."""
    folder = sample_dir()
    return [n for n in names if (folder / n).is_file()]


def safe_name(name: str) -> str:
    """A plain file name for ``name`` (no folders, no odd characters), suffix kept."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return base[-120:] or "upload"


def spill(src: BinaryIO | bytes, name: str, limit_mb: float = MAX_UPLOAD_MB) -> StoredFile:
    """Copy an upload to ``work_dir("uploads")/<hash>/<name>`` in chunks.

    Raises:
        MediaError: the upload is empty or larger than ``limit_mb`` megabytes.
    """
    if isinstance(src, bytes):
        chunks = [src[i : i + _CHUNK] for i in range(0, len(src), _CHUNK)]
    else:
        src.seek(0)
        chunks = iter(lambda: src.read(_CHUNK), b"")
    folder = work_dir("uploads")
    limit = int(limit_mb * 1024 * 1024)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
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
    return StoredFile(target, name, digest.hexdigest(), size)


def stored(path: str | Path) -> StoredFile:
    """A file already on disk (a sample), hashed in place."""
    path = Path(path)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return StoredFile(path, path.name, digest.hexdigest(), path.stat().st_size)


def output_path(digest: str, suffix: str) -> Path:
    """A fresh file in ``work_dir("results")`` for one analysis' output (unique per call)."""
    fd, name = tempfile.mkstemp(dir=work_dir("results"), prefix=f"{digest[:16]}-", suffix=suffix)
    os.close(fd)
    return Path(name)
