"""Width and height of an image from its header bytes, without decoding the pixels.

Checking that every image of a folder has the same size must not decode thousands of images
when the folder is opened. PNG, JPEG, BMP, TIFF and WebP headers are understood; for anything
else the caller decodes the image.
"""

from __future__ import annotations

import struct
from pathlib import Path

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _png(head: bytes) -> tuple[int, int] | None:
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        w, h = struct.unpack(">II", head[16:24])
        return w, h
    return None


def _jpeg(fh_bytes: bytes) -> tuple[int, int] | None:
    data = fh_bytes
    if data[:2] != b"\xff\xd8":
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF and pos + 9 <= len(data):
            h, w = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return w, h
        pos += 2 + length
    return None


def _bmp(head: bytes) -> tuple[int, int] | None:
    if head[:2] != b"BM" or len(head) < 26:
        return None
    (header_size,) = struct.unpack("<I", head[14:18])
    if header_size == 12:
        w, h = struct.unpack("<HH", head[18:22])
        return w, h
    w, h = struct.unpack("<ii", head[18:26])
    return w, abs(h)


def _tiff(data: bytes) -> tuple[int, int] | None:
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or len(data) < 8:
        return None
    (ifd,) = struct.unpack(order + "I", data[4:8])
    if ifd + 2 > len(data):
        return None
    (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
    size: dict[int, int] = {}
    for k in range(count):
        entry = data[ifd + 2 + 12 * k : ifd + 14 + 12 * k]
        if len(entry) < 12:
            return None
        tag, typ = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257):
            fmt = order + ("H" if typ == 3 else "I")
            size[tag] = struct.unpack(fmt, entry[8 : 8 + struct.calcsize(fmt)])[0]
    if 256 in size and 257 in size:
        return size[256], size[257]
    return None


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the file header, or None when the header is not understood."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    for parse in (_png, _jpeg, _bmp, _tiff):
        try:
            size = parse(head)
        except struct.error:
            size = None
        if size is not None:
            return size
    return None
