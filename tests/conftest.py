"""Suite-wide settings: Qt runs offscreen; paths to the shared test data beside the repository;
the seeded SAM2 checkpoints that `../shared/parity/make_checkpoint.py` writes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` beside the repository (read-only test data and parity goldens)."""
    if not SHARED.is_dir():
        pytest.fail(f"the shared test data folder is missing: {SHARED}")
    return SHARED


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep caches, config, data and recent-project lists of tests out of the user's home:
    session-wide, so module- and session-scoped fixtures are covered too (a module fixture
    once found the user's own proxy cache)."""
    base = tmp_path_factory.getbasetemp()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE", str(base / "cache"))
        patch.setenv("ANNOTATOR_CONFIG", str(base / "config"))
        patch.setenv("ANNOTATOR_DATA", str(base / "data"))
        yield


PARITY = SHARED / "parity"


@pytest.fixture(scope="session")
def parity_dir() -> Path:
    """`../shared/parity`: manifests, goldens, scenarios and their input images."""
    if not PARITY.is_dir():
        pytest.fail(f"the parity data folder is missing: {PARITY}")
    return PARITY


@pytest.fixture(scope="session")
def make_checkpoint(parity_dir: Path) -> ModuleType:
    """The shared `make_checkpoint.py` imported from its file (for `make_state_dict`)."""
    from tests.engine._checkpoints import make_checkpoint_module

    return make_checkpoint_module()


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
            import torch

            sd = make_checkpoint.make_state_dict(model, seed, object_bias)
            path = folder / f"{model}_s{seed}_b{object_bias}.pt"
            torch.save({"model": sd}, path)
            cache[key] = path
        return cache[key]

    return get
