"""Shared fixtures: the sample media folder and the offline model, made by `make test`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pose_core.model import ModelInfo, resolve_model

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("POSELAB_SAMPLES", ROOT / "sample_media"))


@pytest.fixture(scope="session")
def sample_media() -> Path:
    """The prepared sample media folder (``make samples`` / ``python -m pose_core.samples``)."""
    if not (SAMPLES / "cam01.mp4").is_file():
        pytest.fail("sample media missing: run `make samples` (python -m pose_core.samples)")
    return SAMPLES


@pytest.fixture(scope="session")
def model() -> ModelInfo:
    """The offline model bundle built from the mediapipe wheel."""
    return resolve_model()
