"""The bundled sample clip: small, readable, and showing objects that move."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.io.frames import open_frames
from annotator.io.sample_clip import FPS, HEIGHT, REPO_SAMPLE, SECONDS, WIDTH, write_sample_clip


def test_committed_clip_is_small_and_complete() -> None:
    assert REPO_SAMPLE.stat().st_size < 1_000_000
    with open_frames(REPO_SAMPLE) as frames:
        assert (len(frames), frames.width, frames.height) == (FPS * SECONDS, WIDTH, HEIGHT)


def test_generator_writes_a_clip_with_motion(tmp_path: Path) -> None:
    path = write_sample_clip(tmp_path / "clip.mp4")
    with open_frames(path) as frames:
        assert len(frames) == FPS * SECONDS
        first, middle = frames[0].astype(np.int16), frames[len(frames) // 2].astype(np.int16)
    changed = np.abs(first - middle).max(axis=2) > 40
    assert changed.mean() > 0.02  # objects moved: a few percent of the pixels changed a lot
    assert not (tmp_path / "clip.tmp.mp4").exists()
