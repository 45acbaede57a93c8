"""Every folder PoseLab reads or writes, and the ``POSELAB_*`` variables that move them.

Nothing else in PoseLab reads the environment for a folder: call these functions.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pose_core.errors import PoseLabError

ENVIRONMENT: dict[str, str] = {
    "POSELAB_CACHE": "built model bundles (default ~/.cache/poselab)",
    "POSELAB_DATA": "the reference library and model files (default ~/.local/share/poselab)",
    "POSELAB_WORK": "the app's uploads and results, private to you (default ~/.cache/poselab/work)",
    "POSELAB_WORK_MB": "size cap of that folder in MB, oldest files go first (default 2048)",
    "POSELAB_SAMPLES": "the sample media (default sample_media/ in the repository)",
    "POSELAB_BROWSE_ROOT": "the folder the app's Batch page may list (default your home)",
    "POSELAB_NATIVE_LOGS": "set to 1 to show MediaPipe's own log lines on the command line",
}
REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_WORK_MB = 2048


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def cache_dir() -> Path:
    """Built model bundles: ``$POSELAB_CACHE`` or ``~/.cache/poselab``."""
    return _env_path("POSELAB_CACHE", Path.home() / ".cache" / "poselab")


def data_dir() -> Path:
    """The user's data: ``$POSELAB_DATA`` or ``~/.local/share/poselab``."""
    return _env_path("POSELAB_DATA", Path.home() / ".local" / "share" / "poselab")


def references_dir() -> Path:
    """Saved reference poses and routines, one JSON file each."""
    return data_dir() / "references"


def models_dir() -> Path:
    """``.task`` model files the app offers in its model picker."""
    return data_dir() / "models"


def samples_dir() -> Path:
    """``$POSELAB_SAMPLES`` or the repository's ``sample_media/``."""
    return _env_path("POSELAB_SAMPLES", REPOSITORY / "sample_media")


def browse_root() -> Path:
    """The folder whose sub-folders the app may list: ``$POSELAB_BROWSE_ROOT`` or home."""
    return _env_path("POSELAB_BROWSE_ROOT", Path.home())


def work_cap_bytes() -> int:
    """Size cap of :func:`work_dir` in bytes (``$POSELAB_WORK_MB``, default 2048 MB)."""
    value = os.environ.get("POSELAB_WORK_MB", "")
    try:
        mb = float(value) if value else DEFAULT_WORK_MB
    except ValueError:
        mb = DEFAULT_WORK_MB
    return int(max(mb, 1.0) * 1024 * 1024)


def private_dir(path: Path) -> Path:
    """``path`` as a folder only this user can enter (0700), created if missing.

    Raises:
        PoseLabError: it is a symlink, not a folder, or owned by another user (someone
            may have planted it to read or swap what we write there).
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise PoseLabError(f"{path}: expected a private folder, found a link or a file")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PoseLabError(f"{path}: the folder belongs to another user")
    if stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)
    return path


def work_dir() -> Path:
    """The app's private work folder: ``$POSELAB_WORK`` or ``~/.cache/poselab/work``."""
    return private_dir(_env_path("POSELAB_WORK", cache_dir() / "work"))


def native_logs() -> bool:
    """Whether to let MediaPipe's own log lines through (``$POSELAB_NATIVE_LOGS``)."""
    return bool(os.environ.get("POSELAB_NATIVE_LOGS"))
