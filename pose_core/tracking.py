"""Person identity across frames: MediaPipe gives none, so we associate detections.

Detections are matched to tracks by the Hungarian algorithm on the mean body-keypoint
distance to where each track is predicted to be (constant velocity), measured in units
of the track's body size. A track survives gaps of up to ``max_gap`` frames. Two
detections of the same body in one frame (MediaPipe does that with ``num_poses > 1``)
are merged, and a left/right label swap within one person is undone. A track gets its
public person id only once it has been seen ``confirm_hits`` times, so a one-frame
phantom never becomes a person in the results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from pose_core.landmarks import MIRROR_PERMUTATION

_MIRROR = np.asarray(MIRROR_PERMUTATION)
# Body (not face or fingers) landmarks used for matching: shoulders to feet.
# The gate widens with the gap, as people move while unseen, up to this many max_costs.
_MAX_GATE = 3.0
_BODY = np.array([11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])


@dataclass
class _Track:
    xy: np.ndarray  # (33, 2) last known position, pixels
    weight: np.ndarray  # (33,) last visibility
    velocity: np.ndarray  # (2,) body-centre pixels per frame
    last_frame: int
    hits: int = 1


def body_size(xy: np.ndarray) -> float:
    """Diagonal of the body keypoints' bounding box, in the units of ``xy``."""
    pts = xy[_BODY]
    span = np.nanmax(pts, axis=0) - np.nanmin(pts, axis=0)
    return float(max(np.hypot(*span), 1e-6))


def _distance(a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> float:
    d = np.linalg.norm(a[_BODY] - b[_BODY], axis=-1)
    w = weight[_BODY] + 1e-3
    return float((d * w).sum() / w.sum())


def duplicates(xy: np.ndarray, score: np.ndarray, overlap: float = 0.25) -> list[int]:
    """Indices of detections that repeat a better-scored one: same torso, same frame."""
    order = np.argsort(-score)
    keep: list[int] = []
    drop: list[int] = []
    for i in order:
        same = any(
            np.linalg.norm(_torso(xy[i]) - _torso(xy[k])) < overlap * body_size(xy[k]) for k in keep
        )
        (drop if same else keep).append(int(i))
    return sorted(drop)


class Tracker:
    """Gives each detection a person id that stays the same across frames.

    Args:
        max_gap: frames a person may be missing and keep their id.
        max_cost: largest distance, in body sizes, still taken for the same person one
            frame later; it grows with the gap, as people move while unseen.
        fix_swaps: undo a left/right swap when the mirrored labelling fits far better.
        confirm_hits: sightings before a track gets a public person id.
    """

    def __init__(
        self,
        max_gap: int = 30,
        max_cost: float = 0.5,
        fix_swaps: bool = True,
        confirm_hits: int = 3,
    ) -> None:
        self.max_gap = max_gap
        self.max_cost = max_cost
        self.fix_swaps = fix_swaps
        self.confirm_hits = confirm_hits
        self._tracks: dict[int, _Track] = {}
        self._public: dict[int, int] = {}
        self._next_id = 0
        self.swaps_fixed = 0
        self.duplicates_dropped = 0

    @property
    def num_ids(self) -> int:
        """How many public person ids have been handed out."""
        return len(self._public)

    def public_id(self, track: int) -> int | None:
        """The person id of an internal track id, or None while it is unconfirmed."""
        return self._public.get(track)

    def update(
        self, frame: int, xy: np.ndarray, visibility: np.ndarray
    ) -> tuple[list[int], list[bool]]:
        """Assign ids to one frame's detections.

        Args:
            frame: frame index (increasing).
            xy: (n, 33, 2) positions of the n detections in pixels (or any units with
                equal x and y scale).
            visibility: (n, 33).

        Returns:
            The internal track id of each detection (-1 for a duplicate to drop; see
            :meth:`public_id`), and whether its left/right labels must be swapped (apply
            ``MIRROR_PERMUTATION``).
        """
        self._tracks = {
            tid: t for tid, t in self._tracks.items() if frame - t.last_frame <= self.max_gap
        }
        n = len(xy)
        ids: list[int] = [-1] * n
        swap = [False] * n
        dropped = set(duplicates(xy, visibility.mean(axis=1))) if n > 1 else set()
        self.duplicates_dropped += len(dropped)
        live = [i for i in range(n) if i not in dropped]
        tids = list(self._tracks)
        if live and tids:
            # Extra columns, one per detection, mean "a new person": leaving a detection
            # unmatched has a price, so a poor match is not forced on a track just to
            # pair everyone up, while any match within a track's gate is still preferred.
            cost = np.full((len(live), len(tids) + len(live)), np.inf)
            cost[:, len(tids) :][np.diag_indices(len(live))] = _MAX_GATE * self.max_cost
            mirrored = np.zeros(cost.shape, bool)
            for j, tid in enumerate(tids):
                t = self._tracks[tid]
                gap = frame - t.last_frame
                predicted = t.xy + t.velocity * gap
                size = body_size(t.xy)
                limit = self.max_cost * min(1.0 + 0.15 * (gap - 1), _MAX_GATE)
                for r, i in enumerate(live):
                    plain = _distance(xy[i], predicted, t.weight) / size
                    if self.fix_swaps:
                        flip = _distance(xy[i][_MIRROR], predicted, t.weight) / size
                        # Only a clearly better fit counts: turning round is gradual,
                        # a label swap is a jump from one frame to the next.
                        if flip < 0.5 * plain:
                            plain, mirrored[r, j] = flip, True
                    if t.hits < self.confirm_hits:
                        plain += 0.1  # prefer people seen for a while over new tracks
                    if plain <= limit:
                        cost[r, j] = plain
            rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e6))
            for r, j in zip(rows, cols, strict=True):
                if j < len(tids) and np.isfinite(cost[r, j]):
                    ids[live[r]] = tids[j]
                    swap[live[r]] = bool(mirrored[r, j])
        for i in live:
            pts = xy[i][_MIRROR] if swap[i] else xy[i]
            w = visibility[i][_MIRROR] if swap[i] else visibility[i]
            if ids[i] < 0:
                ids[i] = self._next_id
                self._next_id += 1
                velocity, hits = np.zeros(2), 1
            else:
                old = self._tracks[ids[i]]
                step = (_centre(pts) - _centre(old.xy)) / (frame - old.last_frame)
                velocity, hits = 0.5 * old.velocity + 0.5 * step, old.hits + 1
            self._tracks[ids[i]] = _Track(pts.copy(), w.copy(), velocity, frame, hits)
            if hits >= self.confirm_hits and ids[i] not in self._public:
                self._public[ids[i]] = len(self._public)
        self.swaps_fixed += sum(swap)
        return ids, swap


def _torso(xy: np.ndarray) -> np.ndarray:
    return np.nanmean(xy[[11, 12, 23, 24]], axis=0)


def _centre(xy: np.ndarray) -> np.ndarray:
    return np.nanmean(xy[_BODY], axis=0)
