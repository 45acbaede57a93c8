import numpy as np
import pytest

from pose_core.landmarks import MIRROR_PERMUTATION
from pose_core.tracking import Tracker, fold_ids
from tests.synthetic import standing_xy

VIS = np.full((33,), 0.9)


def _person(x_px: float) -> np.ndarray:
    xy = standing_xy() * 1000
    return xy + np.array([x_px - 500, 0.0])


def test_ids_follow_people_whatever_order_mediapipe_lists_them():
    tracker = Tracker()
    a, b = 300.0, 700.0
    for frame in range(20):
        people = [_person(a + 3 * frame), _person(b - 3 * frame)]
        order = [1, 0] if frame % 2 else [0, 1]
        ids, _ = tracker.update(frame, np.stack([people[i] for i in order]), np.stack([VIS, VIS]))
        assert [ids[order.index(0)], ids[order.index(1)]] == [0, 1]
    assert tracker.num_ids == 2


def test_duplicate_detection_of_one_body_is_dropped():
    tracker = Tracker()
    tracker.update(0, _person(400)[None], VIS[None])
    ids, _ = tracker.update(1, np.stack([_person(402), _person(404)]), np.stack([VIS, VIS * 0.5]))
    assert ids == [0, -1]
    assert tracker.duplicates_dropped == 1


def test_left_right_swap_for_one_frame_is_detected():
    tracker = Tracker()
    for frame in range(5):
        tracker.update(frame, _person(500)[None], VIS[None])
    swapped = _person(500)[list(MIRROR_PERMUTATION)]
    ids, swap = tracker.update(5, swapped[None], VIS[None])
    assert ids == [0] and swap == [True]
    ids, swap = tracker.update(6, _person(500)[None], VIS[None])
    assert swap == [False]


def test_ids_survive_short_gaps_and_not_long_ones():
    tracker = Tracker(max_gap=10)
    tracker.update(0, _person(500)[None], VIS[None])
    ids, _ = tracker.update(8, _person(520)[None], VIS[None])
    assert ids == [0]
    ids, _ = tracker.update(30, _person(520)[None], VIS[None])
    assert ids == [1]


def test_someone_far_away_is_a_new_person():
    tracker = Tracker()
    tracker.update(0, _person(200)[None], VIS[None])
    ids, _ = tracker.update(1, _person(800)[None], VIS[None])
    assert ids == [1]


@pytest.mark.parametrize(
    ("spans", "max_people", "expected"),
    [
        # a person lost and found again with a new id: folded back (max 2)
        ([(0, 50), (10, 90), (60, 99)], 2, [0, 1, 0]),
        # the same with room for three: nothing to fold
        ([(0, 50), (10, 90), (60, 99)], 3, [0, 1, 2]),
        # three people seen at once: never folded, even over the limit
        ([(0, 99), (0, 99), (0, 99)], 2, [0, 1, 2]),
        # the new id goes to the person who left most recently
        ([(0, 20), (0, 40), (50, 99)], 2, [0, 1, 1]),
    ],
)
def test_fold_ids(spans, max_people, expected) -> None:
    detected = np.zeros((100, len(spans)), bool)
    for p, (a, b) in enumerate(spans):
        detected[a : b + 1, p] = True
    assert fold_ids(detected, max_people).tolist() == expected
