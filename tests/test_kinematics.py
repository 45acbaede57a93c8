import numpy as np
import pytest

from pose_core.export import ANGLE_COLUMNS, angles_table
from pose_core.kinematics import angle_between, joint_angles, unwrap_deg
from pose_core.landmarks import LANDMARK_INDEX as LI
from tests.synthetic import sequence, standing_xy

# Landmarks are stored as float32, so angles are exact to about 1e-5 degrees.
TOL = 1e-4


@pytest.mark.parametrize(
    ("a", "vertex", "b", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),  # right angle
        ((1, 0), (0, 0), (-1, 0), 180.0),  # straight
        ((1, 0), (0, 0), (1, 1), 45.0),
        ((1, 0, 0), (0, 0, 0), (0, 0, 2), 90.0),  # 3D, unequal lengths
    ],
)
def test_angle_between(a, vertex, b, expected):
    got = angle_between(np.array(a, float), np.array(vertex, float), np.array(b, float))
    assert got == pytest.approx(expected)


def test_standing_figure_angles():
    ang = joint_angles(sequence(standing_xy()[None]))
    value = {n: ang.deg[0, 0, i] for i, n in enumerate(ang.names)}
    for side in ("left", "right"):
        assert value[f"{side}_elbow"] == pytest.approx(180.0)
        assert value[f"{side}_knee"] == pytest.approx(180.0)
        assert value[f"{side}_shoulder"] == pytest.approx(np.degrees(np.arctan2(20, 300)), abs=1e-6)
    assert value["trunk_lean"] == pytest.approx(0.0)
    # neck: hip centre (500, 550), shoulder centre (500, 250), ear centre (500, 140)
    assert value["neck"] == pytest.approx(180.0)
    np.testing.assert_allclose(ang.deg_3d[0, 0, :10], ang.deg[0, 0, :10], atol=1e-4)


def _rotate(v: np.ndarray, th: float) -> np.ndarray:
    """Rotate a pixel vector (y down) clockwise on screen by ``th`` radians."""
    c, s = np.cos(th), np.sin(th)
    return np.array([v[0] * c - v[1] * s, v[0] * s + v[1] * c])


def test_bent_elbow_and_signed_trunk_lean():
    xy = standing_xy() * 1000
    xy[LI["left_wrist"]] = (710, 400)  # forearm horizontal, to the image right: 90°
    shoulders = np.array([(560, 250), (440, 250)], float)
    hips = np.array([(540, 550), (460, 550)], float)
    mid_hip = hips.mean(axis=0)
    lean = np.radians(30)  # rotate the trunk 30° towards the image right
    for name, p in zip(("left_shoulder", "right_shoulder"), shoulders, strict=True):
        xy[LI[name]] = mid_hip + _rotate(p - mid_hip, lean)
    ang = joint_angles(sequence((xy / 1000)[None]))
    assert ang.series("trunk_lean")[0] == pytest.approx(30.0, abs=TOL)
    xy2 = standing_xy() * 1000
    xy2[LI["left_wrist"]] = (710, 400)
    ang2 = joint_angles(sequence((xy2 / 1000)[None]))
    assert ang2.series("left_elbow")[0] == pytest.approx(90.0)


def test_unwrap_removes_jumps_across_180_and_skips_nan():
    raw = np.array([170.0, 179.0, -178.0, np.nan, -170.0, 175.0])
    out = unwrap_deg(raw)
    np.testing.assert_allclose(out[[0, 1, 2, 4]], [170, 179, 182, 190])
    assert np.isnan(out[3])


def test_trunk_lean_through_upside_down_is_continuous():
    frames = []
    for deg in np.linspace(150, 210, 13):  # a cartwheel passing through upside down
        xy = standing_xy() * 1000
        mid_hip = np.array([500.0, 550.0])
        th = np.radians(deg)
        for name, off in (("left_shoulder", (60, -300)), ("right_shoulder", (-60, -300))):
            xy[LI[name]] = mid_hip + _rotate(np.array(off, float), th)
        frames.append(xy / 1000)
    lean = joint_angles(sequence(np.array(frames))).series("trunk_lean")
    assert np.all(np.abs(np.diff(lean)) < 10), lean
    assert lean[-1] - lean[0] == pytest.approx(60.0, abs=TOL)


def test_angular_velocity_of_uniform_bend_is_exact():
    frames = []
    for k in range(10):  # the left forearm turns 3° per frame about the elbow
        xy = standing_xy() * 1000
        th = np.radians(3 * k)
        xy[LI["left_wrist"]] = (560 + 150 * np.sin(th), 400 + 150 * np.cos(th))
        frames.append(xy / 1000)
    ang = joint_angles(sequence(np.array(frames), fps=30.0))
    np.testing.assert_allclose(ang.series("left_elbow"), 180 - 3 * np.arange(10), atol=TOL)
    vel = ang.velocity[:, 0, ang.names.index("left_elbow")]
    np.testing.assert_allclose(vel, -90.0, atol=30 * 2 * TOL)  # 3°/frame at 30 fps


def test_angles_table_columns_and_rows():
    seq = sequence(np.repeat(standing_xy()[None], 4, axis=0))
    seq.xyz[1] = np.nan
    table = angles_table(joint_angles(seq), seq.detected)
    assert tuple(table.columns) == ANGLE_COLUMNS
    assert len(table) == 3 * 26  # 12 joint and 14 segment angles
    assert set(table.frame) == {0, 2, 3}
