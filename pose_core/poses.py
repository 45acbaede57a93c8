"""The pose containers: a whole analysis, one pose, and one frame's raw detections.

Shapes use F = frames, P = people (the person axis index *is* the person id, stable
across frames), L = 33 landmarks, n = detections in one frame. Missing values are NaN.
Tables and files are made from these by :mod:`pose_core.export`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from pose_core.errors import PoseLabError
from pose_core.landmarks import MIRROR_PERMUTATION, NUM_LANDMARKS

_MIRROR = np.asarray(MIRROR_PERMUTATION)


def _check_shapes(owner: object, expected: dict[str, tuple[int, ...]]) -> None:
    for name, shape in expected.items():
        actual = getattr(owner, name).shape
        if actual != shape:
            raise ValueError(f"{name} must have shape {shape}, got {actual}")


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
        fps: frame rate from the frames' median spacing (0 for an image).
        source: file name the poses came from.
        history: processing steps applied, in order.
        filled: (F, P) True where a person's landmarks were interpolated over a gap,
            not measured; None when nothing was filled.
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
    filled: np.ndarray | None = None

    def __post_init__(self) -> None:
        f, p = self.xyz.shape[:2]
        _check_shapes(
            self,
            {
                "xyz": (f, p, NUM_LANDMARKS, 3),
                "visibility": (f, p, NUM_LANDMARKS),
                "presence": (f, p, NUM_LANDMARKS),
                "world": (f, p, NUM_LANDMARKS, 3),
                "times_s": (f,),
            },
        )
        if self.filled is not None:
            _check_shapes(self, {"filled": (f, p)})

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
        return int(self.xyz.shape[0])

    @property
    def num_people(self) -> int:
        return int(self.xyz.shape[1])

    @property
    def detected(self) -> np.ndarray:
        """(F, P) bool: whether the person was found (or filled in) in the frame."""
        return np.asarray(~np.isnan(self.xyz[..., 0]).all(axis=-1))

    @property
    def xy_px(self) -> np.ndarray:
        """(F, P, L, 2) image coordinates in pixels of the upright frame."""
        return self.xyz[..., :2] * np.asarray(self.size_wh, dtype=np.float32)

    def detection_rate(self) -> float:
        """Share of frames in which at least one person was found."""
        if self.num_frames == 0:
            return 0.0
        return float(self.detected.any(axis=1).mean())

    def with_steps(self, step: str, **arrays: Any) -> PoseSequence:
        """A copy with some arrays replaced and ``step`` appended to the history."""
        return replace(self, **arrays, history=[*self.history, step])

    def frozen(self) -> PoseSequence:
        """This sequence with read-only arrays, safe to share between threads."""
        for name in ("xyz", "visibility", "presence", "world", "times_s", "filled"):
            array = getattr(self, name)
            if array is not None:
                array.flags.writeable = False
        return self

    def equals(self, other: PoseSequence, atol: float = 1e-6) -> bool:
        """True when both hold the same landmarks (NaN equal to NaN) and frame metadata."""
        arrays = ("xyz", "visibility", "presence", "world", "times_s")
        return self.size_wh == other.size_wh and all(
            getattr(self, a).shape == getattr(other, a).shape
            and np.allclose(getattr(self, a), getattr(other, a), atol=atol, equal_nan=True)
            for a in arrays
        )

    def label(self, frame: int) -> str:
        """How to name one frame of this sequence in messages."""
        name = self.source or "input"
        return name if self.num_frames == 1 else f"{name} frame {frame}"

    def pose(self, frame: int = 0, person: int = 0) -> Pose:
        """The pose of ``person`` in ``frame``.

        Raises:
            PoseLabError: the frame or person does not exist, or nobody was found there.
        """
        name = self.source or "input"
        if not 0 <= frame < self.num_frames:
            raise PoseLabError(f"{name}: frame {frame} is out of range (0..{self.num_frames - 1})")
        if not 0 <= person < self.num_people or not self.detected[frame, person]:
            where = f" in frame {frame}" if self.num_frames > 1 else ""
            raise PoseLabError(f"{name}: person {person} was not found{where}")
        return Pose(
            world=self.world[frame, person].astype(np.float64),
            visibility=np.nan_to_num(self.visibility[frame, person].astype(np.float64)),
            xy_px=self.xy_px[frame, person].astype(np.float64),
            size_wh=(int(self.size_wh[0]), int(self.size_wh[1])),
            label=self.label(frame),
        )


@dataclass(frozen=True)
class Pose:
    """One person's pose at one instant.

    Attributes:
        world: (33, 3) world landmarks in metres (MediaPipe: origin between the hips,
            y down); NaN where missing.
        visibility: (33,) in 0..1.
        xy_px: (33, 2) pixels in the source frame, when the pose came from a picture.
        size_wh: (width, height) of that frame.
        label: what the pose is, for messages ("cam01.mp4 frame 12", "tree").
    """

    world: np.ndarray
    visibility: np.ndarray
    xy_px: np.ndarray | None = None
    size_wh: tuple[int, int] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        _check_shapes(self, {"world": (NUM_LANDMARKS, 3), "visibility": (NUM_LANDMARKS,)})
        if self.xy_px is not None:
            _check_shapes(self, {"xy_px": (NUM_LANDMARKS, 2)})

    def mirrored(self) -> Pose:
        """The mirror image: x reflected and left and right swapped, so labels still fit."""
        world, vis = mirror_world(self.world, self.visibility)
        xy = None
        if self.xy_px is not None:
            xy = self.xy_px[_MIRROR].copy()
            if self.size_wh is not None:
                xy[:, 0] = self.size_wh[0] - xy[:, 0]
        return Pose(world, vis, xy, self.size_wh, f"{self.label} (mirrored)")


def mirror_world(world: np.ndarray, visibility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror images of (..., 33, 3) world poses and their (..., 33) visibility.

    x is reflected and every left landmark trades places with its right twin, so a
    mirrored left knee is still labelled as a left knee.
    """
    return world[..., _MIRROR, :] * np.array([-1.0, 1.0, 1.0]), visibility[..., _MIRROR]


@dataclass(frozen=True)
class Detections:
    """The poses an engine found in one frame, in its own order (no identity).

    Shapes: ``xyz`` (n, 33, 3) normalized; ``visibility``/``presence`` (n, 33);
    ``world`` (n, 33, 3) metres.
    """

    xyz: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray

    def __len__(self) -> int:
        return int(self.xyz.shape[0])

    def select(self, rows: list[int], mirrored: list[bool] | None = None) -> Detections:
        """The detections at ``rows``, in that order; ``mirrored[k]`` swaps left and
        right labels of row ``k`` (a tracker's correction)."""
        arrays = [a[rows].copy() for a in (self.xyz, self.visibility, self.presence, self.world)]
        for k, flip in enumerate(mirrored or []):
            if flip:
                for a in arrays:
                    a[k] = a[k][_MIRROR]
        return Detections(*arrays)

    @classmethod
    def none(cls) -> Detections:
        z3 = np.zeros((0, NUM_LANDMARKS, 3), np.float32)
        z1 = np.zeros((0, NUM_LANDMARKS), np.float32)
        return cls(z3, z1, z1.copy(), z3.copy())
