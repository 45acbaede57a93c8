"""Pose and clip comparison: exact synthetic cases for the maths, and evidence on real clips
that the score means something (issue 4, point 6)."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import pose_core.cli
from pose_core import compare as C
from pose_core.analysis import Analysis, analyze_clip
from pose_core.cli import main
from pose_core.compare import compare_clips, compare_pose_to_clip, compare_poses
from pose_core.compare import noise as N
from pose_core.compare.cues import NOISE, UNSEEN
from pose_core.errors import PoseLabError
from pose_core.kinematics import angles_of
from pose_core.landmarks import ANGLE_NAMES, LANDMARK_INDEX, NUM_LANDMARKS
from pose_core.plots import joint_bars_figure, score_timeline_figure, skeleton_figure
from pose_core.poses import Pose, PoseSequence
from pose_core.references import builtin_references
from pose_core.settings import Settings

CAMS = ("cam01.mp4", "cam02.mp4", "cam03.mp4", "cam04.mp4")
MIN_LAG = 30  # frames (0.5 s at 60 fps): closer instants are still nearly the same pose


def _rotation(axis: tuple[float, float, float], deg: float) -> np.ndarray:
    a = np.asarray(axis, dtype=np.float64)
    a /= np.linalg.norm(a)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    t = np.radians(deg)
    return np.eye(3) + np.sin(t) * k + (1 - np.cos(t)) * k @ k


def _pose(name: str) -> Pose:
    return builtin_references()[name].pose


def _angles(pose: Pose) -> dict[str, float]:
    return dict(zip(ANGLE_NAMES, angles_of(pose.world).tolist(), strict=True))


def _moved(pose: Pose, rot: np.ndarray, scale: float, shift: np.ndarray) -> Pose:
    return replace(pose, world=scale * pose.world @ rot.T + shift)


def _sequence(
    worlds: list[np.ndarray], fps: float = 30.0, source: str = "synthetic"
) -> PoseSequence:
    f = len(worlds)
    seq = PoseSequence.empty(f, 1, (100, 100), times_s=np.arange(f) / fps, fps=fps, source=source)
    for i, w in enumerate(worlds):
        seq.world[i, 0] = w
        seq.xyz[i, 0] = 0.5
        seq.visibility[i, 0] = 1.0
        seq.presence[i, 0] = 1.0
    return seq


# -- exact synthetic cases -------------------------------------------------------------


def test_kabsch_recovers_a_rotation_and_never_reflects() -> None:
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(12, 3))
    rot = _rotation((1, 2, 3), 70)
    found = C.kabsch(pts, pts @ rot.T, np.ones(12))
    np.testing.assert_allclose(found, rot, atol=1e-12)
    mirrored = pts * np.array([-1, 1, 1])
    assert np.linalg.det(C.kabsch(pts, mirrored, np.ones(12))) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (0.0, 100.0),  # a perfect match
        (30.0, 50.0),  # HALF_SCORE_DEG off: half
        (60.0, 6.25),  # twice that: 100 * 2**-4
    ],
)
def test_item_score_curve(error: float, expected: float) -> None:
    assert float(C.item_score(error)) == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(builtin_references()))
def test_same_pose_from_any_camera_scores_100(name: str) -> None:
    ref = _pose(name)
    cand = _moved(ref, _rotation((0.3, 1, 0.2), 125), 0.8, np.array([0.4, -0.2, 2.0]))
    result = compare_poses(ref, cand)
    assert result.score == pytest.approx(100.0, abs=1e-6)
    assert not result.mirrored and not result.mirror_checked
    assert all(abs(j.difference_deg) < 1e-6 for j in result.joints)


def test_mirror_image_scores_100_only_with_mirror() -> None:
    tree = _pose("tree")  # standing on the left leg: clearly asymmetric
    flipped = tree.mirrored()
    plain = compare_poses(tree, flipped)
    assert plain.score < 30 and not plain.mirrored
    result = compare_poses(tree, flipped, mirror=True)
    assert result.score == pytest.approx(100.0, abs=1e-6)
    assert result.mirrored and result.mirror_checked
    # A symmetric pose is its own mirror image: the mirror is not needed, so not used.
    assert not compare_poses(_pose("t-pose"), _pose("t-pose"), mirror=True).mirrored


def test_mirrored_breakdown_names_the_candidates_own_joints() -> None:
    tree = _pose("tree")  # right knee bent, left straight
    result = compare_poses(tree, tree.mirrored(), mirror=True)
    knees = {j.name: j.candidate_deg for j in result.joints if j.name.endswith("knee")}
    # In the mirrored candidate the *left* knee is the bent one.
    assert knees["left_knee"] == pytest.approx(_angles(tree)["right_knee"])


def test_score_is_the_documented_formula() -> None:
    ref, cand = _pose("mountain"), _pose("t-pose")
    r = compare_poses(ref, cand)
    angle = np.mean([(j.difference_deg / C.HALF_SCORE_DEG) ** 2 for j in r.joints])
    part = np.mean([(p.error_torso / C.HALF_SCORE_TORSO) ** 2 for p in r.parts])
    expected = 100 * 2 ** -(C.ANGLE_SHARE * angle + (1 - C.ANGLE_SHARE) * part)
    assert r.score == pytest.approx(expected)
    shoulders = {j.name: j for j in r.joints if j.name.endswith("shoulder")}
    t_angles = _angles(cand)
    assert shoulders["left_shoulder"].candidate_deg == pytest.approx(t_angles["left_shoulder"])
    assert shoulders["left_shoulder"].score == pytest.approx(
        float(C.item_score(shoulders["left_shoulder"].difference_deg))
    )


def test_clearly_different_poses_score_low() -> None:
    refs = builtin_references()
    for a, b in itertools.combinations(refs, 2):
        assert compare_poses(refs[a].pose, refs[b].pose).score < 35, (a, b)


def test_unseen_joints_do_not_count() -> None:
    ref = _pose("mountain")
    world, vis = ref.world.copy(), ref.visibility.copy()
    wrist = LANDMARK_INDEX["left_wrist"]
    world[wrist] += [0.5, -0.6, 0.3]  # wildly wrong ...
    vis[wrist] = 0.0  # ... but the model said it could not see it
    result = compare_poses(ref, replace(ref, world=world, visibility=vis))
    assert result.score == pytest.approx(100.0, abs=1e-6)


def test_small_noise_costs_little() -> None:
    ref = _pose("warrior ii")
    rng = np.random.default_rng(1)
    noisy = replace(ref, world=ref.world + rng.normal(scale=0.01, size=ref.world.shape))
    score = compare_poses(ref, noisy).score
    assert 95 < score < 100


@pytest.mark.parametrize(
    ("joint", "difference", "cue"),
    [
        ("left_knee", 20.0, "left knee: bend about 20° more"),  # straighter than the reference
        ("left_knee", -21.0, "left knee: straighten about 20° more"),  # more bent
        ("right_shoulder", -42.0, "right shoulder: raise the arm about 40°"),
        ("right_elbow", 3.0, "right elbow: bend about 5° more"),  # never "about 0°"
        ("trunk_lean", 15.0, "trunk: straighten up about 15° more"),
    ],
)
def test_cue_wording(joint: str, difference: float, cue: str) -> None:
    assert C.cue_for(joint, difference) == cue


def test_cues_name_the_worst_joints_first() -> None:
    ref = _pose("warrior ii")
    cand = _pose("t-pose")  # same arms, legs straight instead of a lunge
    cues = compare_poses(ref, cand).cues
    assert 1 <= len(cues) <= C.MAX_CUES
    assert cues[0].startswith(("left knee", "left hip", "left ankle", "right ankle"))
    assert not any("elbow" in c for c in cues)  # the arms match


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (97.4, "about 95: same pose within measurement noise"),
        (N.SAME_POSE_SCORE, "about 80: same pose within measurement noise"),
        (79.9, "about 80: close: a few joints differ"),  # rounded, but below the band
        (45.0, "about 45: clearly different in places"),
        (12.0, "about 10: a different pose"),
        (float("nan"), "not compared"),
    ],
)
def test_score_band(score: float, band: str) -> None:
    assert N.score_band(score) == band


def test_no_cue_within_the_noise_floor_or_on_an_unclear_joint() -> None:
    ref = _pose("mountain")
    knee = LANDMARK_INDEX["left_knee"]

    def bent(deg: float, visibility: float) -> Pose:
        # Turn the left shin about the knee (sideways), so only that knee angle changes.
        world, vis = ref.world.copy(), ref.visibility.copy()
        for name in ("left_ankle", "left_heel", "left_foot_index"):
            i = LANDMARK_INDEX[name]
            world[i] = world[knee] + _rotation((0, 0, 1), deg) @ (world[i] - world[knee])
        vis[[knee, LANDMARK_INDEX["left_ankle"]]] = visibility
        return replace(ref, world=world, visibility=vis)

    floor = N.angle_floor("left_knee")
    small = compare_poses(ref, bent(floor - 5, 1.0))
    assert {j.name: j.note for j in small.joints}["left_knee"] == NOISE
    assert not any("knee" in c for c in small.cues)
    big = compare_poses(ref, bent(floor + 15, 1.0))
    assert {j.name: j.note for j in big.joints}["left_knee"] == ""
    assert big.cues and big.cues[0].startswith("left knee")
    unclear = compare_poses(ref, bent(floor + 15, 0.5))
    assert {j.name: j.note for j in unclear.joints}["left_knee"] == UNSEEN
    assert not any("knee" in c for c in unclear.cues)
    assert "note" in unclear.joints_table().columns


def test_pose_without_torso_is_refused() -> None:
    ref = _pose("mountain")
    world = ref.world.copy()
    world[LANDMARK_INDEX["left_hip"]] = np.nan
    with pytest.raises(PoseLabError, match="shoulders and hips"):
        compare_poses(ref, replace(ref, world=world, label="half.jpg"))


def test_overlay_of_identical_pose_lands_on_the_candidate() -> None:
    ref = _pose("tree")
    # A candidate seen by an affine camera: pixels = 400 * (x, y) + (320, 240).
    xy = ref.world[:, :2] * 400 + np.array([320, 240])
    cand = replace(ref, xy_px=xy, size_wh=(640, 480))
    overlay = compare_poses(ref, cand).aligned_reference_px()
    np.testing.assert_allclose(overlay, xy, atol=1e-6)
    mirrored = compare_poses(ref, replace(cand.mirrored(), xy_px=None), mirror=True)
    assert mirrored.aligned_reference_px() is None  # no picture, no overlay


def test_dtw_follows_the_cheap_cells_within_the_band() -> None:
    cost = np.ones((4, 6))
    for i, j in [(0, 0), (1, 1), (1, 2), (2, 3), (3, 4), (3, 5)]:
        cost[i, j] = 0.0
    lo, hi = C.clips._band_cells(4, 6, 2.0)
    path = C.dtw(cost, lo, hi)
    assert path.tolist() == [[0, 0], [1, 1], [1, 2], [2, 3], [3, 4], [3, 5]]
    lo, hi = C.clips._band_cells(20, 20, 2.0)
    assert (hi - lo).max() <= 5


def test_clip_against_slower_copy_scores_100() -> None:
    refs = builtin_references()
    keys = [refs[n].pose.world for n in ("mountain", "t-pose", "warrior ii", "triangle")]
    # A move through four poses; the candidate does it at half the tempo.
    ref = _sequence([keys[k // 5] for k in range(20)], source="teacher")
    cand = _sequence([keys[k // 10] for k in range(40)], source="student")
    result = compare_clips(ref, cand)
    assert result.score == pytest.approx(100.0, abs=1e-6)
    assert np.all(np.diff(result.path, axis=0) >= 0)  # both clips run forward
    assert result.path[0].tolist() == [0, 0] and result.path[-1].tolist() == [19, 39]
    assert result.ref_frame_for(20) == 10
    doc = result.to_dict()
    assert set(doc) == {"score", "frame_scores", "alignment", "worst"}
    assert len(doc["frame_scores"]) == 40
    table = result.frames_table()
    assert list(table.columns) == ["cand_frame", "cand_time_s", "ref_frame", "ref_time_s", "score"]


def test_tempo_from_the_alignment_path() -> None:
    refs = builtin_references()
    keys = [refs[n].pose.world for n in ("mountain", "t-pose", "warrior ii", "triangle")]
    # The teacher holds each pose 1 s; the student holds the first two 1 s and rushes
    # the last two in 0.8 s each (25 % faster over the second half).
    ref = _sequence([keys[k // 30] for k in range(120)], source="teacher")
    cand = _sequence(
        [keys[min(k // 30, 1)] for k in range(60)] + [keys[2 + k // 24] for k in range(48)],
        source="student",
    )
    result = compare_clips(ref, cand, band=0.3)
    assert result.score == pytest.approx(100.0, abs=1e-6)
    assert result.tempo is not None and len(result.tempo) == 108
    assert np.nanmedian(result.tempo[80:]) == pytest.approx(1.25, abs=0.1)
    # The second half by clip time (1.8-3.6 s) starts before the rush (2.0 s): ~20 %.
    assert result.tempo_note == "you rush the second half by ~20 %"
    assert C.tempo_summary(np.ones(50)) == "even with the reference (within 5 %)"
    assert C.tempo_summary(np.r_[np.ones(25), np.full(25, 0.9)]) == (
        "you drag the second half by ~10 %"
    )


def test_pose_against_a_clip_scores_each_frame() -> None:
    refs = builtin_references()
    seq = _sequence([refs["mountain"].pose.world] * 3 + [refs["tree"].pose.world] * 3)
    result = compare_pose_to_clip(refs["tree"].pose, seq)
    np.testing.assert_allclose(result.frame_scores[3:], 100.0)
    assert (result.frame_scores[:3] < 10).all()
    assert result.worst[0].cand_frame in (0, 1, 2)


def test_figures_build() -> None:
    refs = builtin_references()
    seq = _sequence([refs["mountain"].pose.world] * 4 + [refs["t-pose"].pose.world] * 4)
    clip = compare_clips(seq, seq)
    fig = score_timeline_figure(clip, current=3)
    assert fig.layout.shapes[0].x0 == pytest.approx(3 / 30)
    bars = joint_bars_figure(compare_poses(refs["mountain"].pose, refs["tree"].pose))
    assert len(bars.data[0].y) == len(ANGLE_NAMES)
    assert len(skeleton_figure(refs["tree"].pose).data) >= 1


# -- evidence on the real sample clips ---------------------------------------------------


@pytest.fixture(scope="session")
def cam_analyses(sample_media: Path, model) -> dict[str, Analysis]:
    """Each Pose2Sim camera clip analysed once, with the default settings."""
    return {name: analyze_clip(sample_media / name, Settings(), model) for name in CAMS}


@pytest.fixture(scope="session")
def two_people(sample_media: Path, model) -> Analysis:
    return analyze_clip(sample_media / "two_people.mp4", Settings(max_people=2), model)


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC by ranks (Mann-Whitney U), ties counted half."""
    values = np.r_[pos, neg]
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_vals = values[order]
    i = 0
    while i < len(values):  # average ranks over ties
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos, n_neg = len(pos), len(neg)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def test_auc_helper_is_exact() -> None:
    assert _auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert _auc(np.array([1.0]), np.array([1.0])) == 0.5
    assert _auc(np.array([1.0, 3.0]), np.array([2.0])) == 0.5


