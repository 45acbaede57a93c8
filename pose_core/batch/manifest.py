"""The batch manifest: what was analysed, keyed by (content hash, settings, engine
version), so a second run skips it and an interrupted run picks up where it stopped.

``OUT/manifest.jsonl`` gets one JSON line per finished input, appended and flushed to
disk as soon as the input is done; a line cut short by a crash is ignored on reading. An
entry counts only while every file it lists still exists. An input that failed by its own
fault (not media, truncated) is recorded with its ``error`` and not tried again while its
bytes and the settings stay the same; one whose worker died is not recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pose_core.settings import Settings

MANIFEST = "manifest.jsonl"
FORMAT = 2
"""Bumped when what a batch writes per input changes: every entry is then redone."""
_CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def engine_version(settings: Settings) -> str:
    """The engine, the model and this format: ``ours:mediapipe==0.10.21:batch1``.

    The built-in model is made from the mediapipe wheel's weights, so that wheel's
    version names it (no import needed); a user's ``.task`` file is named by its hash.
    """
    if settings.model_path:
        model = f"task:{file_digest(Path(settings.model_path).expanduser())[:16]}"
    else:
        model = f"mediapipe=={metadata.version('mediapipe')}"
    runtime = f"litert=={metadata.version('ai-edge-litert')}" if settings.engine == "ours" else ""
    return f"{settings.engine}:{model}:{runtime}:batch{FORMAT}"


def entry_key(digest: str, settings: Settings, video: bool, engine: str) -> str:
    """The manifest key of one input's analysis: same content, settings, annotated
    output wanted or not, and engine version give the same key."""
    doc = {"digest": digest, "settings": settings.as_dict(), "video": video, "engine": engine}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


@dataclass
class Manifest:
    """The finished entries of one output folder.

    Attributes:
        path: ``OUT/manifest.jsonl``.
        entries: key -> entry (``key``, ``rel``, ``digest``, ``stat``, ``outputs``
            relative to OUT, ``row`` for the summary).
    """

    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        manifest = cls(out_dir / MANIFEST)
        if not manifest.path.is_file():
            return manifest
        for line in manifest.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
                manifest.entries[entry["key"]] = entry
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: that input is simply redone
        return manifest

    def done(self, key: str, rel: str) -> dict[str, Any] | None:
        """The entry of ``key`` written under ``rel`` whose files all still exist."""
        entry = self.entries.get(key)
        if entry is None or entry.get("rel") != rel:
            return None
        root = self.path.parent
        if not all((root / p).is_file() for p in entry.get("outputs", {}).values()):
            return None
        return entry

    def known_digest(self, path: Path) -> str | None:
        """The content hash of ``path`` from an entry with the same size and mtime, so an
        unchanged file is not read again."""
        try:
            stat = file_stat(path)
        except OSError:
            return None
        for entry in self.entries.values():
            if entry.get("stat") == stat:
                return str(entry["digest"])
        return None

    def add(self, entry: dict[str, Any]) -> None:
        """Record a finished input, on disk at once (one appended, fsynced line)."""
        self.entries[entry["key"]] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, allow_nan=False, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def file_stat(path: Path) -> list[Any]:
    """What ``known_digest`` compares: the absolute path, size and mtime in ns."""
    info = path.stat()
    return [str(path.resolve()), info.st_size, info.st_mtime_ns]
