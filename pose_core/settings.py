"""Analysis settings: one frozen dataclass shared by the CLI and the app."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MAX_PEOPLE_LIMIT = 10


@dataclass(frozen=True)
class Settings:
    """Everything that changes an analysis result.

    Attributes:
        max_people: people to look for in each frame (1..10).
        model_path: a ``pose_landmarker_*.task`` file, or None for the built-in model.
        min_detection_confidence: pose detector score needed to start a person (0..1).
        min_presence_confidence: landmark presence score needed to keep a person (0..1).
        min_tracking_confidence: score to keep tracking without re-detecting (0..1).
        smoothing: apply the One Euro filter to clip landmarks.
        smoothing_min_cutoff: One Euro minimum cut-off frequency in Hz (lower = smoother).
        smoothing_beta: One Euro speed coefficient (higher = less lag on fast moves).
        max_gap_s: fill gaps in a person's track up to this long, in seconds (0 = never).
    """

    max_people: int = 1
    model_path: str | None = None
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smoothing: bool = True
    smoothing_min_cutoff: float = 1.0
    smoothing_beta: float = 10.0
    max_gap_s: float = 0.25

    def __post_init__(self) -> None:
        if not 1 <= self.max_people <= MAX_PEOPLE_LIMIT:
            raise ValueError(f"max_people must be 1..{MAX_PEOPLE_LIMIT}, got {self.max_people}")
        for name in (
            "min_detection_confidence",
            "min_presence_confidence",
            "min_tracking_confidence",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value}")
        if self.smoothing_min_cutoff <= 0 or self.smoothing_beta < 0 or self.max_gap_s < 0:
            raise ValueError("smoothing_min_cutoff must be > 0, smoothing_beta and max_gap_s >= 0")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
