"""Concurrent readers (a GUI scrubbing at random, an engine reading in order) get exact frames."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from annotator.io.frames import VideoFileSource, open_frames
from tests.io.frames_support import sequential_frames, write_clip


@pytest.mark.parametrize(("cache_bytes", "max_decoders"), [(0, 2), (64 << 20, 3)])
def test_concurrent_readers_get_exact_frames(
    tmp_path: Path, cache_bytes: int, max_decoders: int
) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=90, size=(192, 144))
    assert clip is not None
    reference, count = sequential_frames(clip)
    errors: list[str] = []
    start = threading.Barrier(3)

    def engine(src, order: list[int]) -> None:
        start.wait(10)
        for i in order:
            if not np.array_equal(src[i], reference[i]):
                errors.append(f"{threading.current_thread().name}: frame {i}")

    rng = np.random.default_rng(3)
    orders = {
        "engine-forward": list(range(count)),
        "gui-random": [int(i) for i in rng.integers(0, count, 40)],
        "engine-backward": list(range(count - 1, -1, -2)),
    }
    with open_frames(
        clip,
        cache_bytes=cache_bytes,
        max_decoders=max_decoders,
        proxy_dir=tmp_path / "cache",
    ) as src:
        threads = [
            threading.Thread(target=engine, args=(src, order), name=name)
            for name, order in orders.items()
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads)
        assert isinstance(src, VideoFileSource) and src.decoders.size <= max_decoders
        assert src.wait_ready(30)
    assert errors == []


def test_close_while_readers_run_fails_cleanly(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=60)
    assert clip is not None
    src = open_frames(clip, cache_bytes=0, use_proxy_cache=False)
    outcome: list[str] = []
    started = threading.Event()

    def reader() -> None:
        try:
            for k in range(10_000):
                src[(k * 37) % 60]
                started.set()
        except Exception as exc:  # must be our error, never a crash inside OpenCV
            outcome.append(type(exc).__name__)

    t = threading.Thread(target=reader)
    t.start()
    assert started.wait(30)
    src.close()
    t.join(30)
    assert not t.is_alive()
    assert outcome == ["SourceClosedError"]
