"""Stable, unique, filesystem-safe names for exported frames and sequences."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePath, PurePosixPath, PureWindowsPath

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_FRAME_NAME = re.compile(r"^(?P<stem>.*)_v(?P<video>\d+)_f(?P<frame>\d+)$")
_TRAILING_INT = re.compile(r"(\d+)$")


def safe_stem(path: str, *, max_len: int = 40) -> str:
    """A video's file stem reduced to [A-Za-z0-9_-] (at most max_len chars, never empty)."""
    name = PurePath(path.rstrip("/\\")).name
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    stem = _UNSAFE.sub("_", stem).strip("_")[:max_len]
    return stem or "video"


def sequence_name(video_path: str, video_id: int) -> str:
    """Folder name of one video in per-sequence formats (DAVIS, MOT, YouTube-VIS)."""
    return f"{safe_stem(video_path)}_v{video_id}"


def frame_stem(video_path: str, video_id: int, frame: int) -> str:
    """Name (no extension) of one exported frame: unique across videos, stable across runs.

    The video id keeps two videos with the same file name apart; the zero-padded frame
    number keeps lexical order equal to time order.
    """
    return f"{sequence_name(video_path, video_id)}_f{frame:06d}"


def photo_stems(photos: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Export name (no extension) of each photo, given as (video id, path): the photo's own
    file stem, so `cars.jpg` exports as `cars.jpg`; `<stem>_v<id>` where two photos share
    a stem (the same name in two folders)."""
    photos = list(photos)
    count = Counter(safe_stem(path, max_len=80) for _, path in photos)
    return {
        vid: stem if count[stem] == 1 else sequence_name(path, vid)
        for vid, path in photos
        for stem in [safe_stem(path, max_len=80)]
    }


def parse_frame_stem(stem: str) -> tuple[int, int] | None:
    """(video_id, frame) from a name made by `frame_stem`, or None if it is not one."""
    m = _FRAME_NAME.match(stem)
    if not m:
        return None
    return int(m.group("video")), int(m.group("frame"))


def trailing_frame_number(stem: str) -> int | None:
    """The integer a name ends with ("00042" -> 42, "img_7" -> 7), None if there is none."""
    m = _TRAILING_INT.search(stem)
    if not m or len(m.group(1)) > 9:
        return None
    return int(m.group(1))


def is_safe_relative(name: str) -> bool:
    """True when `name` is a relative path that stays inside its dataset folder.

    Rejects absolute paths (POSIX or Windows, drive letters, UNC), `..` components,
    empty names, NUL bytes and backslash tricks.
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        return False
    for flavour in (PurePosixPath(name), PureWindowsPath(name)):
        if flavour.is_absolute() or flavour.drive or flavour.root:
            return False
        if any(part == ".." for part in flavour.parts):
            return False
    return True
