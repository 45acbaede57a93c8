"""BlazePose landmark names, skeleton connections and joint-angle definitions, as data."""

from __future__ import annotations

from dataclasses import dataclass

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
NUM_LANDMARKS = len(LANDMARK_NAMES)
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}


def swap_side(name: str) -> str:
    """The name of the other side's twin: ``left_knee`` <-> ``right_knee``; others as is."""
    for a, b in (("left", "right"), ("right", "left")):
        if name.startswith(f"{a}_") or name.endswith(f"_{a}") or f"_{a}_" in name:
            return name.replace(a, b, 1)
    return name


# Index permutation that swaps every left landmark with its right twin.
MIRROR_PERMUTATION: tuple[int, ...] = tuple(LANDMARK_INDEX[swap_side(n)] for n in LANDMARK_NAMES)
# Shoulders and hips: what every pose needs to be normalised, compared or tracked.
TORSO: tuple[int, ...] = tuple(
    LANDMARK_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
)
# The body without face and fingers (noisier): shoulders, elbows, wrists, hips, knees, ankles.
BODY: tuple[int, ...] = tuple(
    LANDMARK_INDEX[f"{side}_{part}"]
    for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    for side in ("left", "right")
)

# Skeleton edges (MediaPipe's POSE_CONNECTIONS), as landmark index pairs.
CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)  # fmt: skip


@dataclass(frozen=True)
class AngleDef:
    """A joint angle: the angle at ``vertex`` between the rays to ``a`` and ``b``.

    Points are landmark names or midpoints written ``"mid:left_hip,right_hip"``. With
    ``b == "vertical"`` the angle is the lean of ``vertex -> a`` from straight up, signed
    in the image plane (positive = leaning to the image's right) and unsigned in 3D.
    """

    name: str
    a: str
    vertex: str
    b: str
    description: str


_HIPS = "mid:left_hip,right_hip"
_SHOULDERS = "mid:left_shoulder,right_shoulder"
_EARS = "mid:left_ear,right_ear"

ANGLE_DEFS: tuple[AngleDef, ...] = tuple(
    AngleDef(f"{side}_{joint}", a.format(s=side), v.format(s=side), b.format(s=side), d)
    for side in ("left", "right")
    for joint, a, v, b, d in (
        ("elbow", "{s}_shoulder", "{s}_elbow", "{s}_wrist", "180° = arm straight"),
        ("shoulder", "{s}_hip", "{s}_shoulder", "{s}_elbow", "0° = arm down along the trunk"),
        ("hip", "{s}_shoulder", "{s}_hip", "{s}_knee", "180° = trunk and thigh in line"),
        ("knee", "{s}_hip", "{s}_knee", "{s}_ankle", "180° = leg straight"),
        ("ankle", "{s}_knee", "{s}_ankle", "{s}_foot_index", "about 90° standing"),
    )
) + (
    AngleDef("trunk_lean", _SHOULDERS, _HIPS, "vertical", "0° = trunk upright"),
    AngleDef("neck", _HIPS, _SHOULDERS, _EARS, "180° = head in line with the trunk"),
)
ANGLE_NAMES: tuple[str, ...] = tuple(d.name for d in ANGLE_DEFS)


@dataclass(frozen=True)
class SegmentDef:
    """A body segment, measured against the horizontal (see :mod:`pose_core.segments`).

    ``a -> b`` runs from the proximal to the distal end (points as in :class:`AngleDef`).
    A ``line`` (pelvis, shoulders) has no direction: its tilt is measured from whichever
    end is on the image's left, so swapping the left and right labels changes nothing.
    """

    name: str
    a: str
    b: str
    line: bool
    description: str


SEGMENT_DEFS: tuple[SegmentDef, ...] = tuple(
    SegmentDef(f"{side}_{part}", a.format(s=side), b.format(s=side), False, d)
    for side in ("left", "right")
    for part, a, b, d in (
        ("thigh", "{s}_hip", "{s}_knee", "hip to knee; -90° = straight down"),
        ("shank", "{s}_knee", "{s}_ankle", "knee to ankle; -90° = straight down"),
        ("foot", "{s}_heel", "{s}_foot_index", "heel to toe; 0° = pointing to the right"),
        ("arm", "{s}_shoulder", "{s}_elbow", "shoulder to elbow; -90° = hanging down"),
        ("forearm", "{s}_elbow", "{s}_wrist", "elbow to wrist; -90° = hanging down"),
    )
) + (
    SegmentDef("trunk", _HIPS, _SHOULDERS, False, "hip centre to shoulder centre; 90° = upright"),
    SegmentDef("pelvis", "left_hip", "right_hip", True, "hip line tilt; 0° = level"),
    SegmentDef("shoulders", "left_shoulder", "right_shoulder", True, "shoulder line; 0° = level"),
    SegmentDef("head", _SHOULDERS, _EARS, False, "shoulder centre to ear centre; 90° = upright"),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(d.name for d in SEGMENT_DEFS)
