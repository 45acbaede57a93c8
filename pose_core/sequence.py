"""The one data model of an analysis: landmarks of every frame and person as arrays.

Shapes use F = frames, P = people (the person axis index *is* the person id, stable
across frames), L = 33 landmarks. Missing values are NaN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pose_core.landmarks import LANDMARK_NAMES, NUM_LANDMARKS

LANDMARK_COLUMNS: tuple[str, ...] = (
    "frame",
    "time_s",
    "person",
    "landmark_id",
    "landmark",
    "x",
    "y",
    "z",
    "visibility",
    "presence",
    "x_px",
    "y_px",
    "world_x",
    "world_y",
    "world_z",
)


@dataclass
class PoseSequence:
    """Landmarks for a whole image or clip.

    Attributes:
        xyz: (F, P, L, 3) normalized x, y (0..1 of the upright frame) and MediaPipe's z.
        visibility: (F, P, L) in 0..1.
        presence: (F, P, L) in 0..1.
        world: (F, P, L, 3) world landmarks in metres, origin between the hips.
        times_s: (F,) frame times in seconds from the stream (0 for an image).
        size_wh: (width, height) of the upright frame in pixels.
        fps: average frame rate (0 for an image).
        source: file name the poses came from.
        history: processing steps applied, in order.
    """

    xyz: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    times_s: np.ndarray
    size_wh: tuple[int, int]
    fps: float = 0.0
    source: str = ""
    history: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        f, p = self.xyz.shape[:2]
        expected = {
            "xyz": (f, p, NUM_LANDMARKS, 3),
            "visibility": (f, p, NUM_LANDMARKS),
            "presence": (f, p, NUM_LANDMARKS),
            "world": (f, p, NUM_LANDMARKS, 3),
            "times_s": (f,),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(f"{name} must have shape {shape}, got {actual}")

    @classmethod
    def empty(
        cls, frames: int, people: int, size_wh: tuple[int, int], **kwargs: Any
    ) -> PoseSequence:
        """A sequence of ``frames`` x ``people`` with every value missing."""
        nan = np.full((frames, people, NUM_LANDMARKS), np.nan, dtype=np.float32)
        return cls(
            xyz=np.repeat(nan[..., None], 3, axis=-1),
            visibility=nan.copy(),
            presence=nan.copy(),
            world=np.repeat(nan[..., None], 3, axis=-1),
            times_s=kwargs.pop("times_s", np.zeros(frames)),
            size_wh=size_wh,
            **kwargs,
        )

    @property
    def num_frames(self) -> int:
        return self.xyz.shape[0]

    @property
    def num_people(self) -> int:
        return self.xyz.shape[1]

    @property
    def detected(self) -> np.ndarray:
        """(F, P) bool: whether the person was found in the frame."""
        return ~np.isnan(self.xyz[..., 0]).all(axis=-1)

    @property
    def xy_px(self) -> np.ndarray:
        """(F, P, L, 2) image coordinates in pixels of the upright frame."""
        return self.xyz[..., :2] * np.asarray(self.size_wh, dtype=np.float32)

    def detection_rate(self) -> float:
        """Share of frames in which at least one person was found."""
        if self.num_frames == 0:
            return 0.0
        return float(self.detected.any(axis=1).mean())

    def with_steps(self, step: str, **arrays: np.ndarray) -> PoseSequence:
        """A copy with some arrays replaced and ``step`` appended to the history."""
        return replace(self, **arrays, history=[*self.history, step])

    def frame(self, index: int) -> PoseSequence:
        """One frame as a sequence of length 1 (a view, not a copy)."""
        sl = slice(index, index + 1)
        return replace(
            self,
            xyz=self.xyz[sl],
            visibility=self.visibility[sl],
            presence=self.presence[sl],
            world=self.world[sl],
            times_s=self.times_s[sl],
        )

    def equals(self, other: PoseSequence, atol: float = 1e-6) -> bool:
        """True when both hold the same landmarks (NaN equal to NaN) and frame metadata."""
        arrays = ("xyz", "visibility", "presence", "world", "times_s")
        return self.size_wh == other.size_wh and all(
            getattr(self, a).shape == getattr(other, a).shape
            and np.allclose(getattr(self, a), getattr(other, a), atol=atol, equal_nan=True)
            for a in arrays
        )

    # -- tabular views -------------------------------------------------------------

    def to_dataframe(self) -> pd.DataFrame:
        """Tidy table, one row per frame x detected person x landmark (LANDMARK_COLUMNS)."""
        f_idx, p_idx = np.nonzero(self.detected)
        n = len(f_idx)
        rows = np.repeat(np.arange(n), NUM_LANDMARKS)
        lm = np.tile(np.arange(NUM_LANDMARKS), n)
        fi, pi = f_idx[rows], p_idx[rows]
        xyz = self.xyz[fi, pi, lm].astype(np.float64)
        world = self.world[fi, pi, lm].astype(np.float64)
        w, h = self.size_wh
        return pd.DataFrame(
            {
                "frame": fi.astype(np.int64),
                "time_s": self.times_s[fi].astype(np.float64),
                "person": pi.astype(np.int64),
                "landmark_id": lm.astype(np.int64),
                "landmark": np.asarray(LANDMARK_NAMES, dtype=object)[lm],
                "x": xyz[:, 0],
                "y": xyz[:, 1],
                "z": xyz[:, 2],
                "visibility": self.visibility[fi, pi, lm].astype(np.float64),
                "presence": self.presence[fi, pi, lm].astype(np.float64),
                "x_px": xyz[:, 0] * w,
                "y_px": xyz[:, 1] * h,
                "world_x": world[:, 0],
                "world_y": world[:, 1],
                "world_z": world[:, 2],
            },
            columns=list(LANDMARK_COLUMNS),
        )

    def to_csv(self, path: str | Path) -> None:
        """Write the landmark CSV (columns exactly LANDMARK_COLUMNS)."""
        self.to_dataframe().to_csv(path, index=False, float_format="%.7g")

    @classmethod
    def from_dataframe(
        cls,
        df: pd.DataFrame,
        size_wh: tuple[int, int],
        num_frames: int | None = None,
        times_s: np.ndarray | None = None,
        **kwargs: Any,
    ) -> PoseSequence:
        """Rebuild a sequence from a landmark table; frames absent from it stay missing.

        ``size_wh`` is needed because the table's normalized and pixel columns only fix
        it up to rows that exist; pass the clip's ``num_frames``/``times_s`` to keep
        frames in which nobody was found.
        """
        missing = [c for c in LANDMARK_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"landmark table lacks columns {missing}")
        frames = int(df["frame"].max()) + 1 if len(df) else 0
        frames = max(frames, num_frames or 0)
        people = int(df["person"].max()) + 1 if len(df) else 0
        seq = cls.empty(frames, people, size_wh, **kwargs)
        f, p, lm = (df[c].to_numpy(dtype=np.int64) for c in ("frame", "person", "landmark_id"))
        seq.xyz[f, p, lm] = df[["x", "y", "z"]].to_numpy(dtype=np.float32)
        seq.world[f, p, lm] = df[["world_x", "world_y", "world_z"]].to_numpy(dtype=np.float32)
        seq.visibility[f, p, lm] = df["visibility"].to_numpy(dtype=np.float32)
        seq.presence[f, p, lm] = df["presence"].to_numpy(dtype=np.float32)
        if times_s is not None:
            seq.times_s = np.asarray(times_s, dtype=np.float64)
        else:
            times = np.full(frames, np.nan)
            times[f] = df["time_s"].to_numpy(dtype=np.float64)
            seq.times_s = times
        return seq

    @classmethod
    def read_csv(cls, path: str | Path, size_wh: tuple[int, int] | None = None) -> PoseSequence:
        """Read a landmark CSV written by :meth:`to_csv`.

        Without ``size_wh`` the frame size is recovered from the ``x_px / x`` ratio.
        """
        df = pd.read_csv(path)
        if size_wh is None:
            size_wh = _size_from_table(df)
        return cls.from_dataframe(df, size_wh, source=Path(path).name)

    def metadata(self) -> dict[str, Any]:
        """Summary fields for the JSON report."""
        w, h = self.size_wh
        detected = self.detected
        return {
            "source": self.source,
            "frames": self.num_frames,
            "fps": round(self.fps, 4),
            "duration_s": float(self.times_s[-1] - self.times_s[0]) if self.num_frames else 0.0,
            "width": w,
            "height": h,
            "people": self.num_people,
            "frames_per_person": [int(n) for n in detected.sum(axis=0)],
            "detection_rate": round(self.detection_rate(), 4),
            "history": list(self.history),
        }

    def to_json(self, path: str | Path, extra: dict[str, Any] | None = None) -> None:
        """Write the summary plus the frame times as JSON."""
        doc = self.metadata() | {"times_s": [round(float(t), 6) for t in self.times_s]}
        doc |= extra or {}
        Path(path).write_text(json.dumps(doc, indent=2))


def _size_from_table(df: pd.DataFrame) -> tuple[int, int]:
    def ratio(px: str, norm: str) -> int:
        sel = df[norm].abs() > 1e-3
        if not sel.any():
            return 0
        return int(round(float((df.loc[sel, px] / df.loc[sel, norm]).median())))

    return ratio("x_px", "x"), ratio("y_px", "y")
