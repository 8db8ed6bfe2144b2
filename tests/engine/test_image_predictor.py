"""ImagePredictor and preprocessing: clear errors for bad input, outputs of the right form."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from annotator.engine.device import DeviceUnavailableError, pick_device
from annotator.engine.image_predictor import ImageNotSetError, ImagePredictor
from annotator.engine.preprocess import (
    EngineInputError,
    InvalidImageError,
    InvalidPromptError,
    logits_to_masks,
    preprocess_image,
    prompt_points_for_model,
)
from annotator.engine.sam2.model import SAM2Model


def test_predict_before_set_image_is_refused(tiny21_model: SAM2Model) -> None:
    predictor = ImagePredictor(tiny21_model)
    assert not predictor.is_image_set
    with pytest.raises(ImageNotSetError, match="set_image"):
        predictor.predict(points=[[1, 1]], labels=[1])


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((10, 10), np.uint8),
        np.zeros((10, 10, 4), np.uint8),
        np.zeros((10, 10, 3), np.float32),
        np.zeros((0, 10, 3), np.uint8),
        [[1, 2, 3]],
    ],
)
def test_bad_images_are_refused(tiny21_model: SAM2Model, image: object) -> None:
    with pytest.raises(InvalidImageError):
        ImagePredictor(tiny21_model).set_image(image)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one"),
        ({"points": [[1, 2]]}, "together"),
        ({"points": [[1, 2]], "labels": [2]}, "1 \\(positive\\) or 0"),
        ({"points": [[1, 2]], "labels": [1, 0]}, "shape"),
        ({"points": [1, 2], "labels": [1]}, "shape"),
        ({"points": [[1, float("nan")]], "labels": [1]}, "finite"),
        ({"points": [["a", 2]], "labels": [1]}, "numbers"),
        ({"points": [[1, 2]], "labels": [0.5]}, "integers"),
        ({"box": [1, 2, 3]}, "4 numbers"),
        ({"box": [10, 10, 5, 20]}, "x0<=x1"),
        ({"mask_input": np.zeros((1, 64, 64), np.float32)}, "mask_input"),
        ({"mask_input": np.full((256, 256), np.inf, np.float32)}, "NaN or infinite"),
    ],
)
def test_bad_prompts_are_refused(
    truck_predictor: ImagePredictor, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidPromptError, match=message) as info:
        truck_predictor.predict(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, EngineInputError) and isinstance(info.value, ValueError)


def test_single_mask_prediction_shapes(truck_predictor: ImagePredictor) -> None:
    h, w = truck_predictor.image_hw
    pred = truck_predictor.predict(box=np.array([425, 600, 700, 875]), multimask=False)
    assert pred.masks.shape == (1, h, w) and pred.masks.dtype == np.bool_
    assert pred.scores.shape == (1,) and pred.scores.dtype == np.float32
    assert pred.low_res_logits.shape == (1, 256, 256)
    assert np.abs(pred.low_res_logits).max() <= 32.0
    assert pred.best() == 0


def test_preprocess_is_normalised_rgb_at_model_size() -> None:
    image = np.zeros((30, 50, 3), np.uint8)
    image[..., 0] = 255  # pure red
    x = preprocess_image(image, size=64)
    assert x.shape == (1, 3, 64, 64) and x.dtype == torch.float32
    torch.testing.assert_close(
        x[0, :, 5, 5], torch.tensor([2.2489, -2.0357, -1.8044]), atol=1e-3, rtol=0
    )


def test_prompt_coordinates_scale_to_the_model_input_with_box_first() -> None:
    prompt = prompt_points_for_model(
        points=np.array([[50.0, 25.0]]),
        labels=np.array([1]),
        box=np.array([0.0, 0.0, 100.0, 50.0]),
        image_hw=(50, 100),
        size=1024,
    )
    assert prompt is not None
    coords, labels = prompt
    torch.testing.assert_close(
        coords, torch.tensor([[[0.0, 0.0], [1024.0, 1024.0], [512.0, 512.0]]])
    )
    assert labels.tolist() == [[2, 3, 1]]


def test_logits_to_masks_thresholds_at_zero_after_resizing() -> None:
    logits = torch.tensor([[[-1.0, 1.0], [-1.0, 1.0]]])
    masks = logits_to_masks(logits, 4, 6)
    assert masks.shape == (1, 4, 6)
    assert masks[0, :, :3].sum() == 0 and masks[0, :, 3:].all()


def test_pick_device() -> None:
    assert pick_device() == torch.device("cpu")
    assert pick_device("auto").type in {"cpu", "cuda", "mps"}
    with pytest.raises(ValueError, match="unknown device"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceUnavailableError):
            pick_device("cuda")
