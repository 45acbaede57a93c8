import json

import numpy as np
import pandas as pd
import pytest

from pose_core.export import (
    LANDMARK_COLUMNS,
    landmarks_table,
    read_landmarks,
    sequence_summary,
    write_csv,
)
from pose_core.poses import PoseSequence
from tests.synthetic import SIZE, sequence, standing_xy


def _two_people(frames: int = 5) -> PoseSequence:
    rng = np.random.default_rng(0)
    seq = sequence(np.repeat(standing_xy()[None], frames, axis=0))
    both = PoseSequence.empty(frames, 2, SIZE, times_s=seq.times_s, fps=30.0, source="two")
    for arr in ("xyz", "visibility", "presence", "world"):
        getattr(both, arr)[:, 0] = getattr(seq, arr)[:, 0]
        getattr(both, arr)[:, 1] = getattr(seq, arr)[:, 0] + rng.normal(
            0, 0.01, size=getattr(seq, arr)[:, 0].shape
        )
    both.xyz[2, 1] = np.nan  # person 1 missing in frame 2
    both.visibility[2, 1] = both.presence[2, 1] = np.nan
    both.world[2, 1] = np.nan
    return both


def test_shapes_are_validated_with_expected_and_actual():
    seq = PoseSequence.empty(3, 1, SIZE)
    with pytest.raises(
        ValueError, match=r"visibility must have shape \(3, 1, 33\), got \(3, 1, 32\)"
    ):
        PoseSequence(seq.xyz, seq.visibility[..., :32], seq.presence, seq.world, seq.times_s, SIZE)


def test_dataframe_has_exact_columns_and_one_row_per_detected_landmark():
    seq = _two_people()
    df = landmarks_table(seq)
    assert list(df.columns) == list(LANDMARK_COLUMNS)
    assert len(df) == (5 * 2 - 1) * 33
    assert not ((df.frame == 2) & (df.person == 1)).any()
    assert df.landmark.iloc[11] == "left_shoulder" and df.landmark_id.iloc[11] == 11
    np.testing.assert_allclose(df.x_px, df.x * SIZE[0])
    np.testing.assert_allclose(df.y_px, df.y * SIZE[1])


def test_csv_round_trip_loses_nothing(tmp_path):
    seq = _two_people()
    path = tmp_path / "poses.csv"
    write_csv(landmarks_table(seq), path)
    back = read_landmarks(path)
    assert back.size_wh == SIZE
    assert back.equals(seq, atol=1e-6)
    written = pd.read_csv(path)
    pd.testing.assert_frame_equal(landmarks_table(back), written, check_exact=False, rtol=1e-6)


def test_table_without_required_columns_is_refused(tmp_path):
    path = tmp_path / "poses.csv"
    landmarks_table(_two_people()).drop(columns=["world_z"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match="world_z"):
        read_landmarks(path)


def test_detection_rate_and_metadata():
    seq = _two_people()
    seq.xyz[4] = np.nan
    assert seq.detection_rate() == pytest.approx(0.8)
    meta = sequence_summary(seq)
    assert meta["frames"] == 5 and meta["people"] == 2
    assert meta["frames_per_person"] == [4, 3]


def test_csv_and_report_read_back_exactly(tmp_path):
    # A long clip: times past 100 s keep their microseconds; the last frames have
    # nobody in them and still come back, as do fps and the frame size.
    seq = _two_people(6)
    seq.times_s = 123.456789 + np.arange(6) / 29.97
    seq.fps = 29.97
    seq.xyz[4:] = np.nan
    seq.visibility[4:] = seq.presence[4:] = np.nan
    seq.world[4:] = np.nan
    write_csv(landmarks_table(seq), tmp_path / "long.csv")
    (tmp_path / "long.json").write_text(json.dumps(sequence_summary(seq)))
    back = read_landmarks(tmp_path / "long.csv")
    assert back.num_frames == 6 and back.fps == pytest.approx(29.97)
    np.testing.assert_array_equal(back.times_s, np.round(seq.times_s, 6))
    assert back.equals(seq, atol=1e-6)
