"""Exact synthetic cases for the pieces of our BlazePose engine (no network needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pose_core.blazepose.anchors import ssd_anchors
from pose_core.blazepose.detector import decode, weighted_nms
from pose_core.blazepose.landmarks import PoseLandmarks, refine_from_heatmap
from pose_core.blazepose.motion import MotionCue
from pose_core.blazepose.people import coinciding, grey_out, same_person, shared_limbs
from pose_core.blazepose.roi import Roi, iou, normalize_radians, roi_from_alignment, warp
from pose_core.blazepose.search import crowd_tiles, search_regions, square_windows
from pose_core.blazepose.smoothing import OneEuro


def test_anchor_grid_matches_mediapipe_pose_detector():
    a = ssd_anchors(224)
    assert a.shape == (2254, 2)
    # 28 x 28 cells with 2 anchors each, then 14 x 14 x 2, then 7 x 7 with 3 layers x 2.
    assert np.allclose(a[0], [0.5 / 28, 0.5 / 28]) and np.allclose(a[1], a[0])
    assert np.allclose(a[2], [1.5 / 28, 0.5 / 28])
    assert np.allclose(a[1568], [0.5 / 14, 0.5 / 14])
    assert np.allclose(a[1960:1966], [0.5 / 7, 0.5 / 7])
    assert np.allclose(a[-1], [6.5 / 7, 6.5 / 7])


def test_decode_applies_anchor_offsets_sigmoid_and_clipping():
    raw = np.zeros((2254, 12), np.float32)
    raw[0, :4] = [22.4, -11.2, 44.8, 22.4]  # centre moved by (0.1, -0.05); 0.2 x 0.1
    raw[0, 4:6] = [11.2, 0]
    scores = np.full(2254, -1000.0, np.float32)  # clipped to -100: sigmoid ~ 0
    scores[0] = 0.0
    s, boxes, kps = decode(raw, scores, 224, min_score=0.5)
    assert s.tolist() == [0.5]
    cx, cy = 0.5 / 28 + 0.1, 0.5 / 28 - 0.05
    assert np.allclose(boxes[0], [cx - 0.1, cy - 0.05, cx + 0.1, cy + 0.05])
    assert np.allclose(kps[0, 0], [0.5 / 28 + 0.05, 0.5 / 28])


def test_weighted_nms_averages_overlapping_boxes_by_score():
    scores = np.array([0.9, 0.6, 0.8])
    boxes = np.array([[0, 0, 1, 1], [0.1, 0, 1.1, 1], [3, 3, 4, 4]], float)
    kps = np.zeros((3, 4, 2))
    kps[1] += 1.0
    out = weighted_nms(scores, boxes, kps)
    assert [round(s, 3) for s, _, _ in out] == [0.9, 0.8]
    assert np.allclose(out[0][1], [0.04, 0, 1.04, 1])  # (0.9 * 0 + 0.6 * 0.1) / 1.5
    assert np.allclose(out[0][2], 0.4)
    assert np.allclose(out[1][1], boxes[2])


@pytest.mark.parametrize(
    ("scale_point", "rotation"),
    [
        ((100.0, 50.0), 0.0),  # body pointing up: no turn
        ((150.0, 100.0), math.pi / 2),  # pointing right: the crop's up is the frame's right
        ((100.0, 150.0), -math.pi),  # upside down: half a turn (wrapped to [-pi, pi))
    ],
)
def test_region_from_hip_centre_and_scale_point(scale_point, rotation):
    roi = roi_from_alignment(np.array([100.0, 100.0]), np.array(scale_point))
    assert math.isclose(roi.w, 2 * 50 * 1.25) and roi.w == roi.h
    assert math.isclose(normalize_radians(roi.rotation - rotation), 0.0, abs_tol=1e-9)


def test_crop_geometry_round_trips():
    roi = Roi(200.0, 150.0, 120.0, 120.0, 0.3)
    m = roi.crop_matrix(256)
    crop_px = np.array([[0.0, 0.0], [256.0, 0.0], [128.0, 128.0], [30.0, 200.0]])
    via_matrix = crop_px @ m[:, :2].T + m[:, 2]
    assert np.allclose(via_matrix, roi.to_frame(crop_px / 256))
    assert np.allclose(roi.to_frame(np.array([0.5, 0.5])), [200, 150])


def test_warp_of_an_upright_region_is_a_resize():
    rgb = np.zeros((100, 100, 3), np.uint8)
    rgb[:50] = 200  # top half bright
    crop = warp(rgb, Roi(50, 50, 100, 100), 50, replicate=True)
    assert crop[:20].min() == 200 and crop[30:].max() == 0
    outside = warp(rgb, Roi(150, 50, 100, 100), 10, replicate=False)
    assert outside[:, 6:].max() == 0  # black beyond the right edge


def test_iou_ignores_rotation_like_mediapipe_association():
    a = Roi(0, 0, 2, 2, 0.0)
    assert iou(a, Roi(1, 0, 2, 2, 1.0)) == pytest.approx(2 / 6)
    assert iou(a, Roi(5, 5, 2, 2)) == 0.0


def test_heatmap_refinement_moves_to_the_weighted_peak():
    heat = np.full((64, 64, 2), -20.0, np.float32)
    heat[10, 21, 0] = 20.0  # a sharp confident peak near landmark 0
    heat[40, 40, 1] = -1.0  # landmark 1: a peak of sigmoid(-1) < 0.5, so it stays put
    xy = np.array([[20.5 / 64, 10.5 / 64], [40.5 / 64, 40.5 / 64]])
    out = refine_from_heatmap(xy, heat)
    assert np.allclose(out[0], [21 / 64, 10 / 64], atol=1e-6)
    assert np.allclose(out[1], xy[1])
    # Left of the map: left alone.
    assert np.allclose(refine_from_heatmap(np.array([[-0.2, 0.1]]), heat[..., :1]), [[-0.2, 0.1]])


def test_one_euro_passes_the_first_value_then_smooths():
    f = OneEuro(min_cutoff=1.0, beta=0.0)
    assert f.apply(0, 1.0, np.array([1.0]))[0] == 1.0
    second = f.apply(33_000_000, 1.0, np.array([2.0]))[0]
    alpha = 1 / (1 + 30 / (2 * math.pi))  # still 30 Hz: the first time stamp was 0
    assert second == pytest.approx(1 + alpha)
    assert f.apply(33_000_000, 1.0, np.array([9.0]))[0] == 9.0  # time did not advance


def _person(dx: float = 0.0, score: float = 1.0) -> PoseLandmarks:
    xy = np.zeros((39, 2))
    xy[:33, 0] = 100 + dx + np.arange(33) % 5 * 10
    xy[:33, 1] = 100 + np.arange(33) * 6
    xy[33] = [120 + dx, 250]
    xy[34] = [120 + dx, 150]
    roi = roi_from_alignment(xy[33], xy[34])
    ones = np.ones(39)
    return PoseLandmarks(xy, np.zeros(39), ones, ones, np.zeros((33, 3)), score, roi)


def test_same_person_and_chimeras():
    a = _person()
    assert same_person(a, _person(dx=5))
    assert not same_person(a, _person(dx=300))
    half = _person(dx=300)
    half.xy[[23, 24, 25, 26, 27, 28]] = a.xy[[23, 24, 25, 26, 27, 28]]  # legs of a
    assert coinciding(half, a) == 0.5 and same_person(half, a)


def test_shared_limbs_and_grey_out():
    a, b = _person(), _person(dx=300)
    assert shared_limbs(a, b).size == 0
    b.xy[15] = a.xy[15] + 1  # b's left wrist on a's body
    assert shared_limbs(b, a).tolist() == [15]
    assert 15 in shared_limbs(a, b)
    rgb = np.zeros((400, 500, 3), np.uint8)
    grey = grey_out(rgb, [a])
    assert grey[250, 120].tolist() == [128, 128, 128] and grey[10, 480].tolist() == [0, 0, 0]


def test_search_regions_cover_the_picture():
    assert square_windows(960, 540) == search_regions(960, 540, False)[1:]
    assert [(r.cx, r.w) for r in square_windows(960, 540)] == [(270, 540), (690, 540)]
    assert square_windows(500, 500) == []
    tiles = crowd_tiles(960, 540)
    assert all(r.w == pytest.approx(324) for r in tiles)
    xs = sorted({r.cx for r in tiles})
    assert xs[0] - 162 == 0 and xs[-1] + 162 == pytest.approx(960)
    assert all(b - a <= 0.7 * 324 + 1e-9 for a, b in zip(xs, xs[1:], strict=False))


def test_motion_cue_ignores_followed_people():
    cue = MotionCue()
    still = np.zeros((90, 160, 3), np.uint8)
    assert cue.where(still, []) is None  # first frame
    moved = still.copy()
    moved[10:30, 120:140] = 255
    spot = cue.where(moved, [])
    assert spot is not None and 110 < spot[0] < 150 and 5 < spot[1] < 35
    cue.where(still, [])
    assert cue.where(moved, [Roi(130, 20, 40, 40)]) is None


def test_a_bundle_without_the_two_models_is_refused(tmp_path):
    import zipfile

    from pose_core.blazepose.models import read_bundle
    from pose_core.errors import ModelError

    bundle = tmp_path / "hand_landmarker.task"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("hand_detector.tflite", b"x")
    with pytest.raises(ModelError, match="not a pose landmarker bundle .no pose_detector.tflite"):
        read_bundle(bundle)
    (tmp_path / "broken.task").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="could not read the pose model broken.task"):
        read_bundle(tmp_path / "broken.task")


def test_smoothing_is_refused_where_mediapipe_has_none(model):
    from pose_core.blazepose import BlazePoseEngine
    from pose_core.settings import Settings

    with pytest.raises(ValueError, match="video=True and max_people 1"):
        BlazePoseEngine(model, Settings(max_people=2), video=True, smooth=True)
