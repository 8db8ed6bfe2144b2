"""A click changes one object: the others' RLE encodings on that frame are reused."""

from __future__ import annotations

import numpy as np

from annotator.service.worker import FrameMaskEncoder


def blob(h: int, w: int, x0: int, y0: int, size: int) -> np.ndarray:
    mask = np.zeros((h, w), bool)
    mask[y0 : y0 + size, x0 : x0 + size] = True
    return mask


def test_unchanged_objects_keep_their_encoding_on_the_same_frame() -> None:
    encode = FrameMaskEncoder()
    a, b = blob(72, 128, 5, 5, 20), blob(72, 128, 60, 30, 30)
    first = encode(3, {1: (a, 2.0), 2: (b, 1.5)})
    moved = blob(72, 128, 8, 5, 20)
    second = encode(3, {1: (moved, 2.5), 2: (b.copy(), 1.5)})
    assert second[2] is first[2]  # same pixels and score: not encoded again
    assert second[1] is not first[1]
    np.testing.assert_array_equal(second[1].rle.to_array(), moved)


def test_a_change_of_frame_score_or_pixels_encodes_afresh() -> None:
    encode = FrameMaskEncoder()
    a = blob(72, 128, 5, 5, 20)
    first = encode(3, {1: (a, 2.0)})
    assert encode(4, {1: (a, 2.0)})[1] is not first[1]  # another frame
    again = encode(4, {1: (a, 2.0)})
    assert encode(4, {1: (a, 1.0)})[1] is not again[1]  # another score
    assert encode(4, {1: (a, None)})[1].score is None
    changed = a.copy()
    changed[0, 0] = True
    result = encode(4, {1: (changed, None)})[1]
    assert result.area == a.sum() + 1
