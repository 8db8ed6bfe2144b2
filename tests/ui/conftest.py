"""Fixtures of the window tests: a seeded tiny SAM2 on one engine service per module,
small generated frames, and a window over a project file wired to that engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from annotator.domain import Project
from annotator.io.store import create_project
from annotator.service import EngineService
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.main_window import MainWindow

NUM_FRAMES = 6


def moving_square_frames(n: int = NUM_FRAMES) -> list[np.ndarray]:
    """`n` 128x96 RGB frames: a yellow block moving right over a dark background."""
    frames = []
    for i in range(n):
        frame = np.full((96, 128, 3), 40, np.uint8)
        frame[30:60, 20 + 5 * i : 50 + 5 * i] = (230, 200, 40)
        frames.append(frame)
    return frames


@pytest.fixture(autouse=True)
def _own_settings(tmp_path: Path, monkeypatch) -> None:
    """Each window test its own settings file (a model or shortcuts saved by one test must
    not reach the next)."""
    monkeypatch.setenv("ANNOTATOR_CONFIG", str(tmp_path / "config"))


@pytest.fixture(scope="session")
def tiny_checkpoint(seeded_checkpoint: Callable[..., Path]) -> Path:
    """The file `make_checkpoint.py sam2.1_hiera_tiny --seed 0` writes."""
    return seeded_checkpoint("sam2.1_hiera_tiny")


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
    window.controller.start_engine(frames, fast=False)  # exact: the same on every CPU
    qtbot.waitUntil(lambda: window.controller.engine_ready, timeout=60_000)
    yield window
    window.shutdown()
    if window.propagation.running:  # pragma: no cover - a test failed mid-run
        engine.cancel()
    project.close()


@pytest.fixture
def bare_window(qtbot) -> Iterator[MainWindow]:
    """A shown, active window over an in-memory project of the moving-square frames, with
    no engine (for panels, lanes and keys)."""
    window = MainWindow(moving_square_frames(), project=Project())
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    yield window
    window.shutdown()
