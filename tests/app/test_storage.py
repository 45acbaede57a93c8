"""The app's plumbing without a page: uploads spilled to the private work folder, its size
cap and start-up cleaning, chart clicks, plain text."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pages.common import storage
from pages.common.library import plain
from pages.common.widgets import clicked_frame
from pose_core.errors import MediaError, PoseLabError
from pose_core.paths import private_dir


def test_spill_names_files_by_content(tmp_path: Path, sample_media: Path) -> None:
    data = (sample_media / "standing.jpg").read_bytes()
    a = storage.spill(data, "my photo.jpg", 10)
    b = storage.spill(data, "my photo.jpg", 10)
    assert a == b and a.path.read_bytes() == data and a.kind == "image"
    assert a.path.name == "my photo.jpg" and a.path.parent.name == a.digest[:32]
    assert a.path.is_relative_to(tmp_path / "work")
    assert stat.S_IMODE((tmp_path / "work").stat().st_mode) == 0o700


def test_content_decides_the_kind_not_the_name(sample_media: Path) -> None:
    photo = storage.spill((sample_media / "standing.jpg").read_bytes(), "holiday.mp4", 10)
    assert photo.kind == "image"


@pytest.mark.parametrize(
    ("data", "limit_mb", "message"),
    [
        (b"", 1, "file is empty"),  # nothing uploaded
        (b"x" * (2 * 1024 * 1024), 1, "over the 1 MB upload limit"),  # too large
    ],
)
def test_spill_refuses(tmp_path: Path, data: bytes, limit_mb: int, message: str) -> None:
    with pytest.raises(MediaError, match=message):
        storage.spill(data, "up.mp4", limit_mb=limit_mb)
    assert not list((tmp_path / "work").rglob("*.part"))


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("dance.MP4", "dance.MP4"),  # kept as is
        ("../../etc/passwd", "passwd"),  # no folders
        ("C:\\clips\\jump.mov", "jump.mov"),  # Windows path from the browser
        ("a<b>|c?.mp4", "a_b_c_.mp4"),  # odd characters replaced
        ("![x](h).mp4", "_x_h_.mp4"),  # no Markdown survives
        ("Tänzerin.mov", "Tänzerin.mov"),  # letters of any script stay
        ("..", "upload"),  # nothing left
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert storage.safe_name(name) == safe


def test_work_folder_keeps_under_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSELAB_WORK_MB", "1")
    files = [storage.spill(bytes([k]) * 400_000, f"f{k}.bin", 10) for k in range(4)]
    present = [f.path.is_file() for f in files]
    assert present[-1] and sum(present) == 2  # the oldest went first; the newest stays
    assert storage.folder_size(storage.process_dir()) <= 1024 * 1024


def test_stale_folders_of_ended_servers_are_removed(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    old = tmp_path / "work" / ended.stdout.strip() / "uploads"
    old.mkdir(parents=True)
    (old / "clip.mp4").write_bytes(b"x" * 1000)
    mine = storage.spill(b"y" * 10, "mine.bin", 1)
    assert storage.clean_stale() >= 1000
    assert not old.parent.exists() and mine.path.is_file()


def test_private_folder_refuses_a_planted_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "work"
    link.symlink_to(target)
    with pytest.raises(PoseLabError, match="link"):
        private_dir(link)
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)
    assert stat.S_IMODE(private_dir(loose).stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("state", "frame"),
    [
        (None, None),  # nothing selected yet
        ({"selection": {"points": []}}, None),  # selection cleared
        ({"selection": {"points": [{"customdata": 17, "x": 0.3}]}}, 17),  # one frame index
        ({"selection": {"points": [{"customdata": [5, 3]}]}}, 5),  # a pair: frame first
        ({"selection": {"points": [{"customdata": {"0": 8, "1": 2}}]}}, 8),  # a pair as a dict
        ({"selection": {"points": [{"x": 1.0}, {"customdata": 9}]}}, 9),  # first with data
        ({"selection": {"points": [{"customdata": "oops"}]}}, None),  # nothing usable
        ({"selection": {"points": [{"customdata": float("nan")}]}}, None),  # not a number
    ],
)
def test_clicked_frame(state, frame) -> None:
    assert clicked_frame(state) == frame


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("warrior ii", "warrior ii"),
        ("![x](http://evil/a.png)", "\\!\\[x\\]\\(http\\://evil/a\\.png\\)"),
        ("<img src=x>", "\\<img src=x\\>"),
        ("two\nlines", "two lines"),
    ],
)
def test_plain_text_escapes_markdown(text: str, shown: str) -> None:
    assert plain(text) == shown
