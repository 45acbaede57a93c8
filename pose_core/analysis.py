"""An analysis from media to results: one :class:`Analysis` that every page, chart and
export reads.

A clip goes through three stages (:mod:`pose_core.pipeline`): the model's work
(:func:`detect_clip`), the cheap steps on whole arrays (:func:`postprocess`: filters,
gap filling, angles) and, when asked for, the annotated clip (:func:`render_clip`).
:func:`with_settings` redoes only the cheap steps for settings that keep the model's
work, so changing a filter never re-runs the model.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from pose_core.drawing import draw_frame
from pose_core.engine import open_engine
from pose_core.export import angles_table, kinematics_table
from pose_core.filters import smooth
from pose_core.kinematics import Angles, joint_angles
from pose_core.media import Kind, decode_image, media_kind, read_image
from pose_core.model import ModelInfo, resolve_model
from pose_core.pipeline import ProgressFn, detect_clip, render_clip
from pose_core.poses import PoseSequence
from pose_core.scale import Scale, estimate_scale
from pose_core.settings import Settings


@dataclass
class Analysis:
    """Everything one analysis produced.

    Attributes:
        kind: ``"image"`` or ``"clip"``.
        poses: landmarks after swap fixing, smoothing and gap filling (what to show).
        raw: landmarks as the model gave them, with person ids assigned.
        angles: joint angles of ``poses``.
        settings: what the analysis was run with.
        model: the pose model's name.
        timings: seconds spent per stage.
        annotated_video: path of the drawn H.264 MP4 (clips, when asked for).
        swaps_fixed: left/right label swaps undone by tracking.
        frames_lost: frames of the clip that could not be decoded and were skipped.
        warnings: one line each, for the user: lost frames, sound left out, ...
        hints: one line each: fewer people found than asked for, small people.
    """

    kind: Kind
    poses: PoseSequence
    raw: PoseSequence
    angles: Angles
    settings: Settings
    model: str
    timings: dict[str, float] = field(default_factory=dict)
    annotated_video: Path | None = None
    swaps_fixed: int = 0
    frames_lost: int = 0
    warnings: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def found_anyone(self) -> bool:
        return bool(self.poses.detected.any())

    @property
    def scale(self) -> Scale | None:
        """Metres per pixel from ``settings.height_m``; None without a height."""
        return estimate_scale(self.poses, self.settings.height_m)

    def angles_table(self) -> pd.DataFrame:
        """The angles CSV's rows (see :func:`pose_core.export.angles_table`)."""
        return angles_table(self.angles, self.poses.detected, self.poses.filled)

    def kinematics_table(self) -> pd.DataFrame:
        """The kinematics CSV's rows (see :func:`pose_core.export.kinematics_table`)."""
        return kinematics_table(self.poses, self.scale)

    def message(self) -> str:
        """One line saying what was found."""
        source = self.poses.source
        if not self.found_anyone:
            return f"{source}: nobody found in the {self.kind}"
        people = self.poses.num_people
        who = f"{people} {'person' if people == 1 else 'people'}"
        if self.kind == "image":
            return f"{source}: {who} found"
        rate = self.poses.detection_rate() * 100
        return (
            f"{source}: {self.poses.num_frames} frames, {who}, "
            f"someone found in {rate:.0f}% of frames"
        )


def postprocess(kind: Kind, raw: PoseSequence, settings: Settings) -> tuple[PoseSequence, Angles]:
    """The cheap steps after the model: outliers, gap filling and the filter (clips),
    then joint and segment angles with their rates."""
    poses = smooth(raw, settings) if kind == "clip" else raw
    return poses, joint_angles(poses)


def with_settings(result: Analysis, settings: Settings) -> Analysis:
    """``result`` recomputed from its raw landmarks for ``settings``.

    Raises:
        ValueError: ``settings`` differ in a setting that changes what the model finds.
    """
    if settings.detection() != result.settings.detection():
        raise ValueError("these settings change detection: analyse the media again")
    t0 = time.perf_counter()
    poses, angles = postprocess(result.kind, result.raw, settings)
    timings = result.timings | {"postprocess": time.perf_counter() - t0}
    return replace(
        result, poses=poses, angles=angles, settings=settings, timings=timings, annotated_video=None
    )


SMALL_PERSON = 0.2
"""People whose body spans less than this share of the frame's height count as small."""


