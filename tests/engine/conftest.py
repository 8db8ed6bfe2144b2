"""Engine fixtures: models loaded from the seeded checkpoints (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from annotator.engine.image_predictor import ImagePredictor
from annotator.engine.sam2.config import MODEL_CONFIGS
from annotator.engine.sam2.model import SAM2Model


def load_seeded_model(path: Path, name: str) -> SAM2Model:
    """Build `name`'s config and strictly load a `{"model": sd}` checkpoint into it (eval)."""
    model = SAM2Model(MODEL_CONFIGS[name])
    sd = torch.load(path, map_location="cpu", weights_only=True)["model"]
    model.load_state_dict(sd, strict=True)
    return model.eval()


@pytest.fixture(scope="session")
def tiny21_model(seeded_checkpoint: Callable[..., Path]) -> SAM2Model:
    """sam2.1_hiera_tiny with the parity goldens' seed-0 weights (shared, do not mutate)."""
    return load_seeded_model(seeded_checkpoint("sam2.1_hiera_tiny"), "sam2.1_hiera_tiny")


@pytest.fixture(scope="session")
def truck_image(parity_dir: Path) -> np.ndarray:
    """The image parity scenario's input, read as the goldens were (OpenCV, BGR -> RGB)."""
    bgr = cv2.imread(str(parity_dir / "images" / "truck.jpg"), cv2.IMREAD_COLOR)
    assert bgr is not None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="session")
def truck_predictor(tiny21_model: SAM2Model, truck_image: np.ndarray) -> ImagePredictor:
    """An ImagePredictor on the seeded tiny 2.1 model with the truck image already encoded."""
    predictor = ImagePredictor(tiny21_model)
    predictor.set_image(truck_image)
    return predictor
