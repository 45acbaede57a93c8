"""A one-page A4 report of a comparison, to hand to a student: PDF and PNG.

The score and what it means, the score timeline (clips), the three worst moments as
side-by-side thumbnails with their cues, the per-joint table and the settings. Drawn with
matplotlib's object API (no pyplot state, so threads may draw at once); its PDF backend
ships with the pinned matplotlib.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pose_core.compare import ClipComparison, PoseComparison, compare_poses
from pose_core.compare.noise import score_band
from pose_core.media import read_frame, read_image
from pose_core.poses import PoseSequence

A4_IN = (8.27, 11.69)
Thumbs = Callable[[int, int], tuple[np.ndarray | None, np.ndarray | None]]
"""(reference frame, candidate frame) -> their pictures (RGB), None where unknown."""


def _header(fig: Figure, result: PoseComparison | ClipComparison, who: str) -> None:
    fig.text(0.06, 0.955, "PoseLab comparison", fontsize=16, weight="bold")
    fig.text(0.06, 0.935, who, fontsize=8, color="#555")
    fig.text(0.06, 0.885, f"{result.score:.0f} / 100", fontsize=30, weight="bold")
    fig.text(0.33, 0.9, score_band(result.score), fontsize=11)
    extra = []
    if result.mirrored:
        extra.append("compared with the candidate's mirror image")
    if isinstance(result, ClipComparison) and result.tempo_note:
        extra.append(f"tempo: {result.tempo_note}")
    fig.text(0.33, 0.88, "; ".join(extra), fontsize=9, color="#333")


def _timeline(ax: Axes, clip: ClipComparison) -> None:
    t = clip.cand_times_s[: len(clip.frame_scores)]
    ax.plot(t, clip.frame_scores, color="#1f8a70", lw=1.5)
    for m in clip.worst:
        ax.plot(m.cand_time_s, m.score, "v", color="#c0392b")
    ax.set_ylim(0, 100)
    ax.set_xlabel("student time (s)", fontsize=8)
    ax.set_ylabel("score", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.set_title("Score over the routine (triangles: the worst moments)", fontsize=9, loc="left")


def _moment(
    fig: Figure, box: Sequence[float], pictures: tuple, title: str, cues: list[str]
) -> None:
    x, y, w, h = box
    for k, (rgb, name) in enumerate(zip(pictures, ("teacher", "student"), strict=True)):
        ax = fig.add_axes((x + k * w * 0.5, y + 0.3 * h, w * 0.48, 0.7 * h))
        ax.set_axis_off()
        if rgb is not None:
            ax.imshow(rgb)
        else:
            ax.text(0.5, 0.5, "(no picture)", ha="center", fontsize=7, color="#888")
        ax.set_title(name, fontsize=7)
    text = title + "\n" + ("\n".join(f"- {c}" for c in cues) or "- no cue above the noise")
    fig.text(x, y + 0.28 * h, text, fontsize=6.5, va="top", wrap=True)


def _joints(ax: Axes, result: PoseComparison, title: str) -> None:
    ax.set_axis_off()
    rows = [
        [
            j.name.replace("_", " "),
            f"{j.reference_deg:.0f}",
            f"{j.candidate_deg:.0f}",
            f"{j.difference_deg:+.0f}",
            f"{j.score:.0f}",
            j.note,
        ]
        for j in result.joints
    ]
    cols = ["joint", "teacher °", "student °", "diff °", "score", "no cue because"]
    widths = [0.2, 0.12, 0.12, 0.1, 0.1, 0.36]
    table = ax.table(
        cellText=rows, colLabels=cols, colWidths=widths, loc="upper left", cellLoc="left"
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.15)
    ax.set_title(title, fontsize=9, loc="left")


def report_figure(
    result: PoseComparison | ClipComparison,
    detail: PoseComparison | None = None,
    thumbs: Thumbs | None = None,
    moments: Sequence[PoseComparison] = (),
    who: str = "",
    settings: str = "",
    frames: tuple[int, int] = (0, 0),
) -> Figure:
    """The one-page A4 figure.

    Args:
        detail: the per-joint breakdown to tabulate (the pose comparison itself, or a
            clip's worst moment).
        thumbs: pictures of a (reference, candidate) frame pair, for the worst moments.
        moments: for a clip, the breakdown of each worst moment (their cues).
        frames: for two poses, the (reference, candidate) frames they came from.
    """
    fig = Figure(figsize=A4_IN)
    _header(fig, result, who)
    thumbs = thumbs or (lambda r, c: (None, None))
    if isinstance(result, ClipComparison):
        _timeline(fig.add_axes((0.1, 0.7, 0.84, 0.14)), result)
        for k, m in enumerate(result.worst[:3]):
            title = f"{m.score:.0f} at {m.cand_time_s:.2f} s (teacher {m.ref_time_s:.2f} s)"
            _moment(fig, (0.06 + k * 0.31, 0.42, 0.29, 0.22), thumbs(m.ref_frame, m.cand_frame),
                    title, list(m.cues))  # fmt: skip
        detail = detail or (moments[0] if moments else None)
        table_title = "Joints at the worst moment"
    else:
        _moment(fig, (0.06, 0.55, 0.5, 0.3), thumbs(*frames), "", list(result.cues))
        detail = result
        table_title = "Joints"
    if detail is not None:
        _joints(fig.add_axes((0.06, 0.09, 0.88, 0.28)), detail, table_title)
    fig.text(0.06, 0.03, settings, fontsize=6, color="#666", wrap=True)
    return fig


def media_thumbs(
    reference: tuple[Path, PoseSequence] | None, candidate: tuple[Path, PoseSequence]
) -> Thumbs:
    """Pictures of frame pairs from the two sides' files (a library pose has none)."""

    def picture(side: tuple[Path, PoseSequence] | None, frame: int) -> np.ndarray | None:
        if side is None:
            return None
        path, poses = side
        if poses.num_frames == 1:
            return read_image(path)
        return read_frame(path, float(poses.times_s[frame]))

    return lambda r, c: (picture(reference, r), picture(candidate, c))


def worst_moments(
    reference: PoseSequence,
    candidate: PoseSequence,
    result: ClipComparison,
    people: tuple[int, int],
) -> list[PoseComparison]:
    """The pose comparison at each of a clip comparison's worst moments."""
    return [
        compare_poses(
            reference.pose(m.ref_frame, people[0]),
            candidate.pose(m.cand_frame, people[1]),
            mirror=result.mirrored,
        )
        for m in result.worst
    ]


def report_bytes(
    result: PoseComparison | ClipComparison, fmt: str = "pdf", **figure: object
) -> bytes:
    """The report page as PDF (or PNG) bytes, for a download button."""
    buf = io.BytesIO()
    report_figure(result, **figure).savefig(buf, format=fmt, dpi=110)  # type: ignore[arg-type]
    return buf.getvalue()


def write_report(
    result: PoseComparison | ClipComparison, out: str | Path, **figure: object
) -> list[Path]:
    """Write the report as ``out`` (PDF) and the same page as PNG beside it; returns both
    paths. ``figure`` goes to :func:`report_figure`."""
    pdf = Path(out).with_suffix(".pdf")
    png = pdf.with_suffix(".png")
    fig = report_figure(result, **figure)  # type: ignore[arg-type]
    fig.savefig(pdf, format="pdf")
    fig.savefig(png, format="png", dpi=110)
    return [pdf, png]
