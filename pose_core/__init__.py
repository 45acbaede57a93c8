"""PoseLab's engine: offline pose landmarks, joint angles, comparison and exports.

Typical use::

    from pose_core import Settings, analyze_path

    result = analyze_path("clip.mp4", Settings(max_people=2), annotated_out="out.mp4")
    result.poses.to_csv("clip.csv")          # one row per frame x person x landmark
    result.angles_table().to_csv("clip.angles.csv", index=False)
"""

from pose_core.analysis import Analysis, analyze_clip, analyze_image, analyze_path
from pose_core.errors import Cancelled, MediaError, ModelError, PoseLabError
from pose_core.kinematics import ANGLE_COLUMNS, Angles, joint_angles
from pose_core.landmarks import ANGLE_NAMES, LANDMARK_NAMES
from pose_core.model import ModelInfo, resolve_model
from pose_core.sequence import LANDMARK_COLUMNS, PoseSequence
from pose_core.settings import Settings

__all__ = [
    "ANGLE_COLUMNS",
    "ANGLE_NAMES",
    "LANDMARK_COLUMNS",
    "LANDMARK_NAMES",
    "Analysis",
    "Angles",
    "Cancelled",
    "MediaError",
    "ModelError",
    "ModelInfo",
    "PoseLabError",
    "PoseSequence",
    "Settings",
    "analyze_clip",
    "analyze_image",
    "analyze_path",
    "joint_angles",
    "resolve_model",
]
