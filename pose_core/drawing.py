"""Drawing skeletons on frames. Pure functions: an RGB array in, a new RGB array out."""

from __future__ import annotations

import cv2
import numpy as np

from pose_core.landmarks import CONNECTIONS
from pose_core.poses import PoseSequence

# One bone colour per person id (RGB), cycled.
PERSON_COLORS: tuple[tuple[int, int, int], ...] = (
    (0, 200, 255),
    (255, 140, 0),
    (180, 90, 255),
    (60, 220, 120),
    (255, 80, 160),
    (240, 220, 40),
)
MIN_VISIBILITY = 0.3
_HEAD = np.arange(11)  # nose, eyes, ears, mouth


def person_color(person: int) -> tuple[int, int, int]:
    return PERSON_COLORS[person % len(PERSON_COLORS)]


def visibility_color(v: float) -> tuple[int, int, int]:
    """Red (unsure) through yellow to green (sure) for a visibility in 0..1."""
    v = float(np.clip(v, 0.0, 1.0))
    return (int(255 * min(1.0, 2 * (1 - v))), int(255 * min(1.0, 2 * v)), 40)


def label_anchor(xy_px: np.ndarray) -> tuple[float, float] | None:
    """Where a person's label goes: centred above the head (nose, eyes, ears), or above
    the highest landmark when the head was not found; None for nobody. (33, 2) in."""
    head = xy_px[_HEAD]
    head = head[~np.isnan(head[:, 0])]
    if len(head):
        return float(np.median(head[:, 0])), float(head[:, 1].min())
    valid = xy_px[~np.isnan(xy_px[:, 0])]
    if not len(valid):
        return None
    top = int(np.argmin(valid[:, 1]))
    return float(valid[top, 0]), float(valid[top, 1])


def draw_skeletons(
    rgb: np.ndarray,
    xy_px: np.ndarray,
    visibility: np.ndarray,
    person_ids: list[int] | np.ndarray | None = None,
    color: tuple[int, int, int] | None = None,
    labels: bool = True,
) -> np.ndarray:
    """Draw people on a copy of ``rgb``.

    Args:
        rgb: (H, W, 3) uint8 image.
        xy_px: (P, 33, 2) landmark pixels; people with NaN landmarks are skipped.
        visibility: (P, 33); joints are coloured by it, bones below MIN_VISIBILITY hidden.
        person_ids: id per row of ``xy_px`` (default 0..P-1), for colours and labels.
        color: one bone colour for everyone (e.g. a reference overlay) instead of per id.
        labels: write "P<id>" above each head.
    """
    out = np.ascontiguousarray(rgb).copy()
    h, w = out.shape[:2]
    scale = max(h, w) / 1000.0
    thick = max(1, round(3 * scale))
    radius = max(2, round(4 * scale))
    ids = list(range(len(xy_px))) if person_ids is None else list(person_ids)
    for pts, vis, pid in zip(xy_px, visibility, ids, strict=True):
        if np.isnan(pts[:, 0]).all():
            continue
        bone = color or person_color(int(pid))
        ok = ~np.isnan(pts[:, 0]) & (np.nan_to_num(vis) >= MIN_VISIBILITY)
        ip = np.nan_to_num(pts).round().astype(np.int32)
        for a, b in CONNECTIONS:
            if ok[a] and ok[b]:
                cv2.line(out, tuple(ip[a]), tuple(ip[b]), bone, thick, cv2.LINE_AA)
        for j in np.flatnonzero(~np.isnan(pts[:, 0])):
            if j < 11 and j != 0:
                continue  # face details clutter the picture; the nose marks the head
            cv2.circle(out, tuple(ip[j]), radius, visibility_color(vis[j]), -1, cv2.LINE_AA)
            cv2.circle(out, tuple(ip[j]), radius, (20, 20, 20), 1, cv2.LINE_AA)
        anchor = label_anchor(pts) if labels else None
        if anchor is not None:
            _label(out, f"P{pid}", anchor, bone, scale)
    return out


def _label(
    img: np.ndarray,
    text: str,
    anchor: tuple[float, float],
    color: tuple[int, int, int],
    scale: float,
) -> None:
    """``text`` centred above ``anchor`` (x, y pixels), kept inside the picture."""
    fs = max(0.5, 0.8 * scale)
    t = max(1, round(2 * scale))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, t)
    h, w = img.shape[:2]
    x = int(np.clip(anchor[0] - tw / 2, 2, max(2, w - tw - 2)))
    y = int(np.clip(anchor[1] - 12 * scale - base, th + 4, h - base))
    cv2.rectangle(img, (x - 2, y - th - 4), (x + tw + 2, y + base), (20, 20, 20), -1)
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, fs, color, t, cv2.LINE_AA)


def draw_frame(rgb: np.ndarray, poses: PoseSequence, index: int, **kwargs: object) -> np.ndarray:
    """Draw every person of frame ``index`` of ``poses`` on ``rgb`` (any size: the
    landmarks are placed by their normalized coordinates)."""
    h, w = rgb.shape[:2]
    xy = poses.xyz[index, :, :, :2] * np.asarray((w, h), dtype=np.float32)
    return draw_skeletons(rgb, xy, poses.visibility[index], **kwargs)  # type: ignore[arg-type]
