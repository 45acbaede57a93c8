"""The side-by-side video of a clip comparison: the student as filmed, with their
skeleton and the teacher's aligned skeleton ghosted over it, beside the teacher's frame
that the alignment matched; the live score and the worst joints in a corner; the
student's sound kept. H.264, yuv420p, faststart (plays in browsers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from pose_core.compare.clips import ClipComparison
from pose_core.compare.pose import compare_poses
from pose_core.drawing import draw_skeletons
from pose_core.errors import PoseLabError
from pose_core.media import ClipReader, ClipWriter
from pose_core.media.clips import FrameReader
from pose_core.poses import PoseSequence

STUDENT_COLOR = (40, 150, 255)
TEACHER_COLOR = (255, 200, 40)
GHOST_ALPHA = 0.6
"""Opacity of the teacher's skeleton over the student."""
PANEL_MAX_HEIGHT = 720
"""Each half of the video is at most this tall (pixels)."""

Progress = Callable[[int, int], None]


def _fit(rgb: np.ndarray, height: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if h == height:
        return rgb
    return cv2.resize(rgb, (max(2, round(w * height / h)), height), interpolation=cv2.INTER_AREA)


def _text(img: np.ndarray, lines: list[str], scale: float) -> None:
    """White lines on a dark box in the top-left corner."""
    fs, t = max(0.45, 0.7 * scale), max(1, round(1.6 * scale))
    y = 8
    for line in lines:
        (tw, th), base = cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, fs, t)
        cv2.rectangle(img, (4, y), (tw + 14, y + th + base + 8), (20, 20, 20), -1)
        y += th + 4
        cv2.putText(
            img, line, (9, y), cv2.FONT_HERSHEY_SIMPLEX, fs, (255, 255, 255), t, cv2.LINE_AA
        )
        y += base + 8


class _Panels:
    """Draws one output frame from a student frame (index ``c``)."""

    def __init__(
        self,
        ref: tuple[PoseSequence, int, FrameReader],
        cand: tuple[PoseSequence, int],
        result: ClipComparison,
        height: int,
    ) -> None:
        self.ref, self.ref_person, self.ref_frames = ref
        self.cand, self.cand_person = cand
        self.result = result
        self.height = height

    def student(self, rgb: np.ndarray, c: int, r: int) -> tuple[np.ndarray, list[str]]:
        pose = self.cand.pose(c, self.cand_person)
        lines: list[str] = []
        if np.isnan(pose.world[:, 0]).all() or pose.xy_px is None:
            return rgb, ["not found in this frame"]
        out = draw_skeletons(
            rgb, pose.xy_px[None], pose.visibility[None], [0], STUDENT_COLOR, False
        )
        teacher = self.ref.pose(r, self.ref_person)
        try:
            cmp = compare_poses(teacher, pose, mirror=self.result.mirrored)
        except PoseLabError:
            return out, lines
        ghost_px = cmp.aligned_reference_px()
        if ghost_px is not None:
            ghost = draw_skeletons(out, ghost_px[None], np.ones((1, 33)), [0], TEACHER_COLOR, False)
            out = cv2.addWeighted(ghost, GHOST_ALPHA, out, 1 - GHOST_ALPHA, 0)
        worst = sorted((j for j in cmp.joints if not j.note), key=lambda j: j.score)[:2]
        lines += [f"{j.name.replace('_', ' ')} {j.difference_deg:+.0f} deg" for j in worst]
        return out, lines

    def frame(self, rgb: np.ndarray, c: int) -> np.ndarray:
        r = self.result.ref_frame_for(c)
        left, lines = self.student(rgb, c, r)
        teacher = self.ref_frames.at(float(self.ref.times_s[r]))
        tpose = self.ref.pose(r, self.ref_person)
        if tpose.xy_px is not None:
            teacher = draw_skeletons(
                teacher, tpose.xy_px[None], tpose.visibility[None], [0], TEACHER_COLOR, False
            )
        left, right = _fit(left, self.height), _fit(teacher, self.height)
        score = self.result.frame_scores[c]
        head = f"student: score {score:.0f}" if np.isfinite(score) else "student"
        _text(left, [head, *lines], self.height / 720)
        _text(right, [f"teacher: frame {r}"], self.height / 720)
        return np.concatenate([left, right], axis=1)


def render_comparison(
    reference: tuple[Path, PoseSequence, int],
    candidate: tuple[Path, PoseSequence, int],
    result: ClipComparison,
    out: str | Path,
    progress: Progress | None = None,
) -> str | None:
    """Write the side-by-side MP4 of ``result`` to ``out``.

    Args:
        reference, candidate: (clip file, its poses, the person compared) of each side.
        progress: called as ``progress(done, total)`` after every frame.

    Returns a note when the student's sound had to be left out (None otherwise).
    """
    (ref_path, ref_poses, ref_person), (cand_path, cand_poses, cand_person) = reference, candidate
    with ClipReader(cand_path) as reader, FrameReader(ref_path) as ref_frames:
        info = reader.info
        height = min(PANEL_MAX_HEIGHT, info.size_wh[1])
        ref_w, ref_h = ref_poses.size_wh
        width = round(info.size_wh[0] * height / info.size_wh[1]) + round(ref_w * height / ref_h)
        panels = _Panels(
            (ref_poses, ref_person, ref_frames), (cand_poses, cand_person), result, height
        )
        period = 1.0 / (cand_poses.fps or info.fps or 30.0)
        end = float(cand_poses.times_s[-1]) + period
        with ClipWriter(
            out,
            (width, height - height % 2),
            cand_poses.fps or info.fps,
            audio_from=cand_path,
            audio_offset_s=reader.start_time_s,
            audio_end_s=end,
        ) as writer:
            for k, (c, time_s, rgb) in enumerate(_frames(reader, cand_poses)):
                writer.write(panels.frame(rgb, c), time_s)
                if progress is not None:
                    progress(k + 1, cand_poses.num_frames)
        return writer.audio_error


def _frames(reader: ClipReader, poses: PoseSequence) -> Iterator[tuple[int, float, np.ndarray]]:
    """(landmark frame index, time, RGB) for the decoded frames the poses cover."""
    for frame in reader:
        if frame.index >= poses.num_frames:
            break
        yield frame.index, float(poses.times_s[frame.index]), frame.rgb
