"""Engine fixtures: seeded SAM2 checkpoints written by the shared `make_checkpoint.py`."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest
import torch

from annotator.engine.image_predictor import ImagePredictor
from annotator.engine.sam2.config import MODEL_CONFIGS
from annotator.engine.sam2.model import SAM2Model

PARITY = (Path(__file__).resolve().parents[2] / ".." / "shared" / "parity").resolve()


@pytest.fixture(scope="session")
def parity_dir() -> Path:
    """`../shared/parity`: manifests, goldens, scenarios and their input images."""
    if not PARITY.is_dir():
        pytest.fail(f"the parity data folder is missing: {PARITY}")
    return PARITY


@pytest.fixture(scope="session")
def make_checkpoint(parity_dir: Path) -> ModuleType:
    """The shared `make_checkpoint.py` imported from its file (for `make_state_dict`)."""
    spec = importlib.util.spec_from_file_location(
        "make_checkpoint", parity_dir / "make_checkpoint.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def seeded_checkpoint(
    make_checkpoint: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """`path = seeded_checkpoint(model, seed=0, object_bias=3.0)`: the file that
    `make_checkpoint.py MODEL --seed S --object-bias B` writes, cached for the session."""
    cache: dict[tuple[str, int, float], Path] = {}
    folder = tmp_path_factory.mktemp("checkpoints")

    def get(model: str, seed: int = 0, object_bias: float = 3.0) -> Path:
        key = (model, seed, object_bias)
        if key not in cache:
            sd = make_checkpoint.make_state_dict(model, seed, object_bias)
            path = folder / f"{model}_s{seed}_b{object_bias}.pt"
            torch.save({"model": sd}, path)
            cache[key] = path
        return cache[key]

    return get


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
