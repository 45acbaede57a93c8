"""Shared fixtures: the sample media folder, the offline model (made by `make test`) and
one analysis of each sample per settings for the whole session."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pose_core.analysis import Analysis, analyze_path
from pose_core.model import ModelInfo, resolve_model
from pose_core.settings import Settings

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


SampleAnalysis = Callable[..., Analysis]


@pytest.fixture(scope="session")
def analysed(sample_media: Path, model: ModelInfo) -> SampleAnalysis:
    """``analysed(name, **settings)``: the analysis of a sample with those settings,
    computed once for the whole test session (the model is the slow part)."""

    @functools.cache
    def run(name: str, **fields: object) -> Analysis:
        return analyze_path(sample_media / name, Settings(**fields), model)  # type: ignore[arg-type]

    return run
