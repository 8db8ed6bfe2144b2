"""The frame cache keeps to its byte budget; prefetch follows the direction of travel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.io.frames import FrameCache, open_frames
from tests.io.frames_support import sequential_frames, write_clip


def _frame(nbytes_rows: int, value: int = 0) -> np.ndarray:
    return np.full((nbytes_rows, 10, 3), value, np.uint8)  # 30 bytes a row


def test_lru_eviction_order_and_budget() -> None:
    cache = FrameCache(budget_bytes=3 * 300)
    for i in range(3):
        cache.put(i, _frame(10, i))
    assert cache.get(0) is not None  # 0 becomes most recently used
    cache.put(3, _frame(10, 3))
    assert cache.indices() == [2, 0, 3] and 1 not in cache
    assert cache.nbytes == 900 == cache.budget_bytes
    cache.put(4, _frame(31))  # too large for the whole budget: not kept, nothing evicted
    assert 4 not in cache and len(cache) == 3
    cache.put(0, _frame(20))  # replacing a frame accounts for its new size
    assert cache.nbytes <= 900 and 0 in cache
    stored = cache.get(0)
    assert stored is not None and not stored.flags.writeable
    with pytest.raises(ValueError):
        FrameCache(-1)


@settings(max_examples=60, deadline=None)
@given(
    budget=st.integers(0, 5000),
    ops=st.lists(st.tuples(st.integers(0, 20), st.integers(1, 60)), max_size=60),
)
def test_budget_is_never_exceeded(budget: int, ops: list[tuple[int, int]]) -> None:
    cache = FrameCache(budget)
    for index, rows in ops:
        cache.put(index, _frame(rows))
        assert cache.nbytes <= budget
        held = [cache.get(i) for i in cache.indices()]
        assert cache.nbytes == sum(f.nbytes for f in held if f is not None)


def test_source_cache_respects_budget(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=30)
    assert clip is not None
    frame_bytes = 160 * 120 * 3
    with open_frames(clip, cache_bytes=5 * frame_bytes, use_proxy_cache=False, wait=True) as src:
        for i in list(range(30)) + list(range(29, -1, -3)):
            src[i]
            assert src.cache.nbytes <= 5 * frame_bytes
        assert len(src.cache) <= 5


def test_zero_budget_disables_cache_and_prefetch(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=8)
    assert clip is not None
    reference, _ = sequential_frames(clip)
    with open_frames(clip, cache_bytes=0, use_proxy_cache=False) as src:
        assert src.prefetcher is None
        for i in (3, 1, 7):
            assert np.array_equal(src[i], reference[i])
        assert len(src.cache) == 0


def test_prefetch_forward_and_backward(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=60)
    assert clip is not None
    reference, _ = sequential_frames(clip)
    with open_frames(clip, prefetch_depth=4, use_proxy_cache=False, wait=True) as src:
        prefetcher = src.prefetcher
        assert prefetcher is not None and prefetcher.depth == 4
        src[10]
        src[11]  # moving forward
        assert prefetcher.wait_idle(30)
        assert all(j in src.cache for j in range(12, 16))
        for j in range(12, 16):  # prefetched frames are exact too
            assert np.array_equal(src[j], reference[j])
        src.cache.clear()
        src[45]
        src[44]  # moving backward: a block below is decoded in one forward run
        assert prefetcher.wait_idle(30)
        assert all(j in src.cache for j in range(44 - prefetcher.backward_block, 44))
        for j in range(43, 35, -1):
            assert np.array_equal(src[j], reference[j])


def test_request_decodes_off_thread_and_peek_never_decodes(tmp_path: Path) -> None:
    import contextlib
    import threading
    from concurrent.futures import CancelledError

    clip = write_clip(tmp_path / "clip.mp4", n=40)
    assert clip is not None
    reference, _ = sequential_frames(clip)
    with open_frames(clip, use_proxy_cache=False, wait=True) as src:
        assert src.peek(25) is None
        where: list[str] = []
        future = src.request(25)
        future.add_done_callback(lambda f: where.append(threading.current_thread().name))
        assert np.array_equal(future.result(timeout=30), reference[25])
        assert np.array_equal(src.peek(25), reference[25])  # type: ignore[arg-type]
        assert where and where[0] in ("frames-prefetch", threading.current_thread().name)
        # Scrubbing: only the newest request must be served; older ones may be cancelled.
        futures = [src.request(i) for i in (3, 30, 12, 37)]
        assert np.array_equal(futures[-1].result(timeout=30), reference[37])
        for i, f in zip((3, 30, 12), futures[:-1], strict=True):
            with contextlib.suppress(CancelledError):
                assert np.array_equal(f.result(timeout=30), reference[i])
    with open_frames(clip, cache_bytes=0, use_proxy_cache=False) as sync:
        assert np.array_equal(sync.request(5).result(timeout=0), reference[5])
