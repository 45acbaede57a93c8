"""The built-in reference poses (mountain, tree, warrior II, triangle, T-pose).

Each is built in code on a template skeleton of an adult about 1.75 m tall: every limb
is given a direction and the landmarks follow from fixed segment lengths, in MediaPipe's
world frame (metres, origin between the hips, x to the image right = the left of a
person facing the camera, y down, z away from the camera).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pose_core.landmarks import LANDMARK_INDEX, NUM_LANDMARKS

# Template segment lengths in metres (an adult of about 1.75 m).
_TORSO = 0.50
_SHOULDER_HALF = 0.18
_HIP_HALF = 0.10
_UPPER_ARM = 0.29
_FOREARM = 0.26
_HAND = 0.08
_THIGH = 0.43
_SHIN = 0.42


def _unit(v: tuple[float, float, float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    return a / np.linalg.norm(a)


def _frame(out: float, up: float, forward: float, side: int) -> np.ndarray:
    """A direction given as (outward, up, forward) for one side, in world axes.

    ``side`` is +1 for the left (outward = world +x) and -1 for the right.
    """
    return _unit((out * side, -up, -forward))


@dataclass(frozen=True)
class _Limbs:
    """Limb directions of one side, each as (outward, up, forward)."""

    upper_arm: tuple[float, float, float] = (0.1, -1.0, 0.0)
    forearm: tuple[float, float, float] = (0.05, -1.0, 0.05)
    thigh: tuple[float, float, float] = (0.05, -1.0, 0.0)
    shin: tuple[float, float, float] = (0.0, -1.0, 0.0)
    foot: tuple[float, float, float] = (0.15, -0.35, 1.0)


def build_skeleton(
    left: _Limbs, right: _Limbs, lean_deg: float = 0.0, head_turn: float = 0.0
) -> np.ndarray:
    """(33, 3) world landmarks of the template body with the given limb directions.

    ``lean_deg`` tilts the trunk sideways towards the body's left (positive) in the
    frontal plane; ``head_turn`` in -1..1 turns the nose towards the left.
    """
    lm = np.full((NUM_LANDMARKS, 3), np.nan)
    at = LANDMARK_INDEX
    t = np.radians(lean_deg)
    up = np.array([np.sin(t), -np.cos(t), 0.0])  # trunk direction, hips to shoulders
    across = np.array([np.cos(t), np.sin(t), 0.0])  # to the body's left, shoulders
    forward = np.array([0.0, 0.0, -1.0])
    neck = up * _TORSO
    for side, sign, limbs in (("left", 1, left), ("right", -1, right)):
        hip = np.array([sign * _HIP_HALF, 0.0, 0.0])
        shoulder = neck + sign * _SHOULDER_HALF * across
        elbow = shoulder + _UPPER_ARM * _frame(*limbs.upper_arm, sign)
        fore = _frame(*limbs.forearm, sign)
        wrist = elbow + _FOREARM * fore
        knee = hip + _THIGH * _frame(*limbs.thigh, sign)
        ankle = knee + _SHIN * _frame(*limbs.shin, sign)
        foot = _frame(*limbs.foot, sign)
        out = _unit(np.cross(fore, forward) * sign) if abs(fore[2]) < 0.99 else across
        lm[at[f"{side}_shoulder"]] = shoulder
        lm[at[f"{side}_elbow"]] = elbow
        lm[at[f"{side}_wrist"]] = wrist
        lm[at[f"{side}_index"]] = wrist + _HAND * fore
        lm[at[f"{side}_pinky"]] = wrist + 0.8 * _HAND * fore + 0.02 * out
        lm[at[f"{side}_thumb"]] = wrist + 0.5 * _HAND * fore - 0.03 * out
        lm[at[f"{side}_hip"]] = hip
        lm[at[f"{side}_knee"]] = knee
        lm[at[f"{side}_ankle"]] = ankle
        lm[at[f"{side}_heel"]] = ankle + np.array([0.0, 0.06, 0.05])
        lm[at[f"{side}_foot_index"]] = ankle + 0.17 * foot
    face = _unit(forward + head_turn * across)
    head = neck + 0.18 * up
    lm[at["nose"]] = head + 0.10 * face
    for side, sign in (("left", 1), ("right", -1)):
        lm[at[f"{side}_ear"]] = head + sign * 0.075 * across - 0.01 * face
        lm[at[f"{side}_eye_inner"]] = head + 0.03 * up + 0.085 * face + sign * 0.015 * across
        lm[at[f"{side}_eye"]] = head + 0.03 * up + 0.085 * face + sign * 0.032 * across
        lm[at[f"{side}_eye_outer"]] = head + 0.03 * up + 0.08 * face + sign * 0.045 * across
        lm[at[f"mouth_{side}"]] = head - 0.045 * up + 0.09 * face + sign * 0.025 * across
    return lm


_STRAIGHT_LEG = _Limbs()
_ARM_OUT = {"upper_arm": (1.0, 0.0, 0.0), "forearm": (1.0, 0.02, 0.0)}

_BUILTINS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "mountain",
        "Tadasana: standing tall, feet together, arms relaxed along the body.",
        {"left": _Limbs(), "right": _Limbs()},
    ),
    (
        "t-pose",
        "Standing straight, both arms held out sideways at shoulder height.",
        {"left": _Limbs(**_ARM_OUT), "right": _Limbs(**_ARM_OUT)},
    ),
    (
        "tree",
        "Vrksasana: balance on the left leg, right sole against the inner left thigh, "
        "right knee out to the side, hands joined overhead.",
        {
            "left": _Limbs(upper_arm=(0.35, 1.0, 0.05), forearm=(-0.75, 0.66, 0.05)),
            "right": _Limbs(
                upper_arm=(0.35, 1.0, 0.05),
                forearm=(-0.75, 0.66, 0.05),
                thigh=(0.8, -0.55, 0.2),
                shin=(-0.95, 0.1, -0.1),
                foot=(-0.2, -1.0, 0.2),
            ),
        },
    ),
    (
        "warrior ii",
        "Virabhadrasana II: feet wide, left knee bent to 90° over the ankle, right leg "
        "straight, arms out at shoulder height, gaze over the left hand.",
        {
            "left": _Limbs(
                **_ARM_OUT, thigh=(1.0, -0.05, 0.0), shin=(0.0, -1.0, 0.0), foot=(1.0, -0.3, 0.1)
            ),
            "right": _Limbs(
                **_ARM_OUT, thigh=(0.6, -0.8, 0.0), shin=(0.6, -0.8, 0.0), foot=(0.1, -0.3, 1.0)
            ),
            "head_turn": 1.2,
        },
    ),
    (
        "triangle",
        "Trikonasana: feet wide, both legs straight, trunk tilted sideways over the left "
        "leg, left hand down towards the left shin, right arm straight up.",
        {
            "left": _Limbs(
                upper_arm=(0.0, -1.0, 0.0),
                forearm=(0.0, -1.0, 0.0),
                thigh=(0.5, -0.87, 0.0),
                shin=(0.5, -0.87, 0.0),
                foot=(1.0, -0.3, 0.1),
            ),
            "right": _Limbs(
                upper_arm=(0.0, 1.0, 0.0),
                forearm=(0.0, 1.0, 0.0),
                thigh=(0.5, -0.87, 0.0),
                shin=(0.5, -0.87, 0.0),
                foot=(0.1, -0.3, 1.0),
            ),
            "lean_deg": 55.0,
        },
    ),
)


BUILTIN_SOURCE = "built-in (PoseLab template skeleton)"


def builtin_poses() -> dict[str, tuple[str, np.ndarray]]:
    """Name -> (description, (33, 3) world landmarks in metres) of every built-in pose."""
    return {
        name: (
            description,
            build_skeleton(
                spec["left"], spec["right"], spec.get("lean_deg", 0.0), spec.get("head_turn", 0.0)
            ),
        )
        for name, description, spec in _BUILTINS
    }
