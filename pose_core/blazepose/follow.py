"""Following people through a clip: the landmark model tracks, the detector looks around.

Each followed person is found again by the landmark model in the region its previous
landmarks predict (all of them in one batched call). The detector runs only when needed:
on the first frame and whenever someone is lost (a full search), and, while fewer than
``max_people`` are followed, one search region every few frames (a slice), so that
asking for more people than are in view costs little. With ``max_people`` 1 this is
MediaPipe's VIDEO mode: the full-picture detector runs only when nobody is followed.
People keep their order of appearance. Where followed people overlap, each crowded one
also gets a second crop with the others greyed out (see ``_second_opinions``), which
keeps limbs on their owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pose_core.blazepose.detector import detect_people
from pose_core.blazepose.landmarks import PoseLandmarks, find_landmarks
from pose_core.blazepose.models import Networks
from pose_core.blazepose.motion import MotionCue
from pose_core.blazepose.overlap import shared_count
from pose_core.blazepose.people import crowding, grey_out, new_region, scale
from pose_core.blazepose.roi import Roi
from pose_core.blazepose.search import (
    Thresholds,
    crowd_tiles,
    find_people,
    full_picture,
    greyed_score,
    landmark_new,
    search_regions,
    square_windows,
)

# While fewer than max_people are followed, a slice runs on every frame where something
# moves outside the followed people (a walking newcomer is found within a frame or two),
# and otherwise every SLICE_EVERY frames in turn, for people who stand still. That gap
# doubles after each whole round of slices that found nobody, up to SLICE_EVERY_MAX,
# and is reset whenever someone is found or lost.
SLICE_EVERY = 16
SLICE_EVERY_MAX = 64


@dataclass
class FollowStats:
    """What a run did: frames; detector calls; landmark crops (including second crops
    of crowded people, ``uncrowded``); full searches; slices (``motion_slices`` of them
    called by movement); people returned per frame."""

    frames: int = 0
    detector_calls: int = 0
    landmark_people: int = 0
    uncrowded: int = 0
    searches: int = 0
    slices: int = 0
    motion_slices: int = 0
    per_frame_people: list[int] = field(default_factory=list)


def detect_one(nets: Networks, rgb: np.ndarray, limits: Thresholds) -> list[PoseLandmarks]:
    """MediaPipe with one pose: landmarks in the best detection's region, if present."""
    found = detect_people(nets, rgb, full_picture(rgb.shape[1], rgb.shape[0]), limits.detection)
    if not found:
        return []
    person = find_landmarks(nets, rgb, [found[0].roi()])[0]
    return [person] if person.score > limits.presence else []


