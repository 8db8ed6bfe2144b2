"""A photo (a one-frame source of an image file) is segmented by the image predictor: its
masks are exactly what `ImagePredictor` gives for the same prompts on that image, a single
click offers three candidates, and no video session, memory or propagation is involved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import numpy as np
import pytest
import torch

from annotator.engine.checkpoint import load_model
from annotator.engine.image_predictor import ImagePredictor
from annotator.engine.sam2.model import SAM2Model
from annotator.io.frames import open_frames
from annotator.service import CandidatesFound, EngineFailure, EngineService, MaskResult
from annotator.service.events import VideoReady
from tests.conftest import SHARED

from .conftest import IMAGE_SIZE

PHOTO = SHARED / "data" / "images" / "groceries.jpg"  # 800 x 534, the smallest photo
CLICK = (400.0, 267.0)
SECOND = (300.0, 200.0)
BOX = (250.0, 150.0, 550.0, 400.0)


@pytest.fixture(scope="module")
def photo() -> Iterator:
    frames = open_frames(PHOTO, use_proxy_cache=False)
    try:
        yield frames
    finally:
        frames.close()


@pytest.fixture(scope="module")
def reference(tiny_checkpoint: Path, photo) -> ImagePredictor:
    """Meta's image predictor equivalent on the same checkpoint, size and image."""
    model = cast(SAM2Model, load_model(tiny_checkpoint).model)
    model.set_imgsz(IMAGE_SIZE)
    predictor = ImagePredictor(model)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the service's engine thread runs
    try:
        predictor.set_image(np.ascontiguousarray(photo[0]))
    finally:
        torch.set_num_threads(threads)
    return predictor


def predict(predictor: ImagePredictor, **prompt: object):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return predictor.predict(**prompt)  # type: ignore[arg-type]
    finally:
        torch.set_num_threads(threads)


@pytest.fixture
def photo_service(tiny_checkpoint: Path, photo, log) -> Iterator[EngineService]:
    svc = EngineService(num_threads=1, click_threads=1, listeners=[log])
    try:
        svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
        ready = svc.set_video(photo).result(120)
        assert isinstance(ready, VideoReady) and ready.photo and ready.num_frames == 1
        assert (ready.width, ready.height) == (800, 534)
        yield svc
    finally:
        assert svc.shutdown(60), "the engine thread did not stop"


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def test_a_photo_click_is_the_image_predictors_mask_with_three_candidates(
    photo_service: EngineService, reference: ImagePredictor, module_calls
) -> None:
    svc = photo_service
    result = svc.add_points(0, 3, [CLICK], [1]).result(120)
    assert isinstance(result, MaskResult) and result.frame == 0
    first = predict(reference, points=[CLICK], labels=[1], multimask=True)
    stored = result.objects[3].mask
    assert stored.shape == (534, 800) and stored.any()
    np.testing.assert_array_equal(stored, first.masks[first.best()])
    assert iou(stored, first.masks[first.best()]) == 1.0

    found = svc.find_candidates(0, 3, CLICK, 1).result(120)
    assert isinstance(found, CandidatesFound) and found.candidates is not None
    candidates = found.candidates
    assert candidates.masks.shape == (3, 534, 800)
    np.testing.assert_array_equal(candidates.masks, first.masks)
    np.testing.assert_array_equal(candidates.masks[candidates.best], stored)

    # a second click refines with the first's low-res logits, one mask (Meta's notebook)
    refined = svc.add_points(0, 3, [CLICK, SECOND], [1, 0]).result(120)
    logits = first.low_res_logits[first.best()][None]
    expected = predict(
        reference, points=[CLICK, SECOND], labels=[1, 0], mask_input=logits, multimask=False
    )
    np.testing.assert_array_equal(refined.objects[3].mask, expected.masks[0])

    # a box for another object: one mask, the first object's kept as it was
    boxed = svc.add_box(0, 4, BOX).result(120)
    by_box = predict(reference, box=BOX, multimask=False)
    np.testing.assert_array_equal(boxed.objects[4].mask, by_box.masks[0])
    np.testing.assert_array_equal(boxed.objects[3].mask, expected.masks[0])

    # no video session: nothing wrote or read a memory, and propagating is refused
    with pytest.raises(EngineFailure) as refused:
        svc.propagate(0).result(120)
    assert refused.value.kind == "Unsupported"
    assert "photo is segmented on its own" in refused.value.message
    assert module_calls.count("MemoryEncoder") == 0
    assert module_calls.count("MemoryAttention") == 0
    assert module_calls.count("ImageEncoder") == 1  # the photo, encoded once by the first click
    assert svc.alive


def test_a_hand_edit_is_stored_and_the_next_click_starts_afresh(
    photo_service: EngineService, reference: ImagePredictor
) -> None:
    svc = photo_service
    svc.add_points(0, 1, [CLICK], [1]).result(120)
    edited = np.zeros((534, 800), dtype=bool)
    edited[100:300, 200:500] = True
    result = svc.add_mask(0, 1, edited).result(120)
    np.testing.assert_array_equal(result.objects[1].mask, edited)
    # the window sends a new prompt after an edit: decoded alone, the edit is not its input
    again = svc.add_points(0, 1, [SECOND], [1]).result(120)
    alone = predict(reference, points=[SECOND], labels=[1], multimask=True)
    np.testing.assert_array_equal(again.objects[1].mask, alone.masks[alone.best()])


def test_a_refinement_replayed_without_its_history_gives_the_same_mask(
    photo_service: EngineService,
) -> None:
    svc = photo_service
    svc.add_points(0, 1, [CLICK], [1]).result(120)
    step = svc.add_points(0, 1, [CLICK, SECOND], [1, 0]).result(120).objects[1].mask
    # the same two clicks for a fresh object (no first click seen): its predecessor is
    # decoded first, so the mask depends on the prompt alone (undo, reopen)
    replay = svc.add_points(0, 2, [CLICK, SECOND], [1, 0]).result(120).objects[2].mask
    np.testing.assert_array_equal(replay, step)


def test_a_video_still_opens_a_tracking_session(service, frames) -> None:
    ready = service.set_video(frames[:1]).result(120)  # one frame, but no image file
    assert isinstance(ready, VideoReady) and not ready.photo and ready.num_frames == 1