def people_hints(poses: PoseSequence, settings: Settings) -> list[str]:
    """Lines that tell a user when looking harder may find more: nobody or fewer people
    than asked for, or people small in the frame, with the setting that helps."""
    tip = "the crowd search (slower) looks closer"
    if settings.max_people == 1:
        tip = f"with max people above 1, {tip}"
    src = poses.source
    if not poses.detected.any():
        return [] if settings.crowd else [f"{src}: if anyone is small or far away, {tip}"]
    hints = []
    most = int(poses.detected.sum(axis=1).max())
    if most < settings.max_people:
        asked = f"{src}: found at most {most} of the {settings.max_people} people asked for"
        hints.append(asked if settings.crowd else f"{asked}; {tip}")
    ys = poses.xyz[..., 1][poses.detected]  # (found, 33) share of the frame's height
    span = float(np.median(np.nanmax(ys, axis=-1) - np.nanmin(ys, axis=-1)))
    if span < SMALL_PERSON and not settings.crowd:
        hints.append(
            f"{src}: people are small in the frame (about {span * 100:.0f}% of its height); {tip}"
        )
    return hints


def _frames_lost_note(lost: int, decoded: int, source: str) -> list[str]:
    if not lost:
        return []
    return [f"{source}: {lost} of {lost + decoded} frames could not be decoded and were skipped"]


def analyze_image(
    image: str | Path | bytes | np.ndarray,
    settings: Settings | None = None,
    model: ModelInfo | None = None,
    name: str = "image",
) -> Analysis:
    """Find people in one picture.

    ``image`` is a path, encoded bytes, or an upright RGB array. Nobody in the picture
    is a valid result with zero people.
    """
    settings = settings or Settings()
    model = model or resolve_model(settings.model_path)
    t0 = time.perf_counter()
    if isinstance(image, np.ndarray):
        rgb = image
    elif isinstance(image, bytes):
        rgb = decode_image(image, name)
    else:
        name = Path(image).name
        rgb = read_image(image)
    timings = {"decode": time.perf_counter() - t0}
    t0 = time.perf_counter()
    with open_engine(model, settings, video=False) as engine:
        det = engine.detect(rgb)
    timings["inference"] = time.perf_counter() - t0
    h, w = rgb.shape[:2]
    raw = PoseSequence.empty(1, len(det), (w, h), source=name, history=["pose_landmarker"])
    raw.xyz[0], raw.visibility[0], raw.presence[0], raw.world[0] = (
        det.xyz,
        det.visibility,
        det.presence,
        det.world,
    )
    poses, angles = postprocess("image", raw, settings)
    hints = people_hints(raw, settings)
    return Analysis("image", poses, raw, angles, settings, model.name, timings, hints=hints)


def analyze_clip(
    path: str | Path,
    settings: Settings | None = None,
    model: ModelInfo | None = None,
    annotated_out: str | Path | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Analysis:
    """Track people through a clip, streaming it frame by frame.

    Args:
        path: the clip file.
        annotated_out: where to write the annotated H.264 MP4; None to skip drawing.
        progress: called after every frame of each stage (see ``ProgressFn``).
        cancel: set it from another thread to stop; raises :class:`Cancelled`. The app
            cancels by raising from ``progress`` instead; both stop the stage cleanly.
    """
    settings = settings or Settings()
    model = model or resolve_model(settings.model_path)
    path = Path(path)
    start = time.perf_counter()
    found = detect_clip(path, settings, model, progress, cancel)
    timings = {"inference": found.inference_s, "detect": time.perf_counter() - start}
    poses, angles = postprocess("clip", found.raw, settings)
    result = Analysis(
        "clip",
        poses,
        found.raw,
        angles,
        settings,
        model.name,
        timings,
        swaps_fixed=found.swaps_fixed,
        frames_lost=found.frames_lost,
        warnings=_frames_lost_note(found.frames_lost, poses.num_frames, path.name),
        hints=people_hints(found.raw, settings),
    )
    if annotated_out is not None:
        t0 = time.perf_counter()
        note = render_clip(path, poses, Path(annotated_out), progress, cancel)
        result.annotated_video = Path(annotated_out)
        result.warnings += [f"{path.name}: annotated clip without sound, {note}"] if note else []
        timings["render"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - start
    return result


def analyze_path(
    path: str | Path,
    settings: Settings | None = None,
    model: ModelInfo | None = None,
    annotated_out: str | Path | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Analysis:
    """Analyse a still or a clip, told apart by the file's content (not its name)."""
    if media_kind(path) == "image":
        return analyze_image(path, settings, model)
    return analyze_clip(path, settings, model, annotated_out, progress, cancel)


def annotate_image(path: str | Path, result: Analysis) -> np.ndarray:
    """The picture of an image analysis with its people drawn on it."""
    return draw_frame(read_image(path), result.poses, 0)