class Follower:
    """People followed through one clip. Not thread-safe: one per run."""

    def __init__(self, nets: Networks, limits: Thresholds, max_people: int, crowd: bool) -> None:
        self._nets = nets
        self._limits = limits
        self._max = max_people
        self._crowd = crowd
        self._people: list[PoseLandmarks] = []
        self._started = False
        self._slice = 0
        self._since = 0
        self._gap = SLICE_EVERY
        self._fruitless = 0
        self._motion = MotionCue()
        self.stats = FollowStats()

    def step(self, rgb: np.ndarray) -> list[PoseLandmarks]:
        """The people in this frame (upright RGB uint8), in a stable order: everyone keeps
        their place, someone lost and found again in the same frame gets theirs back, and
        newcomers come last."""
        tracked = self._follow(rgb)
        followed = [p for _, p in tracked]
        lost = len(followed) < len(self._people)
        if self._max == 1:
            new = [] if followed else self._detect_one(rgb)
        elif not self._started or lost:
            new = self._full_search(rgb, followed)
        elif not followed:
            new = self._idle_search(rgb)
        else:
            new = self._maybe_slice(rgb, followed)
        people = self._in_order(tracked, new)
        self._started = True
        self._people = people[: self._max]
        self.stats.frames += 1
        self.stats.per_frame_people.append(len(self._people))
        return list(self._people)

    def _in_order(
        self, tracked: list[tuple[int, PoseLandmarks]], new: list[PoseLandmarks]
    ) -> list[PoseLandmarks]:
        """Followed people in their places; a newcomer near where someone was lost takes
        that place (within two of that person's scales of their hips)."""
        places = dict(tracked)
        lost = [i for i in range(len(self._people)) if i not in places]
        extra: list[PoseLandmarks] = []
        for person in new:
            gaps = {
                i: float(np.linalg.norm(person.xy[33] - self._people[i].xy[33]))
                / scale(self._people[i])
                for i in lost
            }
            near = min(gaps, key=gaps.__getitem__) if gaps else None
            if near is not None and gaps[near] < 2.0:
                places[near] = person
                lost.remove(near)
            else:
                extra.append(person)
        return [places[i] for i in sorted(places)] + extra

    def _follow(self, rgb: np.ndarray) -> list[tuple[int, PoseLandmarks]]:
        """Everyone followed so far, found again, with their places; the lost and the
        merged dropped."""
        if not self._people:
            return []
        rois = [p.next_roi() for p in self._people]
        found = self._second_opinions(rgb, rois)
        kept: list[tuple[int, PoseLandmarks]] = []
        for i, person in enumerate(found):
            if person.score > self._limits.presence and new_region(
                person, [k for _, k in kept], self._limits.tracking
            ):
                kept.append((i, person))
        return kept

    def _second_opinions(self, rgb: np.ndarray, rois: list[Roi]) -> list[PoseLandmarks]:
        """Each followed person in their region; where another followed person reaches
        into it, also on the frame with those others (as they were last frame) greyed
        out, kept if it puts fewer limb points on the others and is still present. All
        crops go in one batch."""
        crowded = [crowding(p, self._people, r) for p, r in zip(self._people, rois, strict=True)]
        extra = [i for i, others in enumerate(crowded) if others]
        frames = [rgb] * len(rois) + [
            grey_out(rgb, [self._people[k] for k in crowded[i]]) for i in extra
        ]
        found = find_landmarks(self._nets, frames, rois + [rois[i] for i in extra])
        self.stats.landmark_people += len(found)
        self.stats.uncrowded += len(extra)
        people = found[: len(rois)]
        for i, alt in zip(extra, found[len(rois) :], strict=True):
            others = people[:i] + people[i + 1 :]
            if alt.score > self._limits.presence and shared_count(alt, others) < shared_count(
                people[i], others
            ):
                people[i] = alt
        return people

    def _detect_one(self, rgb: np.ndarray) -> list[PoseLandmarks]:
        self.stats.detector_calls += 1
        self.stats.landmark_people += 1
        return detect_one(self._nets, rgb, self._limits)

    def _full_search(self, rgb: np.ndarray, known: list[PoseLandmarks]) -> list[PoseLandmarks]:
        """Every search region plus the greyed-out rounds; resets the slice cadence."""
        h, w = rgb.shape[:2]
        regions = search_regions(w, h, self._crowd)
        self.stats.searches += 1
        self.stats.detector_calls += len(regions)
        self._reset_gaps()
        return find_people(self._nets, rgb, regions, known, self._limits)

    def _idle_search(self, rgb: np.ndarray) -> list[PoseLandmarks]:
        """Nobody in view: the whole picture (as MediaPipe does) and one window, each frame."""
        h, w = rgb.shape[:2]
        regions = [full_picture(w, h)]
        windows = square_windows(w, h)
        if windows:
            regions.append(windows[self._slice % len(windows)])
            self._slice += 1
        self.stats.detector_calls += len(regions)
        return find_people(self._nets, rgb, regions, [], self._limits)

    def _slices(self, w: int, h: int) -> list[tuple[Roi, bool]]:
        """The slice cycle, as (region, greyed): each window, then the picture and each
        window with the followed greyed out, then each tile. (The plain picture would
        only find again who is followed.)"""
        windows = square_windows(w, h)
        tiles = crowd_tiles(w, h) if self._crowd else []
        greyed = [(r, True) for r in (full_picture(w, h), *windows)]
        return [*((r, False) for r in windows), *greyed, *((r, False) for r in tiles)]

    def _reset_gaps(self) -> None:
        self._since, self._fruitless, self._gap = 0, 0, SLICE_EVERY

    def _slice_region(
        self, rgb: np.ndarray, known: list[PoseLandmarks]
    ) -> tuple[Roi, bool, bool] | None:
        """Where this frame's slice goes, as (region, greyed, called by movement), or
        None for no slice. Movement outside the followed people calls one early, to the
        nearest plain region."""
        h, w = rgb.shape[:2]
        cycle = self._slices(w, h)
        spot = self._motion.where(rgb, [p.roi for p in known])
        if spot is not None:
            plain = [c for c in cycle if not c[1]] or cycle
            near = min(plain, key=lambda c: (c[0].cx - spot[0]) ** 2 + (c[0].cy - spot[1]) ** 2)
            return near[0], near[1], True
        if self._since < self._gap:
            return None
        self._slice += 1
        region, greyed = cycle[(self._slice - 1) % len(cycle)]
        return region, greyed, False

    def _after_slice(self, found: bool, by_motion: bool, cycle_length: int) -> None:
        """Back off the turns while a whole round of them finds nobody."""
        if found:
            self._reset_gaps()
        elif not by_motion:
            self._fruitless += 1
            if self._fruitless >= cycle_length:
                self._gap, self._fruitless = min(2 * self._gap, SLICE_EVERY_MAX), 0

    def _maybe_slice(self, rgb: np.ndarray, known: list[PoseLandmarks]) -> list[PoseLandmarks]:
        """One search region now and then, while fewer than max_people are followed."""
        self._since += 1
        if len(known) >= self._max:
            return []
        chosen = self._slice_region(rgb, known)
        if chosen is None:
            return []
        region, greyed, by_motion = chosen
        self._since = 0
        image = grey_out(rgb, known) if greyed else rgb
        score = greyed_score(self._limits) if greyed else self._limits.detection
        dets = detect_people(self._nets, image, region, score)
        self.stats.slices += 1
        self.stats.motion_slices += by_motion
        self.stats.detector_calls += 1
        new = landmark_new(self._nets, image, dets, known, self._limits)
        self.stats.landmark_people += len(new)
        self._after_slice(bool(new), by_motion, len(self._slices(*rgb.shape[1::-1])))
        return new
