"""The draft sizes (annotator.engine.DRAFT_SIZES) run end to end: position tables are built
for the smaller grid, and masks still come back at the frame's full size."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.engine import DRAFT_SIZES, FULL_SIZE
from annotator.engine.video_session import VideoSession
from tests.engine.video_helpers import read_frames, seeded_model


def test_the_draft_sizes_are_smaller_multiples_of_32() -> None:
    assert DRAFT_SIZES == (512, 768)
    assert all(size % 32 == 0 and size < FULL_SIZE for size in DRAFT_SIZES)


@pytest.mark.slow
@pytest.mark.parametrize("size", DRAFT_SIZES)
def test_a_draft_size_tracks_with_full_size_masks(
    seeded_checkpoint: Callable[..., Path], parity_dir: Path, size: int
) -> None:
    model = seeded_model(seeded_checkpoint, "sam2.1_hiera_tiny")
    model.set_imgsz(size)
    trunk = model.image_encoder.trunk
    assert trunk.position_embedding(size // 4, size // 4).shape[1:3] == (size // 4, size // 4)
    frames = read_frames(parity_dir, "frames/bedroom/{:05d}.png", 3)
    session = VideoSession(model, frames)
    first = session.add_points(0, 1, [[400, 220]], [1])
    assert first.objects[1].mask.shape == frames[0].shape[:2]
    assert first.objects[1].low_res_logits.shape[-2:] == (size // 4, size // 4)
    tracked = list(session.propagate(0))  # memory attention over a size/16 token grid
    assert [r.frame for r in tracked] == [0, 1, 2]
    assert all(r.objects[1].mask.shape == (540, 960) for r in tracked)
    assert any(r.objects[1].mask.any() for r in tracked[1:])
