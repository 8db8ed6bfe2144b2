"""LoadModel by name downloads through the weights manager, with progress and cancel."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from annotator.service import DownloadProgress, EngineFailure, EngineService, ModelLoaded
from tests.engine._http import serving

from .conftest import MODEL, PARITY


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A small file with the tiny model's official keys and shapes (views of one buffer)."""
    import torch

    shapes = json.loads((PARITY / "manifests" / f"{MODEL}.json").read_text())["tensors"]
    buffer = torch.linspace(-1.0, 1.0, max(math.prod(s) for s in shapes.values()))
    sd = {k: buffer[: math.prod(s)].view(s) for k, s in shapes.items()}
    path = tmp_path_factory.mktemp("served") / "tiny.pt"
    torch.save({"model": sd}, path)
    return path.read_bytes()


@pytest.fixture
def manager(checkpoint_bytes: bytes, tmp_path: Path) -> Iterator[object]:
    """A weights manager whose registry says the served bytes are the published tiny file."""
    from annotator.engine.weights import WeightsManager
    from annotator.engine.weights_registry import REGISTRY

    with serving() as server:
        server.files[REGISTRY[MODEL].url_path] = checkpoint_bytes
        digest = hashlib.sha256(checkpoint_bytes).hexdigest()
        entry = replace(REGISTRY[MODEL], size=len(checkpoint_bytes), sha256=digest)
        yield WeightsManager(
            tmp_path / "cache",
            base_url=server.url,
            registry={MODEL: entry},
            timeout=10,
            chunk_size=1 << 16,
        )


def _check_progress(events: list[DownloadProgress], size: int) -> None:
    done = [e.done_bytes for e in events]
    assert done == sorted(done) and done[-1] == size
    assert all(e.total_bytes == size for e in events)


def test_load_model_by_name_downloads_with_progress(manager, checkpoint_bytes, log) -> None:
    with EngineService(num_threads=1, listeners=[log], weights=manager) as svc:
        loaded = svc.load_model(MODEL).result(120)
    assert isinstance(loaded, ModelLoaded) and loaded.model_name == MODEL
    progress = log.of(DownloadProgress)
    assert len(progress) >= 2 and {e.request_id for e in progress} == {loaded.request_id}
    _check_progress(progress, len(checkpoint_bytes))
    assert log.events.index(progress[-1]) < log.events.index(loaded)


def test_cancel_stops_a_download_and_the_next_load_resumes(manager, checkpoint_bytes, log) -> None:
    with EngineService(num_threads=1, listeners=[log], weights=manager) as svc:

        def cancel_once_bytes_arrive(event: object) -> None:
            if isinstance(event, DownloadProgress) and event.done_bytes > 0:
                svc.cancel()

        log.hooks.append(cancel_once_bytes_arrive)
        with pytest.raises(EngineFailure) as failure:
            svc.load_model(MODEL).result(120)
        assert "Cancel" in failure.value.kind and svc.alive
        log.hooks.clear()
        cut = log.of(DownloadProgress)[-1].done_bytes
        assert 0 < cut < len(checkpoint_bytes)
        loaded = svc.load_model(MODEL).result(120)
    assert isinstance(loaded, ModelLoaded)
    resumed = [e for e in log.of(DownloadProgress) if e.request_id == loaded.request_id]
    assert resumed[0].done_bytes > 0  # resumed from the partial file, not from zero
    _check_progress(resumed, len(checkpoint_bytes))
