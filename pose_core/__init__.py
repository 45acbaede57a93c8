"""PoseLab's engine: offline pose landmarks, joint angles, comparison and exports.

Typical use::

    from pose_core import Settings, analyze_path, export

    result = analyze_path("clip.mp4", Settings(max_people=2), annotated_out="out.mp4")
    export.save(result, "out/", "clip")   # landmark CSV, angles CSV, report JSON
"""

from pose_core.analysis import (
    Analysis,
    analyze_clip,
    analyze_image,
    analyze_path,
    postprocess,
    with_settings,
)
from pose_core.compare import ClipComparison, PoseComparison
from pose_core.errors import Cancelled, MediaError, ModelError, PoseLabError
from pose_core.export import ANGLE_COLUMNS, LANDMARK_COLUMNS, read_landmarks
from pose_core.kinematics import Angles, joint_angles
from pose_core.landmarks import ANGLE_NAMES, LANDMARK_NAMES
from pose_core.model import ModelInfo, resolve_model
from pose_core.poses import Detections, Pose, PoseSequence
from pose_core.settings import Settings

__all__ = [
    "ANGLE_COLUMNS",
    "ANGLE_NAMES",
    "LANDMARK_COLUMNS",
    "LANDMARK_NAMES",
    "Analysis",
    "Angles",
    "Cancelled",
    "ClipComparison",
    "Detections",
    "MediaError",
    "ModelError",
    "ModelInfo",
    "Pose",
    "PoseComparison",
    "PoseLabError",
    "PoseSequence",
    "Settings",
    "analyze_clip",
    "analyze_image",
    "analyze_path",
    "joint_angles",
    "postprocess",
    "read_landmarks",
    "resolve_model",
    "with_settings",
]
