"""Fixtures of the window tests: a seeded tiny SAM2 on one engine service per module,
small generated frames, and a window over a project file wired to that engine."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from annotator.io.store import create_project
from annotator.service import EngineService
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.main_window import MainWindow

PARITY = Path(__file__).resolve().parents[2] / ".." / "shared" / "parity"
NUM_FRAMES = 6


def moving_square_frames(n: int = NUM_FRAMES) -> list[np.ndarray]:
    """`n` 128x96 RGB frames: a yellow block moving right over a dark background."""
    frames = []
    for i in range(n):
        frame = np.full((96, 128, 3), 40, np.uint8)
        frame[30:60, 20 + 5 * i : 50 + 5 * i] = (230, 200, 40)
        frames.append(frame)
    return frames


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded tiny checkpoint of ../shared/parity/make_checkpoint.py (seed 0)."""
    import torch

    spec = importlib.util.spec_from_file_location("make_checkpoint", PARITY / "make_checkpoint.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("ui-model") / "tiny.pt"
    torch.save({"model": module.make_state_dict("sam2.1_hiera_tiny", 0)}, path)
    return path


@pytest.fixture(scope="module")
def engine(tiny_checkpoint: Path) -> Iterator[EngineService]:
    """One engine thread with the tiny model loaded (at 256 px: fast), shared by a module;
    each window opens its own video session on it."""
    service = EngineService(num_threads=1)
    service.load_model(tiny_checkpoint, image_size=256).result(180)
    yield service
    assert service.shutdown(60)


@pytest.fixture
def annotator_window(qtbot, engine: EngineService, tmp_path: Path) -> Iterator[MainWindow]:
    """A shown window over a new project file, its engine session ready."""
    frames = moving_square_frames()
    project = create_project(tmp_path / "clip.annotator")
    bridge = EngineBridge(engine)
    window = MainWindow(frames, project=project, bridge=bridge)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    window.controller.start_engine(frames)
    qtbot.waitUntil(lambda: window.controller.engine_ready, timeout=60_000)
    yield window
    window.shutdown()
    if window.propagation.running:  # pragma: no cover - a test failed mid-run
        engine.cancel()
    project.close()