def _arrays(a: Analysis) -> tuple[np.ndarray, np.ndarray]:
    return a.poses.world[:, 0].astype(np.float64), a.poses.visibility[:, 0].astype(np.float64)


def test_same_instant_other_camera_beats_other_instants(cam_analyses) -> None:
    pos, neg = [], []
    for a, b in itertools.combinations(CAMS, 2):
        (wa, va), (wb, vb) = _arrays(cam_analyses[a]), _arrays(cam_analyses[b])
        n = min(len(wa), len(wb))
        pos.append(C.pair_scores(wa[:n], va[:n], wb[:n], vb[:n]))
    for a in CAMS:
        w, v = _arrays(cam_analyses[a])
        i, j = np.nonzero(
            np.abs(np.subtract.outer(np.arange(len(w)), np.arange(len(w)))) >= MIN_LAG
        )
        neg.append(C.pair_scores(w[i], v[i], w[j], v[j]))
    pos_s, neg_s = np.concatenate(pos), np.concatenate(neg)
    pos_s, neg_s = pos_s[~np.isnan(pos_s)], neg_s[~np.isnan(neg_s)]
    auc = _auc(pos_s, neg_s)
    print(
        f"\nROC AUC {auc:.3f} over {len(pos_s)} same-instant pairs (median score "
        f"{np.median(pos_s):.1f}) and {len(neg_s)} pairs >= {MIN_LAG} frames apart "
        f"(median {np.median(neg_s):.1f})"
    )
    assert auc >= 0.9
    assert np.median(pos_s) >= 80


