"""The reference library: built-in poses as authored, user references saved, read back,
imported and refused with one-line messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pose_core import paths
from pose_core.kinematics import angles_of
from pose_core.landmarks import ANGLE_NAMES
from pose_core.poses import Pose
from pose_core.references import (
    LibraryError,
    builtin_references,
    delete_reference,
    get_reference,
    import_reference,
    load_reference,
    reference_from_pose,
    save_reference,
    scan,
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder for user references."""
    monkeypatch.setenv("POSELAB_DATA", str(tmp_path / "data"))
    return tmp_path / "data" / "references"


def test_data_dir_default_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POSELAB_DATA", raising=False)
    assert paths.references_dir() == Path.home() / ".local/share/poselab/references"
    monkeypatch.setenv("POSELAB_DATA", str(tmp_path))
    assert paths.references_dir() == tmp_path / "references"


@pytest.mark.parametrize(
    ("name", "angle", "low", "high"),
    [
        ("mountain", "left_knee", 170, 180),  # legs straight
        ("mountain", "left_shoulder", 0, 25),  # arms down
        ("t-pose", "right_shoulder", 85, 105),  # arms out sideways
        ("t-pose", "left_elbow", 170, 180),
        ("tree", "right_knee", 0, 45),  # foot against the other thigh
        ("tree", "left_knee", 170, 180),  # standing leg straight
        ("warrior ii", "left_knee", 80, 100),  # front knee at a right angle
        ("warrior ii", "right_knee", 170, 180),
        ("triangle", "trunk_lean", 50, 60),  # trunk tilted over the front leg
    ],
)
def test_builtin_poses_are_what_they_say(name: str, angle: str, low: float, high: float) -> None:
    ref = builtin_references()[name]
    assert ref.builtin and ref.description
    assert np.isfinite(ref.pose.world).all() and ref.pose.world.shape == (33, 3)
    assert low <= dict(zip(ANGLE_NAMES, angles_of(ref.pose.world), strict=True))[angle] <= high


def test_builtin_library_contents() -> None:
    assert set(builtin_references()) == {"mountain", "t-pose", "tree", "warrior ii", "triangle"}
    # Facing the camera: the left shoulder is on the image's right (+x), the nose nearer.
    ref = builtin_references()["mountain"].pose.world
    assert ref[11, 0] > 0 > ref[12, 0] and ref[0, 2] < ref[11, 2]
    # Hips centred on the origin, like MediaPipe's world landmarks.
    np.testing.assert_allclose((ref[23] + ref[24]) / 2, 0.0, atol=1e-12)


def _pose_with_pixels() -> Pose:
    base = builtin_references()["tree"].pose
    xy = base.world[:, :2] * 300 + np.array([320.0, 240.0])
    return Pose(base.world, np.linspace(0.5, 1.0, 33), xy, (640, 480), "clip.mp4 frame 7")


def test_save_list_load_delete_round_trip(folder: Path) -> None:
    ref = reference_from_pose("My  tree", _pose_with_pixels(), "morning class")
    assert ref.name == "My tree" and ref.source == "clip.mp4 frame 7"
    path = save_reference(ref)
    assert path == folder / "my-tree.json"
    back = load_reference(path)
    np.testing.assert_allclose(back.pose.world, ref.pose.world, atol=1e-5)
    np.testing.assert_allclose(back.pose.visibility, ref.pose.visibility, atol=1e-4)
    assert (back.name, back.description, back.pose.size_wh) == (
        "My tree",
        "morning class",
        (640, 480),
    )
    np.testing.assert_allclose(back.pose.xy_px, _pose_with_pixels().xy_px, atol=0.01)
    assert list(scan()[0]) == ["My tree"]
    assert get_reference("My tree").name == "My tree"
    assert get_reference("tree").builtin
    with pytest.raises(LibraryError, match="exists already"):
        save_reference(ref)
    save_reference(ref, overwrite=True)
    delete_reference("My tree")
    assert scan()[0] == {}
    with pytest.raises(LibraryError, match="no saved reference"):
        delete_reference("My tree")


def test_exported_json_imports_unchanged(folder: Path) -> None:
    ref = reference_from_pose("lunge", _pose_with_pixels())
    doc = json.loads(ref.to_json())
    assert doc["format"] == "poselab.reference" and doc["version"] == 1
    assert [lm["name"] for lm in doc["landmarks"]][:2] == ["nose", "left_eye_inner"]
    assert "left_knee" in doc["angles_deg"]
    again = import_reference(ref.to_json().encode(), "lunge.json")
    np.testing.assert_allclose(again.pose.world, ref.pose.world, atol=1e-5)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # not JSON at all
        (b"\x00\x01 nope", "x.json: not valid JSON"),
        # JSON, but something else
        (b'{"hello": 1}', "x.json: not a PoseLab reference"),
        # a newer format than this PoseLab reads
        (b'{"format": "poselab.reference", "version": 9}', "unsupported reference version"),
        # landmarks cut short
        (
            b'{"format": "poselab.reference", "version": 1, "name": "a", "landmarks": []}',
            "x.json: malformed reference (landmarks must list 33 entries)",
        ),
        # no name
        (
            b'{"format": "poselab.reference", "version": 1, "name": " ", "landmarks": []}',
            "a reference needs a name",
        ),
    ],
)
def test_bad_imports_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(LibraryError) as err:
        import_reference(data, "x.json")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_values_inside_a_reference(folder: Path) -> None:
    doc = json.loads(reference_from_pose("x", _pose_with_pixels()).to_json())
    doc["landmarks"][3]["visibility"] = 7
    with pytest.raises(LibraryError, match="visibility must be within 0..1"):
        import_reference(json.dumps(doc), "x.json")
    doc["landmarks"][3]["visibility"] = 1
    doc["landmarks"][23]["world"] = [None, None, None]
    with pytest.raises(LibraryError, match="no shoulders and hips"):
        import_reference(json.dumps(doc), "x.json")


def test_builtin_names_are_reserved_and_bad_files_reported(folder: Path) -> None:
    with pytest.raises(LibraryError, match="belongs to a built-in"):
        save_reference(reference_from_pose("Tree", _pose_with_pixels()))
    with pytest.raises(LibraryError, match="cannot be deleted"):
        delete_reference("tree")
    with pytest.raises(LibraryError, match="no such reference"):
        get_reference("headstand")
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text("{")
    refs, errors = scan()
    assert refs == {} and errors == ["broken.json: not valid JSON (line 1)"]
    with pytest.raises(LibraryError, match="missing.json: file not found"):
        load_reference(folder / "missing.json")
