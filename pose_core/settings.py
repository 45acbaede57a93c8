"""Analysis settings: one frozen dataclass, the single list the CLI and the app build from.

Each field's metadata names its command-line flag and help text, and whether changing it
re-runs the pose model (``detection``) or only the cheap steps after it (filters, gap
filling, angles). ``pose_core.cli`` makes its flags from these fields; the app's sidebar
has one control per field, and a test holds the three lists equal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

MAX_PEOPLE_LIMIT = 10
FILTER_NAMES = ("none", "one_euro", "butterworth", "savgol", "median")
"""The filters ``pose_core.filters`` offers for clip landmarks."""


def _option(
    flag: str, text: str, detection: bool = False, choices: tuple[str, ...] | None = None
) -> Any:
    return {"flag": flag, "help": text, "detection": detection, "choices": choices}


@dataclass(frozen=True)
class Settings:
    """Everything that changes an analysis result.

    Attributes:
        engine: ``"ours"`` (PoseLab's own two BlazePose stages) or ``"tasks"``
            (MediaPipe's Tasks API, the reference).
        max_people: people to look for in each frame (1..10).
        crowd: also search overlapping tiles for small people (slower; images and
            clips with max_people > 1).
        model_path: a ``pose_landmarker_*.task`` file, or None for the built-in model.
        min_detection_confidence: pose detector score needed to start a person (0..1).
        min_presence_confidence: landmark presence score needed to keep a person (0..1).
        min_tracking_confidence: score to keep tracking without re-detecting (0..1).
        start_s: analyse a clip from this time, in seconds from its first frame.
        end_s: analyse a clip up to this time, in seconds (0 = to its end).
        hampel: reject outliers (Hampel) before filtering clip landmarks.
        filter: the filter of clip landmarks, a key of ``pose_core.filters.FILTERS``.
        smoothing_min_cutoff: One Euro minimum cut-off frequency in Hz (lower = smoother).
        smoothing_beta: One Euro speed coefficient (higher = less lag on fast moves).
        cutoff_hz: Butterworth cut-off frequency in Hz (lower = smoother).
        window_s: Savitzky-Golay and median window, in seconds.
        max_gap_s: fill gaps in a person's track up to this long, in seconds (0 = never).
        height_m: the height of the person seen most, in metres, for a metric scale of
            image coordinates (0 = unknown: pixels only).
    """

    engine: str = field(
        default="ours",
        metadata=_option("--engine", "pose engine", detection=True, choices=("ours", "tasks")),
    )
    max_people: int = field(
        default=1, metadata=_option("--max-people", "people per frame, 1..10", detection=True)
    )
    crowd: bool = field(
        default=False,
        metadata=_option("--crowd", "search tiles for small people (slower)", detection=True),
    )
    model_path: str | None = field(
        default=None,
        metadata=_option("--model", "a pose_landmarker_*.task file", detection=True),
    )
    min_detection_confidence: float = field(
        default=0.5,
        metadata=_option("--min-detection", "detector score to find a person", detection=True),
    )
    min_presence_confidence: float = field(
        default=0.5,
        metadata=_option("--min-presence", "presence score to keep a person", detection=True),
    )
    min_tracking_confidence: float = field(
        default=0.5,
        metadata=_option("--min-tracking", "score to keep tracking a person", detection=True),
    )
    start_s: float = field(
        default=0.0, metadata=_option("--start", "analyse clips from this second", detection=True)
    )
    end_s: float = field(
        default=0.0,
        metadata=_option("--end", "analyse clips up to this second (0 = the end)", detection=True),
    )
    hampel: bool = field(
        default=False, metadata=_option("--hampel", "reject outliers (Hampel) before filtering")
    )
    filter: str = field(
        default="one_euro",
        metadata=_option(
            "--filter",
            "filter of clip landmarks",
            choices=FILTER_NAMES,
        ),
    )
    smoothing_min_cutoff: float = field(
        default=1.0, metadata=_option("--min-cutoff", "One Euro minimum cut-off, Hz")
    )
    smoothing_beta: float = field(
        default=10.0, metadata=_option("--beta", "One Euro speed coefficient")
    )
    cutoff_hz: float = field(
        default=6.0, metadata=_option("--cutoff-hz", "Butterworth cut-off, Hz")
    )
    window_s: float = field(
        default=0.2, metadata=_option("--window", "Savitzky-Golay and median window, seconds")
    )
    max_gap_s: float = field(
        default=0.25, metadata=_option("--max-gap", "fill gaps up to this many seconds")
    )
    height_m: float = field(
        default=0.0,
        metadata=_option("--height", "height of the person seen most, metres (0 = unknown)"),
    )

    def __post_init__(self) -> None:
        if self.engine not in ("ours", "tasks"):
            raise ValueError(f"engine must be 'ours' or 'tasks', got {self.engine!r}")
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
        if self.smoothing_min_cutoff <= 0:
            raise ValueError(f"smoothing_min_cutoff must be > 0, got {self.smoothing_min_cutoff}")
        if self.smoothing_beta < 0 or self.max_gap_s < 0:
            raise ValueError("smoothing_beta and max_gap_s must be >= 0")
        self._check_filters()
        if not (self.height_m == 0 or 0.5 <= self.height_m <= 2.5):
            raise ValueError(f"height_m must be 0 (unknown) or 0.5..2.5 m, got {self.height_m}")
        if self.start_s < 0 or self.end_s < 0 or (self.end_s and self.end_s <= self.start_s):
            raise ValueError(
                f"the clip's end ({self.end_s} s) must come after its start ({self.start_s} s)"
            )

    def _check_filters(self) -> None:
        if self.filter not in FILTER_NAMES:
            names = ", ".join(FILTER_NAMES)
            raise ValueError(f"filter must be one of {names}, got {self.filter!r}")
        if self.cutoff_hz <= 0 or self.window_s <= 0:
            raise ValueError("cutoff_hz and window_s must be > 0")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def detection(self) -> Settings:
        """These settings with every non-detection field at its default.

        Two settings with equal ``detection()`` give the same raw landmarks, so it is the
        cache key of the model's work.
        """
        keep = {f.name: getattr(self, f.name) for f in fields(self) if f.metadata["detection"]}
        return replace(Settings(), **keep)


def setting_fields() -> tuple[str, ...]:
    """Names of every field, in order."""
    return tuple(f.name for f in fields(Settings))