def _reversed(seq: PoseSequence) -> PoseSequence:
    return replace(
        seq,
        xyz=seq.xyz[::-1],
        visibility=seq.visibility[::-1],
        presence=seq.presence[::-1],
        world=seq.world[::-1],
        source=f"{seq.source} reversed",
    )


def test_clip_scores_other_camera_above_reversed_and_other_movement(
    cam_analyses, two_people
) -> None:
    lines = []
    for a in CAMS:
        ref = cam_analyses[a].poses
        same = [compare_clips(ref, cam_analyses[b].poses).score for b in CAMS if b != a]
        backwards = compare_clips(ref, _reversed(ref)).score
        other = max(
            compare_clips(ref, two_people.poses, cand_person=p).score
            for p in range(two_people.poses.num_people)
        )
        lines.append(
            f"{a}: other cameras {', '.join(f'{s:.1f}' for s in same)} (mean "
            f"{np.mean(same):.1f}); time-reversed {backwards:.1f}; two_people {other:.1f}"
        )
        assert min(same) >= 75
        # Danced backwards: the same poses, moving the other way (issue 10: >= 15 below).
        assert min(same) >= backwards + 15
        assert min(same) >= other + 20
    print("\n" + "\n".join(lines))


def test_noise_floor_is_pinned_on_the_samples(cam_analyses) -> None:
    # The README and pose_core.compare.noise quote these numbers: measured again here.
    floor = N.measure_noise_floor([cam_analyses[c].poses for c in CAMS])
    print(f"\nnoise floor over {floor.pairs} same-instant pairs: {floor.deg} {floor.torso}")
    assert floor.pairs == 1200
    assert floor.deg == pytest.approx(N.NOISE_FLOOR_DEG, abs=1.0)
    assert floor.torso == pytest.approx(N.NOISE_FLOOR_TORSO, abs=0.02)
    assert floor.same_pose_score == pytest.approx(N.SAME_POSE_SCORE, abs=1.0)


