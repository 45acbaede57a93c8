"""What a batch analyses: files, folders (recursive) and globs, turned into a list of
media files, each with the relative path its outputs are written under.

Inside folders and globs, a file is media by its content (a still's magic number, or a
container PyAV opens), never by its name; files named one by one are always taken, so a
bad one gets its line in the summary.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pose_core.errors import MediaError
from pose_core.media import ClipReader, media_kind


@dataclass(frozen=True)
class BatchInput:
    """One input of a batch.

    Attributes:
        path: the file (as given or found).
        rel: its path relative to the folder or glob base it came from (posix, with
            suffix): outputs go to ``OUT/<rel's folder>/<stem>.*``; unique in a batch.
        error: why it cannot even be looked at (a missing file, a glob matching
            nothing), or None.
    """

    path: Path
    rel: str
    error: str | None = None

    @property
    def stem(self) -> str:
        """The output name inside its folder: ``rel`` without its suffix."""
        return str(PurePosixPath(self.rel).with_suffix(""))


def is_media(path: Path) -> bool:
    """Whether a file found in a folder is a still or a clip we can open, by content."""
    try:
        if media_kind(path) == "image":
            return True
        ClipReader(path).close()
    except (MediaError, OSError):
        return False
    return True


def _walk(folder: Path, skip: Path | None) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (skip is None or here / d != skip)
        )
        found += [here / f for f in sorted(files) if not f.startswith(".")]
    return found


def _glob_base(pattern: str) -> Path:
    """The folder part of a glob before its first wildcard."""
    parts = Path(pattern).parts
    base = [p for p in parts[: next(i for i, p in enumerate(parts) if glob.has_magic(p))]]
    return Path(*base) if base else Path(".")


def _unique(inputs: list[BatchInput]) -> list[BatchInput]:
    """Same outputs name twice (``a.mp4`` and ``a.jpg``, or one file given twice): the
    later ones get ``-2``, ``-3`` ... before the suffix."""
    seen: dict[str, int] = {}
    out = []
    for item in inputs:
        key = item.stem.lower()
        n = seen[key] = seen.get(key, 0) + 1
        if n > 1:
            rel = PurePosixPath(item.rel)
            new = str(rel.with_name(f"{rel.stem}-{n}{rel.suffix}"))
            item = BatchInput(item.path, new, item.error)
        out.append(item)
    return out


def collect(specs: list[str], out_dir: Path | None = None) -> list[BatchInput]:
    """The inputs named by ``specs`` (files, folders, globs), in the order given; inside
    a folder or glob, sorted by path. ``out_dir`` is never searched (a batch's own
    outputs are not inputs of the next run)."""
    skip = out_dir.resolve() if out_dir is not None else None
    items: list[BatchInput] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            base = path.resolve()
            found = sorted((p for p in _walk(base, skip) if is_media(p)), key=lambda p: p.parts)
            items += [BatchInput(p, p.relative_to(base).as_posix()) for p in found]
            if not found:
                items.append(BatchInput(path, path.name, f"{spec}: no images or clips in it"))
        elif glob.has_magic(spec):
            base = _glob_base(spec).resolve()
            matches = sorted(Path(m).resolve() for m in glob.glob(spec, recursive=True))
            found = [p for p in matches if p.is_file() and is_media(p)]
            for p in found:
                rel = p.relative_to(base).as_posix() if p.is_relative_to(base) else p.name
                items.append(BatchInput(p, rel))
            if not found:
                items.append(BatchInput(path, path.name, f"{spec}: matches no images or clips"))
        else:
            items.append(BatchInput(path, path.name))
    return _unique(items)


def folders_under(root: Path, depth: int = 2, limit: int = 500) -> list[Path]:
    """Folders below ``root`` (``root`` itself first), at most ``depth`` levels down,
    hidden and unreadable ones left out: what the app offers to pick from."""
    found = [root]
    level = [root]
    for _ in range(depth):
        below: list[Path] = []
        for folder in level:
            try:
                subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
            except OSError:
                continue
            below += [p for p in subs if not p.name.startswith(".")]
        found += below
        level = below
        if len(found) >= limit:
            break
    return sorted(found[:limit])
