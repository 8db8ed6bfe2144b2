"""The decoder pool: verified seeks, and a safe fallback when a seek cannot be verified."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.io.frames.decoder import DecoderPool
from annotator.io.frames.keyframes import FrameIndex
from tests.io.frames_support import sequential_frames, write_clip


def _bgr_to_rgb(bgr: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(bgr[..., ::-1])


def _index(n: int, pts_of, keyframe_every: int = 12) -> FrameIndex:
    index = FrameIndex()
    for i in range(n):
        index.add(pts_of(i), i % keyframe_every == 0)
    index.finish()
    return index


def test_verified_seeks_are_exact(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=60)
    assert clip is not None
    reference, _ = sequential_frames(clip)
    index = _index(60, float)  # OpenCV reports these files' timestamps as 0, 1, 2, ...
    assert index.keyframe_at_or_before(30) == 24 and index.seek_cost(30) == 30 - 12
    pool = DecoderPool(clip, max_decoders=1)
    for i in (50, 40, 30, 59, 20, 45):
        assert np.array_equal(_bgr_to_rgb(pool.read(i, index)), reference[i])
    assert pool.seeks > 0 and not pool.seeks_unreliable
    pool.close()


def test_unverifiable_seek_falls_back_to_decoding_from_the_start(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=60)
    assert clip is not None
    reference, _ = sequential_frames(clip)
    wrong = _index(60, lambda i: 1000.0 + i)  # no landed timestamp will be found in it
    pool = DecoderPool(clip, max_decoders=1)
    for i in (50, 40, 30):
        assert np.array_equal(_bgr_to_rgb(pool.read(i, wrong)), reference[i])
    assert pool.seeks_unreliable  # after the first failed verification, no more seeking
    assert pool.seeks == 1 and pool.restarts >= 2
    pool.close()


def test_duplicate_timestamps_disable_seeking(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=30)
    assert clip is not None
    reference, _ = sequential_frames(clip)
    ambiguous = _index(30, lambda i: float(i // 2))
    assert not ambiguous.pts_unique and not ambiguous.can_verify_seek(20)
    pool = DecoderPool(clip, max_decoders=1)
    for i in (25, 10):
        assert np.array_equal(_bgr_to_rgb(pool.read(i, ambiguous)), reference[i])
    assert pool.seeks == 0
    pool.close()
