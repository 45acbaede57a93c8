"""Our BlazePose engine on the sample media: parity with MediaPipe's Tasks API, and
everyone found.

Engine runs are cached per module: each clip is decoded once and each engine run once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import cv2
import numpy as np
import pytest

from pose_core.blazepose import BlazePoseEngine
from pose_core.media import ClipReader, read_image
from pose_core.mediapipe_tasks import Landmarker
from pose_core.model import ModelInfo
from pose_core.poses import Detections
from pose_core.settings import Settings

CLIPS = ("cam01.mp4", "cam02.mp4", "cam03.mp4", "cam04.mp4", "two_people.mp4")
# Measured on this machine (2026-11-25), with margin. Stills match to 0.01 px. In clips
# the first frames match exactly; later, tracking feeds each frame's landmarks into the
# next crop, and the model's answer on a few ambiguous frames (a jump, a fast arm) flips
# between plausible poses on sub-pixel differences: nudging our own crops by 0.05 px
# moves our 95th percentile against MediaPipe's from 12 to 21-26 px on cam02. Measured:
# median 0.41-0.71 px, 95th 1.7-11.8 px; world median 0.45-1.13 cm, 95th 1.7-10.8 cm.
CLIP_MEDIAN_PX = 1.0
CLIP_P95_PX = 16.0
CLIP_WORLD_MEDIAN_CM = 1.5
CLIP_WORLD_P95_CM = 15.0
# two_people.mp4, checked by eye on rendered frames: both people are in view in frames
# 40-168 (the woman comes out from behind the tree at 40; the man is on the box, diving
# into a flip at the end) and 186-200 (the man has landed; the woman leaves on the left
# after 200). Not asserted: frame 167, where the man bends into the dive and both
# engines lose him (MediaPipe also in 168), and 169-185, where he is upside down in the
# air, blurred, and neither engine keeps him.
BOTH_IN_VIEW = [*range(40, 167), 168, *range(186, 201)]

Run = Callable[[], list[Detections]]


@pytest.fixture(scope="module")
def frames(sample_media) -> Callable[[str], tuple[list[np.ndarray], list[float]]]:
    @cache
    def load(name: str) -> tuple[list[np.ndarray], list[float]]:
        with ClipReader(sample_media / name) as reader:
            decoded = [(f.rgb, f.time_s) for f in reader]
        return [rgb for rgb, _ in decoded], [t for _, t in decoded]

    return load


@pytest.fixture(scope="module")
def clip_run(frames, model: ModelInfo) -> Callable[[str, str, int], list[Detections]]:
    @cache
    def run(name: str, engine: str, max_people: int) -> list[Detections]:
        images, times = frames(name)
        settings = Settings(max_people=max_people)
        make = Landmarker if engine == "tasks" else BlazePoseEngine
        with make(model, settings, video=True) as lm:
            return [lm.detect(rgb, t) for rgb, t in zip(images, times, strict=True)]

    return run


def _gaps(ref: list[Detections], ours: list[Detections], wh: tuple[int, int]):
    px, cm, mismatched = [], [], 0
    for a, b in zip(ref, ours, strict=True):
        if len(a) != len(b):
            mismatched += 1
        elif len(a):
            px.append(np.linalg.norm((a.xyz[0, :, :2] - b.xyz[0, :, :2]) * wh, axis=1))
            cm.append(np.linalg.norm(a.world[0] - b.world[0], axis=1) * 100)
    return np.concatenate(px), np.concatenate(cm), mismatched


@pytest.mark.parametrize("name", CLIPS)
def test_clip_landmarks_match_mediapipe_video_mode(name, frames, clip_run):
    images, _ = frames(name)
    wh = (images[0].shape[1], images[0].shape[0])
    ref, ours = clip_run(name, "tasks", 1), clip_run(name, "ours", 1)
    px, cm, mismatched = _gaps(ref, ours, wh)
    assert mismatched <= 3  # two_people.mp4: 3 frames where one engine loses the man
    assert np.median(px) < CLIP_MEDIAN_PX and np.percentile(px, 95) < CLIP_P95_PX
    assert np.median(cm) < CLIP_WORLD_MEDIAN_CM and np.percentile(cm, 95) < CLIP_WORLD_P95_CM
    if name.startswith("cam"):  # a person in frame 0: detector, then landmarks, no history
        assert np.abs((ref[0].xyz[0, :, :2] - ours[0].xyz[0, :, :2]) * wh).max() < 0.5


@pytest.mark.parametrize("name", ["standing.jpg", "two_people.jpg"])
def test_still_landmarks_match_mediapipe_image_mode(name, sample_media, model):
    rgb = read_image(sample_media / name)
    wh = (rgb.shape[1], rgb.shape[0])
    settings = Settings(max_people=1)
    with Landmarker(model, settings, video=False) as lm:
        ref = lm.detect(rgb)
    with BlazePoseEngine(model, settings, video=False) as engine:
        ours = engine.detect(rgb)
    assert len(ref) == len(ours) == 1
    assert np.abs((ref.xyz[0, :, :2] - ours.xyz[0, :, :2]) * wh).max() < 0.5
    assert np.abs(ref.xyz[0, :, 2] - ours.xyz[0, :, 2]).max() < 0.005
    assert np.abs(ref.world - ours.world).max() < 0.005  # metres
    assert np.abs(ref.visibility - ours.visibility).max() < 0.01
    assert ours.xyz.dtype == np.float32 and ours.world.shape == (1, 33, 3)


@pytest.mark.parametrize(("max_people", "crowd"), [(1, False), (5, False), (5, True)])
def test_picture_with_nobody_gives_zero_people(sample_media, model, max_people, crowd):
    rgb = read_image(sample_media / "nobody.jpg")
    with BlazePoseEngine(model, Settings(max_people=max_people), video=False, crowd=crowd) as e:
        assert len(e.detect(rgb)) == 0


@pytest.mark.parametrize(("max_people", "expected"), [(1, 1), (2, 2), (5, 2)])
def test_group_picture_finds_everyone_up_to_max_people(sample_media, model, max_people, expected):
    rgb = read_image(sample_media / "two_people.jpg")
    with BlazePoseEngine(model, Settings(max_people=max_people), video=False) as engine:
        found = engine.detect(rgb)
    assert len(found) == expected
    if expected == 2:  # two different people: hips far apart
        hips = found.xyz[:, [23, 24], :2].mean(axis=1) * (rgb.shape[1], rgb.shape[0])
        assert np.linalg.norm(hips[0] - hips[1]) > 200


@pytest.mark.parametrize("max_people", [2, 5])
def test_clip_finds_both_people_whenever_both_are_in_view(clip_run, max_people):
    runs = clip_run("two_people.mp4", "ours", max_people)
    missed = [i for i in BOTH_IN_VIEW if len(runs[i]) < 2]
    assert missed == []
    assert max(len(d) for d in runs) <= 2  # nobody seen twice, no phantom third person


def test_clip_people_keep_their_order(clip_run, frames):
    images, _ = frames("two_people.mp4")
    runs = clip_run("two_people.mp4", "ours", 2)
    w, h = images[0].shape[1], images[0].shape[0]
    # Frames 40-166: person 0 is the man on the box, person 1 the woman walking past him
    # (she passes below him around frame 128).
    hips = np.stack([runs[i].xyz[:, [23, 24], :2].mean(axis=1) for i in range(40, 167)]) * (w, h)
    man, woman = hips[:, 0], hips[:, 1]
    assert np.all(man[:, 1] < 300) and np.all(woman[:, 1] > 300)  # box top at y ~ 300
    steps = np.linalg.norm(np.diff(woman, axis=0), axis=1)
    assert steps.max() < 40  # no jump from one person to the other


def test_one_person_asking_for_more_keeps_the_same_person(clip_run, frames):
    images, _ = frames("cam01.mp4")
    one, five = clip_run("cam01.mp4", "ours", 1), clip_run("cam01.mp4", "ours", 5)
    assert [len(d) for d in five] == [len(d) for d in one]
    assert all(len(d) == 1 for d in one)


def _twin_clip(images: list[np.ndarray], runs: list[Detections], shift: float) -> list[np.ndarray]:
    """Frames 50-164 of two_people.mp4 with a copy of the walking woman pasted ``shift``
    of her width to the right, in front of her: two people who overlap, a hard case.
    Her pixels are those that differ from the background (the median frame)."""
    background = np.median(np.stack(images[::3]), axis=0).astype(np.int16)
    out = []
    for i in range(50, 165):
        frame, people = images[i].copy(), runs[i].xyz[..., :2] * (960, 540)
        woman = people[people[:, 23:25, 1].mean(axis=1) > 300][0]
        (x0, y0), (x1, y1) = woman.min(axis=0), woman.max(axis=0)
        pad = 0.15 * (y1 - y0)
        x0, y0, x1, y1 = int(max(0, x0 - pad)), int(max(0, y0 - pad)), int(x1 + pad), int(y1 + pad)
        y1 = min(y1, 540)
        dx = int(shift * (x1 - x0))
        if x1 + dx < 960:
            src = images[i][y0:y1, x0:x1]
            body = np.abs(src.astype(np.int16) - background[y0:y1, x0:x1]).max(axis=-1) > 35
            body = cv2.morphologyEx(
                body.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)
            )
            frame[y0:y1, x0 + dx : x1 + dx][body > 0] = src[body > 0]
        out.append(frame)
    return out


def _limbs_on_others(model: ModelInfo, clip: list[np.ndarray]) -> tuple[int, int]:
    """Frames with a limb on another body, and frames with 3 people, following ``clip``."""
    from pose_core.blazepose.overlap import sharing_pairs

    shared, three = 0, 0
    with BlazePoseEngine(model, Settings(max_people=3), video=True) as engine:
        for rgb in clip:
            people = engine.find(rgb)
            shared += bool(sharing_pairs(people))
            three += len(people) == 3
    return shared, three


def test_overlapping_people_keep_their_limbs(frames, clip_run, model, monkeypatch):
    from pose_core.blazepose import follow

    images, _ = frames("two_people.mp4")
    twins = _twin_clip(images, clip_run("two_people.mp4", "ours", 2), shift=0.5)
    shared, three = _limbs_on_others(model, twins)
    monkeypatch.setattr(
        follow.Follower,
        "_second_opinions",
        lambda self, rgb, rois: follow.find_landmarks(self._nets, rgb, rois),
    )
    shared_before, three_before = _limbs_on_others(model, twins)
    # Measured (115 frames): without the second crops a limb sat on another body in 20
    # frames, with them in 7; all three people were found in 32 and 33 frames.
    assert shared <= shared_before / 2 and three >= three_before - 5
