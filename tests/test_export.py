"""The files an analysis becomes: literal CSV rows, a golden landmark CSV of a sample
photo (compared with a tolerance, as MediaPipe's own tests do), and the report."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pose_core import export
from pose_core.kinematics import joint_angles
from pose_core.poses import PoseSequence
from pose_core.scale import Scale

GOLDEN = Path(__file__).parent / "golden"
# Normalized x, y (about 2 px on this 450x960 photo), metres, and 0..1 scores.
TOLERANCE = {"x": 0.005, "y": 0.003, "z": 0.05, "world": 0.01, "score": 0.02}


def _one_person_two_frames() -> PoseSequence:
    """Two frames 1/30 s apart, one person at known places (only two landmarks shown)."""
    seq = PoseSequence.empty(2, 1, (200, 100), times_s=np.array([100.0, 100.0 + 1 / 30]))
    seq.xyz[:, 0] = [0.25, 0.5, -0.125]
    seq.xyz[1, 0, :, 0] = 0.75
    seq.visibility[:, 0] = 0.5
    seq.presence[:, 0] = 1.0
    seq.world[:, 0] = [0.1, -0.2, 0.3]
    return seq


def test_landmark_csv_rows_are_exactly_these() -> None:
    buf = io.StringIO()
    export.write_csv(export.landmarks_table(_one_person_two_frames()), buf)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 1 + 2 * 33
    assert lines[:3] == [
        "frame,time_s,person,landmark_id,landmark,x,y,z,visibility,presence,x_px,y_px,"
        "world_x,world_y,world_z",
        "0,100.000000,0,0,nose,0.25,0.5,-0.125,0.5,1,50,50,0.1,-0.2,0.3",
        "0,100.000000,0,1,left_eye_inner,0.25,0.5,-0.125,0.5,1,50,50,0.1,-0.2,0.3",
    ]
    assert lines[34] == "1,100.033333,0,0,nose,0.75,0.5,-0.125,0.5,1,150,50,0.1,-0.2,0.3"


def test_angles_csv_rows_are_exactly_these() -> None:
    seq = _one_person_two_frames()
    table = export.angles_table(joint_angles(seq), seq.detected)
    buf = io.StringIO()
    export.write_csv(table, buf)
    lines = buf.getvalue().splitlines()
    assert lines[0] == (
        "frame,time_s,person,angle,value_deg,value_3d_deg,velocity_deg_s,acceleration_deg_s2,"
        "velocity_3d_deg_s,acceleration_3d_deg_s2,filled"
    )
    assert lines[1] == "0,100.000000,0,left_elbow,,,,,,,0"  # every point coincides: NaN
    assert len(lines) == 1 + 2 * len(table.angle.unique()) == 1 + 2 * 26


def test_kinematics_csv_rows_are_exactly_these() -> None:
    seq = _one_person_two_frames()  # every landmark moves 100 px in 1/30 s
    scale = Scale(metres_per_px=0.01, person=0, height_m=1.75, height_px=175.0, frames=2)
    buf = io.StringIO()
    export.write_csv(export.kinematics_table(seq, scale), buf)
    lines = buf.getvalue().splitlines()
    assert lines[0] == (
        "frame,time_s,person,landmark_id,landmark,x_m,y_m,speed_px_s,acceleration_px_s2,"
        "speed_m_s,acceleration_m_s2,filled"
    )
    assert lines[1] == "0,100.000000,0,0,nose,0.5,0.5,3000,0,30,0,0"
    assert lines[34] == "1,100.033333,0,0,nose,1.5,0.5,3000,0,30,0,0"
    no_scale = export.kinematics_table(seq)
    assert no_scale.x_m.isna().all() and no_scale.speed_m_s.isna().all()


def test_standing_photo_matches_the_golden_landmarks(analysed) -> None:
    got = export.landmarks_table(analysed("standing.jpg").poses)
    want = pd.read_csv(GOLDEN / "standing.csv")
    assert list(got.columns) == list(want.columns) and len(got) == len(want) == 33
    assert (got.landmark == want.landmark).all()
    for col, tol in (("x", "x"), ("y", "y"), ("z", "z"), ("visibility", "score")):
        np.testing.assert_allclose(got[col], want[col], atol=TOLERANCE[tol], err_msg=col)
    for col in ("world_x", "world_y", "world_z"):
        np.testing.assert_allclose(got[col], want[col], atol=TOLERANCE["world"], err_msg=col)


def test_report_json_is_strict_json() -> None:
    doc = {"score": float("nan"), "times": [0.1, float("inf")], "nested": {"a": -np.inf}}
    assert export.json_text(doc).split() == [
        "{", '"score":', "null,", '"times":', "[", "0.1,", "null", "],", '"nested":', "{",
        '"a":', "null", "}", "}",
    ]  # fmt: skip


@pytest.mark.parametrize("column", ["x", "world_z"])
def test_a_csv_without_its_columns_is_refused(tmp_path: Path, column: str) -> None:
    path = tmp_path / "poses.csv"
    export.landmarks_table(_one_person_two_frames()).drop(columns=[column]).to_csv(path)
    with pytest.raises(ValueError, match=f"lacks columns \\['{column}'\\]"):
        export.read_landmarks(path)
