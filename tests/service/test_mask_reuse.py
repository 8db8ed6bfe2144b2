"""A click changes one object: the others' encodings on that frame are reused, and their
frame-size masks are not even computed."""

from __future__ import annotations

import numpy as np

from annotator.engine.video_session import ObjectResult
from annotator.service.worker import FrameMaskEncoder

FRAME = (72, 128)


def blob(obj: int, x0: int, y0: int, size: int, score: float | None = 2.0) -> ObjectResult:
    """An object whose 18 x 32 low-res logits are +8 on a square, -8 elsewhere."""
    low = np.full((18, 32), -8.0, np.float32)
    low[y0 : y0 + size, x0 : x0 + size] = 8.0
    return ObjectResult(obj, low, score, FRAME)


def test_unchanged_objects_keep_their_encoding_on_the_same_frame() -> None:
    encode = FrameMaskEncoder()
    first = encode(3, {1: blob(1, 1, 1, 5), 2: blob(2, 15, 7, 8, 1.5)})
    moved, same = blob(1, 2, 1, 5, 2.5), blob(2, 15, 7, 8, 1.5)
    second = encode(3, {1: moved, 2: same})
    assert second[2] is first[2]  # same logits and score: not encoded again
    assert "mask" not in same.__dict__  # ... nor upsampled to frame size
    assert second[1] is not first[1]
    np.testing.assert_array_equal(second[1].rle.to_array(), moved.mask)
    assert second[1].area > 0


def test_a_change_of_frame_score_or_logits_encodes_afresh() -> None:
    encode = FrameMaskEncoder()
    first = encode(3, {1: blob(1, 1, 1, 5)})
    assert encode(4, {1: blob(1, 1, 1, 5)})[1] is not first[1]  # another frame
    assert encode(3, {1: blob(1, 1, 1, 5)})[1] is first[1]  # frame 3 is still remembered
    again = encode(4, {1: blob(1, 1, 1, 5)})
    assert encode(4, {1: blob(1, 1, 1, 5, 1.0)})[1] is not again[1]  # another score
    absent = encode(4, {1: blob(1, 1, 1, 5, None)})[1]
    assert absent.score is None and absent.area == 0  # no output: an empty mask
    grown = encode(4, {1: blob(1, 1, 1, 6)})[1]
    assert grown.area > again[1].area


def test_only_the_last_few_frames_are_remembered() -> None:
    encode = FrameMaskEncoder(frames=2)
    first = encode(0, {1: blob(1, 1, 1, 5)})
    encode(1, {1: blob(1, 1, 1, 5)})
    assert encode(0, {1: blob(1, 1, 1, 5)})[1] is first[1]  # frame 0 becomes the newest
    encode(2, {1: blob(1, 1, 1, 5)})  # pushes out frame 1, the oldest
    again = encode(1, {1: blob(1, 1, 1, 5)})
    assert again[1] is not first[1]
    assert encode(0, {1: blob(1, 1, 1, 5)})[1] is not first[1]  # pushed out by frame 1
