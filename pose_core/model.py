"""Locate or build the PoseLandmarker model bundle, offline.

MediaPipe 0.10.21 ships BlazePose (full) weights as bare ``.tflite`` files without the
metadata the Tasks API needs. We add that metadata with MediaPipe's own writer and zip
both models into a ``.task`` bundle, cached on disk and keyed by the source files' hash.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pose_core import paths
from pose_core.errors import ModelError

_DETECTOR = ("modules/pose_detection/pose_detection.tflite", 2, (127.5, 127.5))
_LANDMARKER = ("modules/pose_landmark/pose_landmark_full.tflite", 5, (0.0, 255.0))


@dataclass(frozen=True)
class ModelInfo:
    """Where the model bundle lives and what it is."""

    path: Path
    name: str
    origin: str


def _mediapipe_dir() -> Path:
    import mediapipe

    return Path(mediapipe.__file__).parent


def _with_metadata(model: bytes, name: str, outputs: int, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name)
    writer.add_image_input([mean], [std])
    for _ in range(outputs):
        writer.add_feature_output()
    populated, _ = writer.populate()
    return bytes(populated)


def build_bundle(cache_dir: Path | None = None) -> Path:
    """Build (once) the ``.task`` bundle from the weights inside the mediapipe wheel.

    Returns the path of the cached bundle. The write is atomic, so concurrent callers
    never see a half-written file.
    """
    root = _mediapipe_dir()
    sources = [root / p for p, _, _ in (_DETECTOR, _LANDMARKER)]
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise ModelError(
            f"the installed mediapipe ships no BlazePose weights ({missing[0]}); "
            "install mediapipe==0.10.21 or pass --model with a pose_landmarker .task file"
        )
    blobs = [p.read_bytes() for p in sources]
    digest = hashlib.sha256(b"".join(hashlib.sha256(b).digest() for b in blobs)).hexdigest()
    cache = cache_dir or paths.cache_dir()
    target = cache / f"pose_landmarker_full_{digest[:16]}.task"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    members = {
        "pose_detector.tflite": _with_metadata(
            blobs[0], "pose_detector", _DETECTOR[1], *_DETECTOR[2]
        ),
        "pose_landmarks_detector.tflite": _with_metadata(
            blobs[1], "pose_landmarks_detector", _LANDMARKER[1], *_LANDMARKER[2]
        ),
    }
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def resolve_model(path: str | os.PathLike[str] | None = None) -> ModelInfo:
    """The model to use: a user's ``pose_landmarker_*.task`` file, or the built-in bundle."""
    if path:
        p = Path(path).expanduser()
        if not p.is_file():
            raise ModelError(f"model file not found: {p}")
        if not zipfile.is_zipfile(p):
            raise ModelError(f"{p.name} is not a MediaPipe .task bundle (expected a zip archive)")
        return ModelInfo(path=p.resolve(), name=p.stem, origin=f"user file {p}")
    bundle = build_bundle()
    return ModelInfo(
        path=bundle,
        name="BlazePose full (mediapipe 0.10.21 wheel)",
        origin=f"built from the weights in the mediapipe wheel, cached at {bundle}",
    )
