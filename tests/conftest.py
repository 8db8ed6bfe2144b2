"""Suite-wide settings: Qt runs offscreen; paths to the shared test data beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Keep caches, config, data and recent-project lists of tests out of the user's home."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("ANNOTATOR_CACHE", str(base / "cache"))
    monkeypatch.setenv("ANNOTATOR_CONFIG", str(base / "config"))
    monkeypatch.setenv("ANNOTATOR_DATA", str(base / "data"))
