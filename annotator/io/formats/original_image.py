"""An exported frame that is an image file already (a photo, a frame of an image folder) is
copied byte for byte instead of decoded and encoded again: no second JPEG loss, the file's
own metadata kept, and faster. Only when a consumer would read the very pixels the labels
were drawn on: the same format, and no EXIF orientation that a reader would apply (frames
are read with it ignored)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import cv2
import numpy as np

SAME_FORMAT = {".jpg": frozenset({".jpg", ".jpeg"}), ".png": frozenset({".png"})}


def frame_file(source: Any, frame: int) -> Path | None:
    """The image file frame `frame` of `source` was read from, or None (a video)."""
    files = getattr(source, "files", None)
    if not isinstance(files, list | tuple) or not 0 <= frame < len(files):
        return None
    return Path(files[frame])


def copy_original(source: Any, frame: int, rgb: np.ndarray, path: Path) -> bool:
    """Copy the frame's own image file to `path` when it holds exactly `rgb` (H, W, 3) as an
    orientation-applying reader decodes it and is in `path`'s format; False: write it."""
    original = frame_file(source, frame)
    if original is None or original.suffix.lower() not in SAME_FORMAT.get(path.suffix, ()):
        return False
    data = np.fromfile(original, dtype=np.uint8)
    as_read = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None  # EXIF applied
    if as_read is None or as_read.shape != rgb.shape:
        return False
    if not np.array_equal(as_read[..., ::-1], rgb):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(original, path)
    return True
