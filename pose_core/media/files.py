"""What a file is, from its bytes: checks every reader runs before it decodes."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Literal

from pose_core.errors import MediaError

MAX_FILE_BYTES = 2 * 1024**3
IMAGE_FORMATS = "JPEG, PNG, WebP, BMP, GIF or TIFF"
CLIP_FORMATS = "MP4, MOV, WebM, MKV or AVI"
# Suffixes the app's upload boxes offer; what a file *is* comes from its content.
IMAGE_SUFFIXES = ("jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff")
CLIP_SUFFIXES = ("mp4", "mov", "webm", "mkv", "avi", "m4v")
# Magic numbers of the still formats we decode (first bytes of the file).
_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"BM",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
)

Kind = Literal["image", "clip"]


def check_file(path: Path) -> int:
    """The size in bytes of a regular, non-empty file within the size limit.

    Raises:
        MediaError: missing, a folder, a pipe or device (reading it could block for
            ever), empty, or too large; one line naming the file.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise MediaError(f"{path.name}: file not found") from None
    except OSError as exc:
        raise MediaError(f"{path.name}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise MediaError(f"{path.name}: is a folder, not a media file")
    if not stat.S_ISREG(info.st_mode):
        raise MediaError(f"{path.name}: not a regular file (a pipe or a device?)")
    if info.st_size == 0:
        raise MediaError(f"{path.name}: file is empty")
    if info.st_size > MAX_FILE_BYTES:
        raise MediaError(
            f"{path.name}: file is {info.st_size / 1024**3:.1f} GB, over the "
            f"{MAX_FILE_BYTES / 1024**3:.0f} GB limit"
        )
    return info.st_size


def sniff(head: bytes) -> Kind:
    """``"image"`` when ``head`` (the file's first bytes) starts a still, else ``"clip"``."""
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    return "clip"


def media_kind(path: str | Path) -> Kind:
    """Whether a file holds a still or (maybe) a clip, by its content, not its name.

    Raises:
        MediaError: see :func:`check_file`.
    """
    path = Path(path)
    check_file(path)
    with open(path, "rb") as fh:
        return sniff(fh.read(16))
