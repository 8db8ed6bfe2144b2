"""Image folders: natural order, exact pixels, header-based size checks, proxies."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.io.frames import ImageFolderSource, natural_key, open_frames
from annotator.io.frames.imagesize import image_size
from tests.io.frames_support import synthetic_frame


def test_natural_key_orders_numbers_by_value() -> None:
    names = [
        "frame_10.png",
        "frame_2.png",
        "Frame_1.png",
        "frame_002b.png",
        "a.png",
        "frame_100.jpg",
    ]
    assert sorted(names, key=natural_key) == [
        "a.png",
        "Frame_1.png",
        "frame_2.png",
        "frame_002b.png",
        "frame_10.png",
        "frame_100.jpg",
    ]


def _mixed_folder(tmp_path: Path) -> tuple[Path, list[str]]:
    """Lossless images with mixed names/extensions, plus files that must be ignored."""
    order = [
        "frame_1.png",
        "frame_2.BMP",
        "frame_3.tif",
        "frame_10.png",
        "frame_11.tiff",
        "frame_20.PNG",
    ]
    for k, name in enumerate(order):
        assert cv2.imwrite(str(tmp_path / name), synthetic_frame(k, 64, 48))
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "sub").mkdir()
    assert cv2.imwrite(str(tmp_path / "sub" / "frame_0.png"), synthetic_frame(9, 10, 10))
    return tmp_path, order


def test_folder_order_and_exact_pixels(tmp_path: Path) -> None:
    folder, order = _mixed_folder(tmp_path)
    with open_frames(folder, proxy_dir=tmp_path / "cache", wait=True) as src:
        assert isinstance(src, ImageFolderSource) and src.kind == "images"
        assert [p.name for p in src.files] == order
        assert (len(src), src.width, src.height, src.fps) == (6, 64, 48, 30.0)
        assert src.count_verified
        for k in (5, 0, 3, 1, 4, 2):
            expected = cv2.cvtColor(synthetic_frame(k, 64, 48), cv2.COLOR_BGR2RGB)
            assert np.array_equal(src[k], expected)
        proxy = src.proxy(3)
        assert proxy is not None and proxy.shape == (48, 64, 3)


def test_jpeg_folder_matches_imread_and_fingerprint_tracks_content(tmp_path: Path) -> None:
    for k in range(4):
        cv2.imwrite(str(tmp_path / f"{k:03d}.jpg"), synthetic_frame(k, 1200, 700))
    with open_frames(tmp_path, use_proxy_cache=False, wait=True) as src:
        for k in range(4):
            bgr = cv2.imread(str(tmp_path / f"{k:03d}.jpg"), cv2.IMREAD_COLOR)
            assert bgr is not None
            assert np.array_equal(src[k], cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        proxy = src.proxy(2)
        assert proxy is not None and proxy.shape == (350, 600, 3)  # halved: long side <= 960
        first = src.fingerprint
    cv2.imwrite(str(tmp_path / "003.jpg"), synthetic_frame(7, 1200, 700))
    with open_frames(tmp_path, use_proxy_cache=False, background=False) as src:
        assert src.fingerprint != first


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".tif"])
def test_header_sizes(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"img{ext}"
    assert cv2.imwrite(str(path), np.zeros((37, 53, 3), np.uint8))
    assert image_size(path) == (53, 37)


def test_single_image_file_is_a_one_frame_source(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), synthetic_frame(3, 90, 60))
    with open_frames(path, use_proxy_cache=False, wait=True) as src:
        assert isinstance(src, ImageFolderSource) and len(src) == 1
        assert (src.width, src.height) == (90, 60)
        expected = cv2.imread(str(path), cv2.IMREAD_COLOR)
        assert expected is not None
        assert np.array_equal(src[0], cv2.cvtColor(expected, cv2.COLOR_BGR2RGB))
