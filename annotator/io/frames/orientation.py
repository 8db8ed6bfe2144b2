"""Whether a photo carries an EXIF turn that the annotator does not apply.

Frames are read as stored (EXIF orientation ignored, as training pipelines read them), so a
phone photo that other viewers turn upright shows on its side here; the window says so.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

_SMALL = cv2.IMREAD_REDUCED_COLOR_8  # an eighth of the size: a few milliseconds


def turned_by_exif(path: str | Path) -> bool:
    """True when a viewer applying the image's EXIF orientation would show other pixels than
    the stored ones (a turn or a flip); False for an upright image or one it cannot read.
    Remembered per file version, so stepping through photos decodes each once."""
    try:
        stat = Path(path).stat()
    except OSError:
        return False
    return _turned(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _turned(path: str, _mtime_ns: int, _size: int) -> bool:
    data = np.fromfile(path, dtype=np.uint8)
    if not data.size:
        return False
    stored = cv2.imdecode(data, _SMALL | cv2.IMREAD_IGNORE_ORIENTATION)
    shown = cv2.imdecode(data, _SMALL)
    if stored is None or shown is None:
        return False
    return stored.shape != shown.shape or not np.array_equal(stored, shown)