def test_same_instant_pairs_mostly_get_no_cues_and_the_same_pose_band(cam_analyses) -> None:
    results = [
        compare_poses(cam_analyses[a].poses.pose(f), cam_analyses[b].poses.pose(f))
        for a, b in itertools.combinations(CAMS, 2)
        for f in range(0, 100, 2)
    ]
    with_cues = np.mean([bool(r.cues) for r in results])
    median = float(np.median([r.score for r in results]))
    print(f"\nsame-instant pairs with cues: {with_cues:.0%}; median score {median:.1f}")
    assert with_cues < 0.5
    assert "same pose within measurement noise" in N.score_band(median)


def test_a_pose_against_its_own_mirror_gets_no_cue_with_the_mirror_option(cam_analyses) -> None:
    poses = [cam_analyses["cam01.mp4"].poses.pose(f) for f in (0, 50, 99)]
    for pose in poses + [r.pose for r in builtin_references().values()]:
        result = compare_poses(pose, pose.mirrored(), mirror=True)
        assert result.score == pytest.approx(100.0, abs=1e-6) and result.cues == []
        assert "same pose" in result.band


def test_real_pose_against_itself_its_mirror_and_noise(cam_analyses) -> None:
    poses = cam_analyses["cam01.mp4"].poses
    pose = poses.pose(50)
    assert compare_poses(pose, pose).score == pytest.approx(100.0, abs=1e-6)
    flipped = pose.mirrored()
    assert compare_poses(pose, flipped).score < 90
    assert compare_poses(pose, flipped, mirror=True).score == pytest.approx(100.0, abs=1e-6)
    rng = np.random.default_rng(2)
    noisy = replace(pose, world=pose.world + rng.normal(scale=0.01, size=pose.world.shape))
    assert compare_poses(pose, noisy).score >= 95


