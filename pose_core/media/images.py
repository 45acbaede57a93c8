"""Stills: decode to upright RGB ``uint8`` (EXIF orientation applied, alpha composited on
white, 16-bit scaled down), and encode PNG/JPEG. Memory stays within about twice the
decoded picture, whatever its flavour."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from pose_core.errors import MediaError
from pose_core.media.files import IMAGE_FORMATS, check_file

MAX_IMAGE_PIXELS = 100_000_000
_ROWS = 128  # alpha compositing works on this many rows at a time


def _too_big(name: str, size: tuple[int, int] | None = None) -> MediaError:
    what = f"image is {size[0]}x{size[1]}, over" if size else "image is over"
    return MediaError(f"{name}: {what} the {MAX_IMAGE_PIXELS // 1_000_000} megapixel limit")


def _header(data: bytes, name: str) -> tuple[tuple[int, int] | None, int]:
    """(width, height) and EXIF orientation from the header, without decoding pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PIL's bomb warning: we apply our own limit
            with Image.open(io.BytesIO(data)) as im:
                try:
                    orientation = int(im.getexif().get(0x0112, 1))
                except Exception:  # a broken EXIF block must not stop us reading pixels
                    orientation = 1
                return im.size, orientation
    except Image.DecompressionBombError:
        raise _too_big(name) from None
    except Exception:
        return None, 1


def _apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    # EXIF orientations 2..8: mirrored and/or rotated by multiples of 90°.
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: np.rot90(a, 1)[::-1, ::-1],
        8: lambda a: np.rot90(a, 1),
    }
    op = ops.get(orientation)
    return np.ascontiguousarray(op(img)) if op else img


def _pil_decode(data: bytes) -> np.ndarray | None:
    """Formats OpenCV lacks (GIF: its first frame), as RGB or RGBA (BGR order)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                rgba = np.asarray(im.convert("RGBA"))
    except Exception:
        return None
    return np.ascontiguousarray(rgba[..., [2, 1, 0, 3]])


def _on_white(bgra: np.ndarray) -> np.ndarray:
    """RGB ``uint8`` of a BGRA picture composited on white, in integer steps of rows."""
    out = np.empty((*bgra.shape[:2], 3), np.uint8)
    for top in range(0, bgra.shape[0], _ROWS):
        block = bgra[top : top + _ROWS]
        alpha = block[..., 3:4].astype(np.uint16)
        rgb = block[..., 2::-1].astype(np.uint16)
        out[top : top + _ROWS] = (rgb * alpha + 255 * (255 - alpha) + 127) // 255
    return out


def _to_rgb8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        lo, hi = float(np.nanmin(img)), float(np.nanmax(img))  # e.g. a float TIFF
        img = ((img - lo) * (255.0 / max(hi - lo, 1e-12))).round().astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    if img.shape[2] == 4:
        return _on_white(img)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def decode_image(data: bytes, name: str = "image") -> np.ndarray:
    """Decode image bytes to an upright RGB ``uint8`` array of shape (H, W, 3).

    Raises:
        MediaError: empty, not a still we read, or over the pixel limit; one line.
    """
    if not data:
        raise MediaError(f"{name}: file is empty")
    size, orientation = _header(data, name)
    if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise _too_big(name, size)
    buf = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    if img is None and size is not None:
        img = _pil_decode(data)
    if img is None:
        raise MediaError(f"{name}: not a readable image ({IMAGE_FORMATS} expected)")
    return _apply_orientation(_to_rgb8(img), orientation)


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as an upright RGB ``uint8`` array.

    Raises:
        MediaError: see :func:`decode_image` and :func:`pose_core.media.check_file`.
    """
    path = Path(path)
    check_file(path)
    return decode_image(path.read_bytes(), path.name)


def encode_image(rgb: np.ndarray, suffix: str = ".png") -> bytes:
    """Encode an RGB array as PNG or JPEG bytes."""
    ok, buf = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError(f"could not encode image as {suffix}")
    return bytes(buf.tobytes())


def write_image(path: str | Path, rgb: np.ndarray) -> None:
    """Write an RGB array to ``path`` (format from its suffix)."""
    Path(path).write_bytes(encode_image(rgb, Path(path).suffix.lower() or ".png"))


def fit_within(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """``rgb`` scaled down (never up) so that its longer side is at most ``max_side``."""
    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
