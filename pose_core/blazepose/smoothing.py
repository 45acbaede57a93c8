"""MediaPipe's landmark smoothing, which its PoseLandmarker applies in VIDEO mode when it
looks for one pose.

Per coordinate, a One Euro filter: image landmarks in pixels with velocities divided by
the person's region side (min cut-off 0.05 Hz, beta 80), world landmarks in metres
(0.1 Hz, beta 40), derivative cut-off 1 Hz; visibility through a low-pass filter
(alpha 0.1). The sampling rate comes from the timestamps (30 Hz until two non-zero ones
are seen); a frame without the person resets every filter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from pose_core.blazepose.landmarks import NUM_BODY, PoseLandmarks

DEFAULT_FREQUENCY = 30.0
VISIBILITY_ALPHA = 0.1


class _LowPass:
    """Exponential smoothing; the first value passes through."""

    def __init__(self) -> None:
        self.raw: np.ndarray | None = None
        self.stored: np.ndarray | None = None

    def apply(self, value: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
        out = value if self.stored is None else alpha * value + (1.0 - alpha) * self.stored
        self.raw, self.stored = value, out
        return out


@dataclass
class OneEuro:
    """A bank of One Euro filters sharing timestamps (MediaPipe's variant)."""

    min_cutoff: float
    beta: float
    derivative_cutoff: float = 1.0
    frequency: float = DEFAULT_FREQUENCY
    last_ns: int = 0
    x: _LowPass = field(default_factory=_LowPass)
    dx: _LowPass = field(default_factory=_LowPass)

    def _alpha(self, cutoff: float | np.ndarray) -> float | np.ndarray:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau * self.frequency)

    def apply(self, time_ns: int, value_scale: float, value: np.ndarray) -> np.ndarray:
        """Filtered ``value`` (any shape) at ``time_ns``; a non-increasing time passes it."""
        if self.x.raw is not None and self.last_ns >= time_ns:
            return value
        if self.last_ns != 0 and time_ns != 0:
            self.frequency = 1.0 / ((time_ns - self.last_ns) * 1e-9)
        self.last_ns = time_ns
        speed = (
            (value - self.x.raw) * value_scale * self.frequency
            if self.x.raw is not None
            else np.zeros_like(value)
        )
        smooth_speed = self.dx.apply(speed, self._alpha(self.derivative_cutoff))
        cutoff = self.min_cutoff + self.beta * np.abs(smooth_speed)
        return self.x.apply(value, self._alpha(cutoff))


class PoseSmoother:
    """MediaPipe's one-pose smoothing of image and world landmarks and visibility."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._image = OneEuro(min_cutoff=0.05, beta=80.0)
        self._world = OneEuro(min_cutoff=0.1, beta=40.0)
        self._visibility = _LowPass()

    def apply(self, person: PoseLandmarks | None, time_ns: int) -> PoseLandmarks | None:
        """The person's landmarks smoothed; None (nobody this frame) resets the filters."""
        if person is None:
            self.reset()
            return None
        n = NUM_BODY
        values = np.concatenate([person.xy[:n], person.z[:n, None]], axis=1)
        side = person.next_roi().w
        smooth = self._image.apply(time_ns, 1.0 / side, values)
        world = self._world.apply(time_ns, 1.0, person.world)
        visibility = person.visibility.copy()
        visibility[:n] = self._visibility.apply(person.visibility[:n], VISIBILITY_ALPHA)
        xy, z = person.xy.copy(), person.z.copy()
        xy[:n], z[:n] = smooth[:, :2], smooth[:, 2]
        return replace(person, xy=xy, z=z, visibility=visibility, world=world)
