"""Geometry: polygons rasterise back to exactly the mask; RLE crops equal full decodes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from annotator.domain import Mask
from annotator.io.formats import geometry
from annotator.io.formats.errors import ExportError
from annotator.io.formats.naming import frame_stem, is_safe_relative, parse_frame_stem
from annotator.io.formats.options import ExportOptions, parse_frame_ranges
from annotator.io.formats.rle import decode_crop, mask_rings, rle_runs
from annotator.io.formats.split import assign_split

from .conftest import blob_mask


@st.composite
def masks(draw) -> np.ndarray:
    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["noise", "blob", "empty", "full"]))
    if kind == "noise":
        return rng.random((h, w)) < draw(st.floats(0.05, 0.95))
    if kind == "blob":
        return blob_mask(rng, h, w, holes=True, parts=draw(st.integers(1, 3)))
    return np.full((h, w), kind == "full")


@settings(max_examples=150, deadline=None)
@given(m=masks())
def test_polygons_rasterise_to_exactly_the_mask(m):
    polys = geometry.mask_to_polygons(m)
    assert all(len(p) >= 3 for p in polys)
    assert np.array_equal(geometry.polygons_to_mask(polys, *m.shape), m)
    single = geometry.mask_to_single_polygon(m)
    if single is None:
        assert not m.any()
    else:
        assert np.array_equal(geometry.polygons_to_mask([single], *m.shape), m)


@settings(max_examples=150, deadline=None)
@given(m=masks())
def test_rle_crop_equals_full_decode(m):
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    assert int(rle_runs(rle["counts"]).sum()) == m.size
    got = decode_crop(rle["counts"], *m.shape)
    if not m.any():
        assert got is None
        return
    crop, x0, y0 = got
    full = np.zeros_like(m)
    full[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = crop
    assert np.array_equal(full, m)
    rings = mask_rings(Mask.from_array(m))  # traced from the RLE directly, upsampled
    assert len(rings) == len(geometry.mask_to_rings(m))
    polys = geometry.rings_to_polygons(rings)
    assert np.array_equal(geometry.polygons_to_mask(polys, *m.shape), m)


def test_holes_and_parts_are_separate_rings():
    m = np.zeros((60, 90), np.uint8)
    cv2.circle(m, (30, 30), 20, 1, -1)
    cv2.circle(m, (30, 30), 8, 0, -1)
    cv2.rectangle(m, (60, 10), (80, 50), 1, -1)
    rings = geometry.mask_to_rings(m.astype(bool))
    assert sorted(len(holes) for _, holes in rings) == [0, 1]
    assert len(geometry.mask_to_polygons(m.astype(bool))) == 2
    filled = geometry.mask_to_polygons(m.astype(bool), keep_holes=False)
    assert geometry.polygons_to_mask(filled, 60, 90)[30, 30]  # hole filled when asked


def test_corrupt_rle_is_refused():
    with pytest.raises(ValueError):
        rle_runs(b"\x7f")
    with pytest.raises(ValueError):
        decode_crop(b"0", 4, 4)


def test_names_ranges_and_split():
    assert parse_frame_stem(frame_stem("/a/b c.mp4", 3, 42)) == (3, 42)
    assert not is_safe_relative("../x") and not is_safe_relative("C:\\x")
    assert is_safe_relative("sub/x.jpg")
    assert parse_frame_ranges("0-2, 5,8-") == ((0, 2), (5, 5), (8, None))
    with pytest.raises(ExportError):
        parse_frame_ranges("5-2")
    assert ExportOptions(frames=((0, 2), (5, None)), every=2).select_frames(9) == [0, 2, 6, 8]
    split = assign_split({1: list(range(100))}, 0.2, seed=0)
    assert sum(v == "val" for v in split.values()) == 20
    assert split == assign_split({1: list(range(100))}, 0.2, seed=0)  # deterministic
