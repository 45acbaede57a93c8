"""Segment angles against the horizontal: exact synthetic cases, label swaps that change
nothing, and a real walking person whose segments never jump."""

from __future__ import annotations

import numpy as np
import pytest

from pose_core.kinematics import joint_angles, segment_angles
from pose_core.landmarks import LANDMARK_INDEX as LI
from pose_core.landmarks import MIRROR_PERMUTATION, SEGMENT_NAMES
from tests.synthetic import sequence, standing_xy

TOL = 1e-3  # float32 landmarks


def _segments(xy: np.ndarray) -> dict[str, float]:
    ang = joint_angles(sequence(xy[None]))
    return {n: float(ang.deg[0, 0, ang.names.index(n)]) for n in SEGMENT_NAMES}


def test_the_fourteen_segments_are_named_as_the_issue_asks() -> None:
    sides = [f"{s}_{p}" for s in ("left", "right") for p in ("thigh", "shank", "foot")]
    sides += [f"{s}_{p}" for s in ("left", "right") for p in ("arm", "forearm")]
    assert set(SEGMENT_NAMES) == {*sides, "trunk", "pelvis", "shoulders", "head"}
    assert len(SEGMENT_NAMES) == 14


def test_standing_figure_segments() -> None:
    xy = standing_xy()
    xy[LI["left_heel"]] = (540 / 1000, 960 / 1000)
    xy[LI["right_heel"]] = (460 / 1000, 960 / 1000)
    got = _segments(xy)
    for side in ("left", "right"):
        for part in ("thigh", "shank", "arm", "forearm"):
            assert got[f"{side}_{part}"] == pytest.approx(-90.0, abs=TOL)  # pointing down
    assert got["left_foot"] == pytest.approx(0.0, abs=TOL)  # heel to toe: to the right
    assert got["right_foot"] == pytest.approx(180.0, abs=TOL)  # to the left
    assert got["trunk"] == pytest.approx(90.0, abs=TOL)
    assert got["head"] == pytest.approx(90.0, abs=TOL)
    assert got["pelvis"] == pytest.approx(0.0, abs=TOL)
    assert got["shoulders"] == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ((540, 540), (460, 540), 0.0),  # level
        ((540, 500), (460, 540), 26.565),  # the image-right end (here: left hip) higher
        ((460, 540), (540, 500), 26.565),  # labels swapped: the same line, the same tilt
        ((540, 580), (460, 540), -26.565),  # the image-right end lower
    ],
)
def test_a_line_tilt_does_not_depend_on_its_labels(left, right, expected) -> None:
    xy = standing_xy()
    xy[LI["left_hip"]] = np.asarray(left) / 1000
    xy[LI["right_hip"]] = np.asarray(right) / 1000
    assert _segments(xy)["pelvis"] == pytest.approx(expected, abs=TOL)


def test_3d_segments_are_elevations_from_the_horizontal_plane() -> None:
    world = np.zeros((33, 3))
    world[LI["left_hip"]] = (0.1, 0.0, 0.0)
    world[LI["left_knee"]] = (0.1, 0.3, 0.3)  # down and forward: -45°
    world[LI["right_hip"]] = (-0.1, 0.0, 0.0)
    world[LI["left_shoulder"]] = (0.2, -0.5, 0.0)
    world[LI["right_shoulder"]] = (-0.2, -0.5, 0.0)
    got = dict(zip(SEGMENT_NAMES, segment_angles(world, image=False), strict=True))
    assert got["left_thigh"] == pytest.approx(-45.0)
    assert got["pelvis"] == pytest.approx(0.0)
    assert got["trunk"] == pytest.approx(90.0)


def test_a_segment_turning_round_is_unwrapped_and_one_seen_end_on_has_no_angle() -> None:
    frames = []
    for k in range(40):  # the left forearm turns 1.5 times anticlockwise round the elbow
        xy = standing_xy()
        a = np.radians(-90 + k * 13.5)
        xy[LI["left_wrist"]] = xy[LI["left_elbow"]] + 0.15 * np.array([np.cos(a), -np.sin(a)])
        frames.append(xy)
    frames[20][LI["left_wrist"]] = frames[20][LI["left_elbow"]]  # pointing at the camera
    ang = joint_angles(sequence(np.array(frames)))
    forearm = ang.series("left_forearm")
    assert np.isnan(forearm[20])
    ok = ~np.isnan(forearm)
    np.testing.assert_allclose(forearm[ok], (-90 + np.arange(40) * 13.5)[ok], atol=TOL)


@pytest.fixture(scope="module")
def walker(analysed):
    """The woman walking across two_people.mp4 (person 1), seen from her side."""
    result = analysed("two_people.mp4", max_people=2)
    assert result.poses.detected[:, 1].sum() > 150
    return result


def test_swapping_left_and_right_labels_keeps_the_walkers_midline_and_swaps_her_limbs(
    walker,
) -> None:
    poses = walker.poses
    swapped = poses.with_steps("swap", xyz=poses.xyz.copy(), world=poses.world.copy())
    frames = slice(60, 90)  # legs crossing: where models confuse left and right
    for name in ("xyz", "world"):
        arr = getattr(swapped, name)
        arr[frames, 1] = arr[frames, 1][:, list(MIRROR_PERMUTATION)]
    before, after = joint_angles(poses), joint_angles(swapped)
    for world in (False, True):
        for name in ("trunk", "pelvis", "shoulders", "head"):
            a, b = before.series(name, 1, world), after.series(name, 1, world)
            np.testing.assert_allclose(a, b, atol=TOL, equal_nan=True, err_msg=name)
        for part in ("thigh", "shank", "arm", "forearm", "foot"):
            left = after.series(f"left_{part}", 1, world)[frames]
            right = before.series(f"right_{part}", 1, world)[frames]
            wrapped = (left - right + 180) % 360 - 180  # unwrapping may differ by turns
            np.testing.assert_allclose(np.nan_to_num(wrapped), 0, atol=TOL, err_msg=part)


def test_the_walkers_segments_never_jump(walker) -> None:
    """No step between neighbouring measured frames beyond what a walk can do in 1/30 s:
    no 180° or 360° flips. (Her right forearm is left out: the model loses her wrist
    behind her body for a few frames.)"""
    angles = walker.angles
    for world in (False, True):
        for name in SEGMENT_NAMES:
            if name == "right_forearm":
                continue
            values = angles.series(name, 1, world)
            steps = np.abs(np.diff(values[~np.isnan(values)]))
            assert steps.max() < 45, (name, world, steps.max())
