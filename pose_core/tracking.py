"""Person identity across frames: MediaPipe gives none, so we associate detections.

Detections are matched to tracks by the Hungarian algorithm on the mean body-keypoint
distance to where each track is predicted to be (constant velocity), measured in units
of the track's body size. A track survives gaps of up to ``max_gap`` frames. Two
detections of the same body in one frame (MediaPipe does that with ``num_poses > 1``)
are merged, and a left/right label swap within one person is undone. A track gets its
public person id only once it has been seen ``confirm_hits`` times, so a one-frame
phantom never becomes a person in the results; :class:`PersonIds` holds frames back a few
steps so that a person's first sightings carry the id they get.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment

from pose_core.landmarks import BODY, MIRROR_PERMUTATION, TORSO
from pose_core.poses import Detections

_MIRROR = np.asarray(MIRROR_PERMUTATION)
# Body (not face or fingers) landmarks used for matching: shoulders to feet.
_BODY = np.asarray(BODY)
# The gate widens with the gap, as people move while unseen, up to this many max_costs.
_MAX_GATE = 3.0
# A swap moves the limbs by about a shoulder's width: less than this (body sizes) is noise.
_MIN_SWAP = 0.1
CONFIRM_HITS = 3
"""Sightings before a track becomes a person."""
EMIT_DELAY = 6
"""Frames held back so a person's first sightings get their id (one missed frame allowed)."""
Key = TypeVar("Key")


@dataclass
class _Track:
    xy: np.ndarray  # (33, 2) last known position, pixels
    weight: np.ndarray  # (33,) last visibility
    velocity: np.ndarray  # (2,) body-centre pixels per frame
    last_frame: int
    hits: int = 1
    flipped: int = 0  # consecutive frames whose labels were swapped to fit this track


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
        confirm_hits: int = CONFIRM_HITS,
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

    def flipped(self, track: int) -> int:
        """For how many frames in a row ``track``'s detections had their labels swapped."""
        return self._tracks[track].flipped if track in self._tracks else 0

    def adopt_labels(self, track: int, undone: int) -> None:
        """The model has settled on the other labelling: follow it from now on (the
        track's own labels are swapped) and count ``undone`` swaps as not fixed."""
        t = self._tracks[track]
        self._tracks[track] = _Track(
            t.xy[_MIRROR], t.weight[_MIRROR], t.velocity, t.last_frame, t.hits
        )
        self.swaps_fixed -= undone

    def confirm_seen(self, min_hits: int) -> None:
        """Confirm every live track seen at least ``min_hits`` times (a stream's end)."""
        for tid in sorted(self._tracks):
            if self._tracks[tid].hits >= min_hits and tid not in self._public:
                self._public[tid] = len(self._public)

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
        dropped = set(duplicates(xy, visibility.mean(axis=1))) if n > 1 else set()
        self.duplicates_dropped += len(dropped)
        live = [i for i in range(n) if i not in dropped]
        ids: list[int] = [-1] * n
        swap = [False] * n
        for i, (tid, flip) in self._match(frame, xy, live).items():
            ids[i], swap[i] = tid, flip
        for i in live:
            ids[i] = self._record(frame, ids[i], xy[i], visibility[i], swap[i])
        self.swaps_fixed += sum(swap)
        return ids, swap

    def _cost(self, track: _Track, frame: int, xy: np.ndarray) -> tuple[float, bool]:
        """Distance in body sizes from where ``track`` should be, and whether the
        mirrored labelling fits (inf when outside the track's gate)."""
        gap = frame - track.last_frame
        predicted = track.xy + track.velocity * gap
        size = body_size(track.xy)
        plain = _distance(xy, predicted, track.weight) / size
        mirrored = False
        if self.fix_swaps:
            flip = _distance(xy[_MIRROR], predicted, track.weight) / size
            # Only a clearly better fit counts: turning round is gradual, a label swap
            # is a jump from one frame to the next. Seen from the side, left and right
            # nearly coincide and either labelling fits: no evidence of a swap then.
            if flip < 0.5 * plain and plain > _MIN_SWAP:
                plain, mirrored = flip, True
        if track.hits < self.confirm_hits:
            plain += 0.1  # prefer people seen for a while over new tracks
        limit = self.max_cost * min(1.0 + 0.15 * (gap - 1), _MAX_GATE)
        return (plain if plain <= limit else np.inf), mirrored

    def _match(self, frame: int, xy: np.ndarray, live: list[int]) -> dict[int, tuple[int, bool]]:
        """Detection index -> (track id, mirrored) for the detections that continue a track."""
        tids = list(self._tracks)
        if not live or not tids:
            return {}
        # Extra columns, one per detection, mean "a new person": leaving a detection
        # unmatched has a price, so a poor match is not forced on a track just to pair
        # everyone up, while any match within a track's gate is still preferred.
        cost = np.full((len(live), len(tids) + len(live)), np.inf)
        cost[:, len(tids) :][np.diag_indices(len(live))] = _MAX_GATE * self.max_cost
        mirrored = np.zeros(cost.shape, bool)
        for j, tid in enumerate(tids):
            for r, i in enumerate(live):
                cost[r, j], mirrored[r, j] = self._cost(self._tracks[tid], frame, xy[i])
        rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e6))
        return {
            live[r]: (tids[j], bool(mirrored[r, j]))
            for r, j in zip(rows, cols, strict=True)
            if j < len(tids) and np.isfinite(cost[r, j])
        }

    def _record(
        self, frame: int, tid: int, xy: np.ndarray, visibility: np.ndarray, swap: bool
    ) -> int:
        """Store a detection as the newest sighting of track ``tid`` (-1: a new track)."""
        pts = xy[_MIRROR] if swap else xy
        w = visibility[_MIRROR] if swap else visibility
        if tid < 0:
            tid, self._next_id = self._next_id, self._next_id + 1
            velocity, hits = np.zeros(2), 1
        else:
            old = self._tracks[tid]
            step = (_centre(pts) - _centre(old.xy)) / (frame - old.last_frame)
            velocity, hits = 0.5 * old.velocity + 0.5 * step, old.hits + 1
        flipped = self._tracks[tid].flipped + 1 if swap and tid in self._tracks else 0
        self._tracks[tid] = _Track(pts.copy(), w.copy(), velocity, frame, hits, flipped)
        if hits >= self.confirm_hits and tid not in self._public:
            self._public[tid] = len(self._public)
        return tid


