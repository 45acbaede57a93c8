"""TRC, MOT and Parquet files of a real analysis, read back by parsers written here from
the formats' documentation (not by PoseLab's writer), and the metric scale they carry."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pose_core import export
from pose_core.analysis import Analysis, with_settings
from pose_core.landmarks import LANDMARK_NAMES

ALL = tuple(export.FORMATS)


def read_trc(path: Path) -> tuple[dict[str, str], list[str], np.ndarray, np.ndarray]:
    """(header, marker names, frame numbers and times (N, 2), markers (N, M, 3)).

    The layout OpenSim documents: line 1 ``PathFileType 4 (X/Y/Z) name``; line 2 the
    header keys, line 3 their values; line 4 ``Frame# Time`` and one name per marker
    (each over three columns); line 5 ``X1 Y1 Z1 ...``; then one row per frame.
    """
    lines = path.read_text().split("\n")
    assert lines[0].split("\t")[:3] == ["PathFileType", "4", "(X/Y/Z)"]
    header = dict(zip(lines[1].split("\t"), lines[2].split("\t"), strict=True))
    names_row = lines[3].split("\t")
    assert names_row[:2] == ["Frame#", "Time"]
    markers = [n for n in names_row[2:] if n]
    assert names_row[2::3][: len(markers)] == markers  # a name, then two empty cells
    axes = lines[4].split("\t")[2:]
    assert axes == [f"{a}{i}" for i in range(1, len(markers) + 1) for a in "XYZ"]
    rows = [line.split("\t") for line in lines[5:] if line.strip()]
    assert all(len(r) == 2 + 3 * len(markers) for r in rows)
    data = np.array([[float(v) for v in r] for r in rows])
    return header, markers, data[:, :2], data[:, 2:].reshape(len(rows), len(markers), 3)


def read_mot(path: Path) -> tuple[dict[str, str], pd.DataFrame]:
    """(header ``key=value`` pairs, the table): OpenSim storage, header up to ``endheader``."""
    lines = path.read_text().split("\n")
    end = lines.index("endheader")
    header = dict(line.split("=", 1) for line in lines[1:end] if "=" in line)
    columns = lines[end + 1].split("\t")
    rows = [[float(v) for v in line.split("\t")] for line in lines[end + 2 :] if line]
    return header, pd.DataFrame(rows, columns=columns)


@pytest.fixture(scope="module")
def scaled(analysed) -> Analysis:
    """two_people.mp4 with both people, and 1.75 m for the person seen most (the man)."""
    base = analysed("two_people.mp4", max_people=2)
    return with_settings(base, replace(base.settings, height_m=1.75))


@pytest.fixture(scope="module")
def written(scaled, tmp_path_factory) -> dict[str, Path]:
    return export.save(scaled, tmp_path_factory.mktemp("formats"), "two", ALL)


def test_every_format_is_written(written) -> None:
    assert sorted(p.name for p in written.values()) == sorted(
        [
            *(f"two{s}.csv" for s in ("", ".angles", ".kinematics", ".raw")),
            *(f"two{s}.parquet" for s in ("", ".angles", ".kinematics")),
            *(f"two.p{p}.{ext}" for p in (0, 1) for ext in ("trc", "mot")),
            "two.json",
        ]
    )


def test_trc_reads_back_as_the_landmarks_in_metres(scaled, written) -> None:
    header, markers, frame_time, xyz = read_trc(written["trc_0"])
    poses, scale = scaled.poses, scaled.scale
    assert scale is not None and scale.person == 0
    assert header["Units"] == "m" and float(header["DataRate"]) == pytest.approx(30.0)
    assert int(header["NumFrames"]) == len(xyz) == poses.num_frames == 230
    assert int(header["NumMarkers"]) == 33 and markers == list(LANDMARK_NAMES)
    np.testing.assert_array_equal(frame_time[:, 0], np.arange(1, 231))
    np.testing.assert_allclose(frame_time[:, 1], poses.times_s, atol=1e-6)
    px = poses.xy_px[:, 0].astype(np.float64)
    m = scale.metres_per_px
    np.testing.assert_allclose(xyz[..., 0], px[..., 0] * m, atol=1e-5)
    np.testing.assert_allclose(xyz[..., 1], (poses.size_wh[1] - px[..., 1]) * m, atol=1e-5)
    seen = poses.detected[:, 0]
    assert np.isnan(xyz[~seen]).all() and (xyz[seen][..., 2] == 0).all()


def test_a_175_m_persons_shank_is_35_to_50_cm_in_the_scaled_trc(written) -> None:
    _, markers, _, xyz = read_trc(written["trc_0"])
    for side in ("left", "right"):
        knee, ankle = xyz[:, markers.index(f"{side}_knee")], xyz[:, markers.index(f"{side}_ankle")]
        shank = np.nanmedian(np.linalg.norm(knee - ankle, axis=-1))
        assert 0.35 <= shank <= 0.5, (side, shank)


def test_an_unscaled_trc_is_in_pixels_and_says_so(analysed, tmp_path) -> None:
    result = analysed("two_people.mp4", max_people=2)
    path = export.save(result, tmp_path, "px", ("trc",))["trc_0"]
    header, _, _, xyz = read_trc(path)
    assert header["Units"] == "px" and "pixels" in path.read_text().split("\n")[0]
    np.testing.assert_allclose(xyz[..., 0], result.poses.xy_px[:, 0, :, 0], atol=1e-3)


def test_mot_reads_back_as_the_angles_csv(scaled, written) -> None:
    header, table = read_mot(written["mot_1"])
    names = list(scaled.angles.names)
    assert header["inDegrees"] == "yes" and header["version"] == "1"
    assert int(header["nRows"]) == len(table) == 230
    assert int(header["nColumns"]) == len(table.columns) == 1 + 2 * len(names)
    assert list(table.columns) == ["time", *names, *(f"{n}_3d" for n in names)]
    angles = scaled.angles_table()
    mine = angles[angles.person == 1].pivot(index="frame", columns="angle", values="value_deg")
    got = table.iloc[mine.index.to_numpy()][names].to_numpy()
    np.testing.assert_allclose(got, mine[names].to_numpy(), atol=1e-5, equal_nan=True)
    np.testing.assert_allclose(table.time, scaled.poses.times_s, atol=1e-6)


def test_parquet_holds_the_same_tables_with_typed_columns(scaled, written) -> None:
    for key, table in (
        ("landmarks", export.landmarks_table(scaled.poses)),
        ("angles", scaled.angles_table()),
        ("kinematics", scaled.kinematics_table()),
    ):
        back = pq.read_table(written[f"{key}_parquet"])
        assert back.column_names == list(table.columns)
        assert str(back.schema.field("frame").type) == "int64"
        pd.testing.assert_frame_equal(back.to_pandas(), table, check_dtype=False)
    schema = pq.read_schema(written["landmarks_parquet"])
    assert str(schema.field("landmark").type) in ("string", "large_string")
    assert str(schema.field("x").type) == "double"


def test_opensim_reads_the_files_when_it_is_installed(written) -> None:
    # opensim 4.6 (PyPI) needs numpy 2; PoseLab pins numpy 1.26.4, so it is not in .venv.
    osim = pytest.importorskip("opensim")
    trc = osim.TimeSeriesTableVec3(str(written["trc_0"]))
    assert trc.getNumRows() == 230 and trc.getNumColumns() == 33
    mot = osim.TimeSeriesTable(str(written["mot_0"]))
    assert mot.getNumRows() == 230


def test_the_report_records_the_scale_filled_frames_and_every_setting(scaled) -> None:
    doc = export.report(scaled)
    assert doc["settings"] == scaled.settings.as_dict()
    assert doc["scale"]["person"] == 0 and doc["scale"]["height_m"] == 1.75
    assert doc["filled_frames"] == [int(n) for n in scaled.poses.filled.sum(axis=0)]
    assert len(doc["angles"]) == 26


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("csv", ("csv",)),
        ("csv, TRC,mot,csv", ("csv", "trc", "mot")),  # case, spaces and repeats forgiven
    ],
)
def test_parse_formats(text, expected) -> None:
    assert export.parse_formats(text) == expected


def test_an_unknown_format_is_one_clear_line() -> None:
    with pytest.raises(ValueError, match="unknown format xls: choose from csv, raw, trc"):
        export.parse_formats("csv,xls")