# -- command line ------------------------------------------------------------------------


@pytest.fixture
def cached_clips(monkeypatch, cam_analyses, two_people):
    """analyze_clip served from the session's analyses (the CLI code path is unchanged)."""
    table = cam_analyses | {"two_people.mp4": two_people}
    # main() otherwise routes stderr through a duplicate descriptor capsys cannot see.
    monkeypatch.setenv("POSELAB_NATIVE_LOGS", "1")

    real = pose_core.cli.analyze_path

    def fake(path, settings=None, model=None, *args, **kwargs):
        name = Path(path).name
        return table[name] if name in table else real(path, settings, model, *args, **kwargs)

    monkeypatch.setattr(pose_core.cli, "analyze_path", fake)


def test_cli_frames_json(cached_clips, sample_media, capsys) -> None:
    a, b = (str(sample_media / n) for n in CAMS[:2])
    assert main(["compare", a, b, "--ref-frame", "10", "--cand-frame", "12", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"score", "band", "mirrored", "joints", "cues"}
    assert 0 <= doc["score"] <= 100 and doc["mirrored"] is False
    assert doc["band"].startswith("about ")
    knee = doc["joints"]["left_knee"]
    assert set(knee) == {"reference_deg", "candidate_deg", "difference_deg", "score", "note"}
    assert knee["difference_deg"] == pytest.approx(
        knee["candidate_deg"] - knee["reference_deg"], abs=0.11
    )


def test_cli_clips_json(cached_clips, sample_media, capsys) -> None:
    a, b = (str(sample_media / n) for n in CAMS[:2])
    assert main(["compare", a, b, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"score", "frame_scores", "alignment", "worst"}
    assert len(doc["frame_scores"]) == 100
    assert doc["alignment"][0] == [0, 0] and doc["alignment"][-1] == [99, 99]
    assert doc["score"] >= 75 and len(doc["worst"]) == 3


def test_cli_picks_a_person_on_each_side(cached_clips, sample_media, capsys) -> None:
    a, b = (str(sample_media / n) for n in ("cam01.mp4", "two_people.mp4"))
    scores = []
    for person in ("0", "1"):
        assert main(["compare", a, b, "--ref-person", "0", "--cand-person", person, "--json"]) == 0
        scores.append(json.loads(capsys.readouterr().out)["score"])
    assert scores[0] != scores[1]  # two different people were compared
    assert main(["compare", a, b, "--cand-person", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("score ") and "(about " in out.splitlines()[0]
    assert out.splitlines()[-1] == (
        "compared cam01.mp4, whole clip with person 1 of 2 in two_people.mp4, whole clip"
    )


def test_cli_saved_reference_and_readable_summary(
    tmp_path, sample_media, model, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("POSELAB_NATIVE_LOGS", "1")
    ref = builtin_references()["mountain"]
    path = tmp_path / "mine.json"
    path.write_text(ref.to_json())
    assert main(["compare", str(path), str(sample_media / "standing.jpg")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("score ") and "left_knee" in out
    assert main(["compare", "mountain", str(sample_media / "standing.jpg"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] > 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # a missing file
        (["missing.jpg", "standing.jpg"], "error: missing.jpg: file not found"),
        # a clip reference against one picture, without a frame
        (["cam01.mp4", "standing.jpg"], "error: cam01.mp4: is a clip; pick a frame of it"),
        # nobody in the candidate picture
        (["standing.jpg", "nobody.jpg"], "error: nobody.jpg: person 0 was not found"),
        # a frame that does not exist
        (["cam01.mp4", "cam02.mp4", "--ref-frame", "500", "--cand-frame", "0"], "out of range"),
        # a JSON that is no reference
        (["manifest.json", "standing.jpg"], "error: manifest.json: not a PoseLab reference"),
    ],
)
def test_cli_errors_are_one_line(
    cached_clips, sample_media, capsys, args: list[str], message: str
) -> None:
    files = [str(sample_media / a) if a.endswith((".jpg", ".mp4", ".json")) else a for a in args]
    assert main(["compare", *files]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], captured.err
    assert "Traceback" not in captured.err


def test_landmark_count_constant() -> None:
    assert NUM_LANDMARKS == 33 and len(C.PART_NAMES) == 8