def _torso(xy: np.ndarray) -> np.ndarray:
    return np.asarray(np.nanmean(xy[list(TORSO)], axis=0))


def _centre(xy: np.ndarray) -> np.ndarray:
    return np.nanmean(xy[_BODY], axis=0)


class PersonIds(Generic[Key]):
    """Person ids for a stream of frames, handed out ``delay`` frames late.

    Each frame's detections go through the :class:`Tracker`; duplicates are dropped and
    left/right swaps undone at once, but a frame is released only ``delay`` frames
    later, when the tracker knows which of its tracks are people, and whether a swap
    was a glitch (undone) or lasted ``delay`` frames (the model's labels are kept).
    Detections of tracks never confirmed are left out. At the end of a stream shorter
    than ``confirm_hits`` frames, tracks seen in every frame count as people (a 1-frame
    clip has its person).

    Args:
        fps: frame rate; a person keeps their id through gaps of up to one second.
        size_wh: frame size, to measure distances in pixels.
    """

    def __init__(self, fps: float, size_wh: tuple[int, int], delay: int = EMIT_DELAY) -> None:
        self.tracker = Tracker(max_gap=max(1, round(fps or 30.0)))
        self._scale = np.asarray(size_wh, dtype=np.float32)
        self._delay = delay
        self._pending: deque[tuple[Key, Detections, list[int], list[bool]]] = deque()
        self._frames = 0

    def push(self, key: Key, det: Detections) -> list[tuple[Key, Detections, list[int]]]:
        """Track one frame's detections; returns the frames now ready, oldest first."""
        tracks, swaps = self.tracker.update(
            self._frames, det.xyz[..., :2] * self._scale, det.visibility
        )
        keep = [k for k, t in enumerate(tracks) if t >= 0]
        flips = [swaps[k] for k in keep]
        self._pending.append((key, det.select(keep, flips), [tracks[k] for k in keep], flips))
        for tid in {t for t, flip in zip(tracks, swaps, strict=True) if flip}:
            if self.tracker.flipped(tid) >= self._delay:
                self._settle(tid)
        self._frames += 1
        ready = []
        while len(self._pending) > self._delay:
            ready.append(self._release(*self._pending.popleft()[:3]))
        return ready

    def flush(self) -> list[tuple[Key, Detections, list[int]]]:
        """Release every frame still held back (the stream has ended)."""
        self.tracker.confirm_seen(min(self.tracker.confirm_hits, self._frames))
        ready = [self._release(*item[:3]) for item in self._pending]
        self._pending.clear()
        return ready

    def _settle(self, track: int) -> None:
        """A swap that lasted ``delay`` frames is no glitch: the model changed its mind
        for good (a person seen from the side, a first frame labelled wrong). Give the
        held-back frames their labels back and let the track follow the model."""
        undone = 0
        for _, det, tracks, flips in self._pending:
            for row, (tid, flip) in enumerate(zip(tracks, flips, strict=True)):
                if tid == track and flip:
                    for array in (det.xyz, det.visibility, det.presence, det.world):
                        array[row] = array[row][_MIRROR]
                    flips[row] = False
                    undone += 1
        self.tracker.adopt_labels(track, undone)

    def _release(
        self, key: Key, det: Detections, tracks: list[int]
    ) -> tuple[Key, Detections, list[int]]:
        public = [self.tracker.public_id(t) for t in tracks]
        keep = [k for k, pid in enumerate(public) if pid is not None]
        return key, det.select(keep), [int(public[k]) for k in keep]  # type: ignore[arg-type]


def fold_ids(detected: np.ndarray, max_people: int) -> np.ndarray:
    """(P,) new id for each person id, so that no more than ``max_people`` ids are used
    where the user said so and the tracks allow it.

    A person lost for longer than the tracker's gap (a flip, a turn out of view) comes
    back with a new id. When that would make more ids than ``max_people``, the new id
    is folded into the one that ended most recently before it started; ids that are
    seen at the same time are never folded together. ``detected`` is (F, P) bool.
    """
    seen = [np.flatnonzero(detected[:, p]) for p in range(detected.shape[1])]
    slots: list[int] = []  # last frame of each final id
    new = np.arange(len(seen))
    for p in sorted(range(len(seen)), key=lambda q: seen[q][0] if len(seen[q]) else 1 << 30):
        frames = seen[p]
        free = [s for s, last in enumerate(slots) if len(frames) and last < frames[0]]
        if len(slots) < max_people or not free:
            new[p] = len(slots)
            slots.append(int(frames[-1]) if len(frames) else -1)
        else:
            slot = max(free, key=lambda s: slots[s])
            new[p] = slot
            slots[slot] = int(frames[-1])
    return new
