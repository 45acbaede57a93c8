import zipfile

import pytest

from pose_core.errors import ModelError
from pose_core.model import build_bundle, resolve_model


def test_bundle_holds_both_models_with_metadata(model):
    with zipfile.ZipFile(model.path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())
        # The Tasks API refuses tflite files without normalization metadata.
        for name in infos:
            assert b"TFLITE_METADATA" in zf.read(name)


def test_bundle_is_built_once_and_reused(tmp_path):
    first = build_bundle(tmp_path)
    mtime = first.stat().st_mtime_ns
    second = build_bundle(tmp_path)
    assert second == first and second.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temp files left


def test_user_model_file_is_checked(tmp_path):
    with pytest.raises(ModelError, match="model file not found: .*missing.task"):
        resolve_model(tmp_path / "missing.task")
    bogus = tmp_path / "bogus.task"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match=r"bogus.task is not a MediaPipe .task bundle"):
        resolve_model(bogus)


def test_user_bundle_is_accepted(model, tmp_path):
    copy = tmp_path / "pose_landmarker_full.task"
    copy.write_bytes(model.path.read_bytes())
    info = resolve_model(copy)
    assert info.path == copy.resolve() and "user file" in info.origin
