"""Mask: COCO RLE round trips, area/bbox exactly as pycocotools, validation of bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from annotator.domain import DomainError, InvalidMaskError, Mask


@settings(max_examples=60, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 24), st.integers(1, 24))))
def test_array_round_trip_and_stats_match_pycocotools(arr: np.ndarray) -> None:
    m = Mask.from_array(arr)
    assert m.size == arr.shape
    np.testing.assert_array_equal(m.to_array(), arr)
    assert m.area == int(arr.sum())
    rle = coco_mask.encode(np.asfortranarray(arr.astype(np.uint8)))
    assert m.counts == rle["counts"]
    if arr.any():
        assert m.bbox == tuple(float(v) for v in coco_mask.toBbox(rle))
    else:
        assert m.is_empty and m.bbox == (0.0, 0.0, 0.0, 0.0)
    again = Mask.from_coco(m.to_coco())
    assert again == m and hash(again) == hash(m)
    assert pickle.loads(pickle.dumps(m)) == m


def test_equality_is_by_pixels_and_size() -> None:
    a = np.zeros((5, 7), dtype=bool)
    a[1:3, 2:5] = True
    assert Mask.from_array(a) == Mask.from_array(a.astype(np.uint8))
    assert Mask.from_array(a) != Mask.from_array(np.zeros((5, 7), dtype=bool))
    assert Mask.from_array(a) != Mask.from_array(np.pad(a, ((0, 1), (0, 0))))
    assert Mask.from_array(a) != "not a mask"


def test_uncompressed_coco_rle_is_accepted() -> None:
    # column-major runs: 2 background, 3 foreground, 7 background on a 4x3 grid
    m = Mask.from_coco({"size": [4, 3], "counts": [2, 3, 7]})
    expected = np.zeros((4, 3), dtype=bool)
    expected.T.flat[2:5] = True
    np.testing.assert_array_equal(m.to_array(), expected)
    assert m.area == 3


def test_empty_and_zero_sized_masks() -> None:
    e = Mask.empty(4, 6)
    assert e.is_empty and e.area == 0 and e.to_array().shape == (4, 6)
    z = Mask.from_array(np.zeros((0, 3), dtype=bool))
    assert z.area == 0 and z.to_array().shape == (0, 3)


@pytest.mark.parametrize(
    "bad",
    [
        {"size": [4, 3], "counts": "zz"},  # invalid characters
        {"size": [4, 3], "counts": [2, 3]},  # covers 5 of 12 pixels
        {"size": [4, 3], "counts": [-1, 13]},
        {"size": [4], "counts": "0"},
        {"counts": "0"},
        "not a dict",
    ],
)
def test_bad_coco_records_raise_our_error(bad: object) -> None:
    with pytest.raises(InvalidMaskError):
        Mask.from_coco(bad)  # type: ignore[arg-type]


def test_bad_arrays_raise_our_error() -> None:
    with pytest.raises(InvalidMaskError):
        Mask.from_array(np.zeros((2, 2, 3), dtype=bool))
    with pytest.raises(InvalidMaskError):
        Mask.from_array(np.array([["a", "b"]]))
    with pytest.raises(DomainError):
        Mask((3, -1), b"")
    with pytest.raises(DomainError):
        Mask((3, 3), 12)  # type: ignore[arg-type]


def _runs_of(arr: np.ndarray) -> list[int]:
    flat = arr.T.reshape(-1).astype(np.int8)  # column-major, as COCO
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(bounds).tolist()
    return ([0] + runs) if flat.size and flat[0] else runs


@settings(max_examples=80, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 40), st.integers(1, 40))))
def test_run_lengths_decoder_matches_the_pixels(arr: np.ndarray) -> None:
    from annotator.domain.mask import run_lengths

    assert run_lengths(Mask.from_array(arr).counts).tolist() == _runs_of(arr)


def test_foreign_counts_are_checked_before_pycocotools_decodes_them() -> None:
    big = Mask.from_array(np.ones((40, 40), dtype=bool))
    wrong = Mask((2, 2), big.counts)  # counts cover 1600 pixels, size says 4
    with pytest.raises(InvalidMaskError):
        wrong.to_array()
    with pytest.raises(InvalidMaskError):
        Mask((2, 2), b"o").to_array()  # ends in the middle of a run


@pytest.mark.parametrize("seed", range(6))
def test_encoder_is_byte_identical_to_pycocotools_on_large_and_odd_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 400)), int(rng.integers(1, 400))
    arr = rng.random((h, w)) < rng.random()
    arr[rng.integers(0, h) :, : rng.integers(0, w)] = bool(seed % 2)  # long runs as well
    cases = [arr, np.ones((h, w), bool), np.zeros((h, w), bool), arr[::2, ::3], arr.T]
    for a in cases:
        expected = coco_mask.encode(np.asfortranarray(a, dtype=np.uint8))["counts"]
        m = Mask.from_array(a)
        assert m.counts == expected and m.area == int(a.sum())
        np.testing.assert_array_equal(m.to_array(), a)
    assert Mask.from_array(arr.astype(np.float32)) == Mask.from_array(arr)
