"""Pose comparison: one pose against a reference pose, and one clip against another.

How two poses are compared (every step on MediaPipe's 3D *world* landmarks, in metres):

1. **Normalise.** Centre each pose on the midpoint of its hips and divide by its torso
   size (the mean shoulder-to-hip distance of both sides), so body size and distance to
   the camera do not matter. Positions are then in *torso lengths*.
2. **Align.** Rotate the candidate onto the reference with a weighted Kabsch fit (a
   proper rotation, never a reflection) over shoulders, elbows, wrists, hips, knees and
   ankles, so the direction the camera looked from does not matter. With ``mirror=True``
   the candidate's mirror image (left and right swapped) is tried too and the better fit
   is kept; ``mirrored`` in the result says when it won.
3. **Measure** two kinds of error:

   - *joint angles* (``ANGLE_DEFS``: elbows, shoulders, hips, knees, ankles, trunk lean,
     neck), difference in degrees;
   - *body-part placement*: where each elbow, wrist, knee and ankle sits relative to the
     hips (the direction and reach of the limbs from the body's centre), distance in
     torso lengths between the aligned candidate and the reference. A single camera
     judges depth poorly, so distance along either camera's line of sight counts
     ``1 / DEPTH_UNCERTAINTY`` as much as distance across it.

   Every item is weighted by the lower visibility of its landmarks in the two poses, so
   joints the model could not see count little.
4. **Score.** With ``e_angle`` the weighted root-mean-square angle difference and
   ``e_part`` the weighted RMS placement distance::

       score = 100 * 2 ** -(ANGLE_SHARE * (e_angle / HALF_SCORE_DEG) ** 2
                            + (1 - ANGLE_SHARE) * (e_part / HALF_SCORE_TORSO) ** 2)

   So **100** means identical; the score halves (**50**) when the joints are off by
   ``HALF_SCORE_DEG`` = 30° and the limbs by ``HALF_SCORE_TORSO`` = half a torso length
   (about 25 cm) on average, and falls to about 6 at twice that. Each joint and part of
   the breakdown gets the same curve on its own error (``item_score``). Measured on the
   Pose2Sim sample clips (tests/test_compare.py): the same instant seen by two cameras
   scores about 89 (median), instants half a second apart about 55; the built-in
   T-pose against mountain (both arms out instead of down) about 19.

Clips are compared by dynamic time warping on ``100 - score`` between frames, within a
band around the diagonal, so a different tempo and different lengths are fine; a frame
pair of two clips scores half on the pose and half on how alike the limbs move there
(:mod:`pose_core.compare.motion`), so a routine danced backwards scores clearly lower.

Modules: ``scoring`` (the maths), ``noise`` (the measured noise floor, score bands),
``cues`` (the words), ``pose`` (one pose against another), ``motion`` (velocities),
``clips`` (whole clips), ``tempo`` (from the alignment path). :func:`compare` decides
which applies, for the CLI and the app alike.
"""

from __future__ import annotations

from pose_core.compare.clips import (
    DEFAULT_BAND,
    ClipComparison,
    Moment,
    compare_clips,
    compare_pose_to_clip,
    dtw,
)
from pose_core.compare.cues import CUE_MIN_DEG, CUE_MIN_TORSO, MAX_CUES, cue_for
from pose_core.compare.pose import JointResult, PartResult, PoseComparison, compare_poses
from pose_core.compare.scoring import (
    ANGLE_SHARE,
    HALF_SCORE_DEG,
    HALF_SCORE_TORSO,
    PART_NAMES,
    item_score,
    kabsch,
    pair_scores,
)
from pose_core.compare.tempo import tempo, tempo_summary
from pose_core.errors import PoseLabError
from pose_core.poses import Pose, PoseSequence

Comparable = Pose | PoseSequence
"""One side of a comparison: a single pose (a library reference), or an analysis."""


def who(side: Comparable, person: int, frame: int | None) -> str:
    """Who a side of a comparison is, in words: ``person 1 of 2 in two_people.mp4, whole
    clip`` (the person is named only when there are several)."""
    if isinstance(side, Pose):
        return side.label or "reference pose"
    people = side.num_people
    who = f"person {person} of {people} in {side.source}" if people > 1 else side.source
    if side.num_frames == 1:
        return who
    return f"{who}, " + ("whole clip" if frame is None else f"frame {frame}")


def _single(side: Comparable, frame: int | None, person: int) -> Pose | None:
    """The one pose a side stands for, or None for a whole clip."""
    if isinstance(side, Pose):
        return side
    if side.num_frames == 1:
        return side.pose(0, person)
    return None if frame is None else side.pose(frame, person)


def compare(
    reference: Comparable,
    candidate: Comparable,
    ref_frame: int | None = None,
    cand_frame: int | None = None,
    ref_person: int = 0,
    cand_person: int = 0,
    mirror: bool = False,
    band: float = DEFAULT_BAND,
) -> PoseComparison | ClipComparison:
    """Compare whatever the two sides are: a pose with a pose, a clip with one pose
    (every frame scored), or a clip with a clip (aligned in time).

    A clip side stands for one pose when its frame is given, and for the whole clip
    otherwise; an image is always one pose.

    Raises:
        PoseLabError: the reference is a whole clip but the candidate one pose, or a
            person or frame is missing; one line naming the input.
    """
    ref_pose = _single(reference, ref_frame, ref_person)
    cand_pose = _single(candidate, cand_frame, cand_person)
    if cand_pose is not None:
        if ref_pose is None:
            name = reference.source if isinstance(reference, PoseSequence) else "reference"
            raise PoseLabError(
                f"{name}: is a clip; pick a frame of it, or compare it with a whole clip"
            )
        return compare_poses(ref_pose, cand_pose, mirror=mirror)
    assert isinstance(candidate, PoseSequence)
    if ref_pose is not None:
        return compare_pose_to_clip(ref_pose, candidate, cand_person, mirror=mirror)
    assert isinstance(reference, PoseSequence)
    return compare_clips(reference, candidate, ref_person, cand_person, mirror=mirror, band=band)


__all__ = [
    "ANGLE_SHARE",
    "CUE_MIN_DEG",
    "CUE_MIN_TORSO",
    "DEFAULT_BAND",
    "HALF_SCORE_DEG",
    "HALF_SCORE_TORSO",
    "MAX_CUES",
    "PART_NAMES",
    "ClipComparison",
    "Comparable",
    "JointResult",
    "Moment",
    "PartResult",
    "PoseComparison",
    "compare",
    "compare_clips",
    "compare_pose_to_clip",
    "compare_poses",
    "cue_for",
    "dtw",
    "item_score",
    "kabsch",
    "pair_scores",
    "tempo",
    "tempo_summary",
    "who",
]
