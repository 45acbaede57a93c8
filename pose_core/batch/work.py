"""One input's work, the same in a pool worker and in a Ray task: analyse it, write its
files under ``OUT/<relative path>``, and give back its manifest entry."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pose_core import export
from pose_core.analysis import analyze_path, annotate_image
from pose_core.batch.dataset import summary_row
from pose_core.errors import PoseLabError
from pose_core.media import write_image
from pose_core.model import resolve_model
from pose_core.pipeline import ProgressFn
from pose_core.settings import Settings


@dataclass(frozen=True)
class Task:
    """One input to analyse (plain data: it is pickled to a worker or a Ray node).

    Attributes:
        index: its place in the batch.
        path: the media file (a shared path when the task runs on another machine).
        rel: relative path the outputs go under (see ``BatchInput.rel``).
        out_dir: the batch's output folder.
        key: its manifest key; digest: SHA-256 of its content; stat: see ``file_stat``.
        video: also write the annotated clip or picture.
    """

    index: int
    path: str
    rel: str
    out_dir: str
    settings: Settings
    video: bool
    key: str
    digest: str
    stat: list[Any]


def one_line(name: str, exc: BaseException) -> str:
    """A failure as one line for the summary (a PoseLabError already names its file)."""
    if isinstance(exc, PoseLabError):
        return str(exc).splitlines()[0]
    return f"{name}: {type(exc).__name__}: {exc}".splitlines()[0]


def analyse(task: Task, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Analyse one input and write its CSVs, report and annotated media.

    Returns its manifest entry: ``key``, ``rel``, ``digest``, ``stat``, ``outputs``
    (paths relative to OUT) and ``row`` (its summary row, without status).

    Raises:
        Exception: whatever the analysis raised (the caller turns it into one line).
    """
    start = time.perf_counter()
    out = Path(task.out_dir)
    rel = PurePosixPath(task.rel)
    folder = out / rel.parent
    stem = rel.stem
    path = Path(task.path)
    model = resolve_model(task.settings.model_path)
    video = folder / f"{stem}.annotated.mp4" if task.video else None
    folder.mkdir(parents=True, exist_ok=True)
    result = analyze_path(path, task.settings, model, video, progress)
    written = export.save(result, folder, stem)
    if result.kind == "image" and task.video:
        written["annotated"] = folder / f"{stem}.annotated.png"
        write_image(written["annotated"], annotate_image(path, result))
    elif result.annotated_video is not None:
        written["annotated"] = result.annotated_video
    row = summary_row(result) | {"seconds": round(time.perf_counter() - start, 3)}
    return {
        "key": task.key,
        "rel": task.rel,
        "digest": task.digest,
        "stat": task.stat,
        "outputs": {k: p.relative_to(out).as_posix() for k, p in written.items()},
        "row": row,
        "warnings": list(result.warnings),
    }
