"""Keeping each person's limbs on that person where two people overlap (pictures).

When one person's crop contains another body, the landmark model can put an arm or a leg
on that other body, so that two skeletons share a limb. For each shared limb we judge
who took it (the person for whom the point lies farther from their own hips, in their
own scale) and run the landmark model again for that person on the frame with everyone
else greyed out. The re-run is kept if the person is still present and shares fewer
points. (Clips do the same before the fact, see ``Follower._second_opinions``.)
"""

from __future__ import annotations

import numpy as np

from pose_core.blazepose.landmarks import PoseLandmarks, find_landmarks
from pose_core.blazepose.models import Networks
from pose_core.blazepose.people import grey_out, scale, shared_limbs

_HIP_CENTRE = 33


def _reach(person: PoseLandmarks, points: np.ndarray) -> float:
    """Mean distance of ``points`` (k, 2) from the person's hips, in the person's scale."""
    return float(np.mean(np.linalg.norm(points - person.xy[_HIP_CENTRE], axis=1)) / scale(person))


def taker(a: PoseLandmarks, b: PoseLandmarks) -> int:
    """0 if ``a`` put a limb on ``b``'s body, 1 if ``b`` did on ``a``'s. When both did,
    the one for whom the shared points lie farther from their own hips."""
    on_b, on_a = shared_limbs(a, b), shared_limbs(b, a)
    if not on_a.size or not on_b.size:
        return 0 if on_b.size else 1
    points = np.concatenate([a.xy[on_b], b.xy[on_a]])
    return 0 if _reach(a, points) >= _reach(b, points) else 1


def sharing_pairs(people: list[PoseLandmarks]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of people one of whom has a limb on the other's body."""
    return [
        (i, j)
        for i in range(len(people))
        for j in range(i + 1, len(people))
        if shared_limbs(people[i], people[j]).size or shared_limbs(people[j], people[i]).size
    ]


def shared_count(person: PoseLandmarks, others: list[PoseLandmarks]) -> int:
    """How many of ``person``'s limb points sit on the bodies of ``others``."""
    return sum(int(shared_limbs(person, o).size) for o in others)


def separate_limbs(
    nets: Networks, rgb: np.ndarray, people: list[PoseLandmarks], presence: float
) -> tuple[list[PoseLandmarks], int]:
    """``people`` with limb takers re-run on the frame with the others greyed out.

    Returns the people (same order) and how many re-runs were made.
    Re-runs use the region the person was found in this frame.
    """
    people = list(people)
    takers = sorted(
        {pair[taker(people[pair[0]], people[pair[1]])] for pair in sharing_pairs(people)}
    )
    for i in takers:
        others = people[:i] + people[i + 1 :]
        rerun = find_landmarks(nets, grey_out(rgb, others), [people[i].roi])[0]
        if rerun.score > presence and shared_count(rerun, others) < shared_count(people[i], others):
            people[i] = rerun
    return people, len(takers)
