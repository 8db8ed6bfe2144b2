"""Photos whose EXIF asks viewers to turn them are recognised (the window says it shows them
as stored); upright, unturned and unreadable files are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.io.frames.orientation import turned_by_exif

ORIENTATION = 0x0112


def photo(path: Path, orientation: int | None) -> Path:
    yy, xx = np.mgrid[0:80, 0:120]  # 120 wide, 80 high, no symmetry
    pixels = np.stack([2 * xx, 3 * yy, xx + yy], axis=-1).astype(np.uint8)
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    Image.fromarray(pixels).save(path, exif=exif, quality=95)
    return path


@pytest.mark.parametrize(
    ("orientation", "turned"),
    [(None, False), (1, False), (3, True), (6, True), (8, True), (2, True)],
)
def test_an_exif_turn_or_flip_is_recognised(tmp_path, orientation, turned) -> None:
    assert turned_by_exif(photo(tmp_path / "p.jpg", orientation)) is turned


def test_files_it_cannot_read_are_not_turned(tmp_path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    assert not turned_by_exif(tmp_path / "empty.jpg")
    assert not turned_by_exif(tmp_path / "text.jpg")
