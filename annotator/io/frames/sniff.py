"""Recognise a file's container from its first bytes, to tell the user *why* it will not open.

OpenCV only says "could not open"; the magic bytes tell a text file renamed .mp4 (not a video)
from an MP4 without its `moov` index (truncated) or an AVI whose codec this build lacks.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"RIFF": "",  # decided below: WEBP image or AVI video
}


def sniff_container(path: str | os.PathLike[str]) -> str | None:
    """Name of the container ('mp4', 'avi', 'matroska', 'mpeg-ts', 'mpeg-ps', 'flv', 'ogg'),
    an image format prefixed 'image:' (e.g. 'image:PNG'), or None when unrecognised."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    if len(head) >= 12 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image:WEBP"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:1] == b"\x47" and len(head) > 1:
        return "mpeg-ts"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg-ps"
    if head[:3] == b"FLV":
        return "flv"
    if head[:4] == b"OggS":
        return "ogg"
    for magic, name in _IMAGE_MAGIC.items():
        if name and head.startswith(magic):
            return "image:" + name
    return None


def mp4_top_level_boxes(path: str | os.PathLike[str]) -> list[str]:
    """Types of the top-level boxes of an MP4/MOV file, stopping at the first damaged header."""
    p = Path(path)
    size = p.stat().st_size
    boxes: list[str] = []
    with open(p, "rb") as fh:
        pos = 0
        while pos + 8 <= size and len(boxes) < 10_000:
            fh.seek(pos)
            header = fh.read(16)
            if len(header) < 8:
                break
            box_size, box_type = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) >= 16:
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                box_size = size - pos
            if box_size < 8:
                break
            boxes.append(box_type.decode("latin-1"))
            if pos + box_size > size:
                boxes.append("<truncated>")
                break
            pos += box_size
    return boxes
