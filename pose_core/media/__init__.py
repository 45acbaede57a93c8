"""Decoding and encoding: the only package that reads or writes pixels from or to files.

``files`` says what a file is from its bytes; ``images`` decodes stills; ``clips`` streams
or seeks frames; ``writer`` encodes browser-playable H.264 with the source's sound.
"""

from pose_core.media.clips import (
    MAX_CLIP_SECONDS,
    MAX_VIDEO_PIXELS,
    ClipInfo,
    ClipReader,
    Frame,
    FrameReader,
    read_frame,
)
from pose_core.media.files import (
    CLIP_FORMATS,
    CLIP_SUFFIXES,
    IMAGE_FORMATS,
    IMAGE_SUFFIXES,
    MAX_FILE_BYTES,
    Kind,
    check_file,
    media_kind,
    sniff,
)
from pose_core.media.images import (
    MAX_IMAGE_PIXELS,
    decode_image,
    encode_image,
    fit_within,
    read_image,
    write_image,
)
from pose_core.media.writer import ClipWriter

__all__ = [
    "CLIP_FORMATS",
    "CLIP_SUFFIXES",
    "IMAGE_FORMATS",
    "IMAGE_SUFFIXES",
    "MAX_CLIP_SECONDS",
    "MAX_FILE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_VIDEO_PIXELS",
    "ClipInfo",
    "ClipReader",
    "ClipWriter",
    "Frame",
    "FrameReader",
    "Kind",
    "check_file",
    "decode_image",
    "encode_image",
    "fit_within",
    "media_kind",
    "read_frame",
    "read_image",
    "sniff",
    "write_image",
]
