"""`annotator models list|download|verify` end to end, against a local HTTP server."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from annotator.cli import main
from annotator.engine.weights_registry import REGISTRY
from tests.engine._checkpoints import compact_state_dict
from tests.engine._http import FileServer, serving

pytestmark = pytest.mark.timeout(120)

NAME = "sam2.1_hiera_tiny"


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("served") / "c.pt"
    torch.save({"model": compact_state_dict(NAME)}, path)
    return path.read_bytes()


@pytest.fixture()
def server(
    checkpoint_bytes: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FileServer]:
    """Serves the checkpoint as the tiny model; the registry's size and digest say so too."""
    monkeypatch.setitem(
        REGISTRY,
        NAME,
        replace(
            REGISTRY[NAME],
            size=len(checkpoint_bytes),
            sha256=hashlib.sha256(checkpoint_bytes).hexdigest(),
        ),
    )
    monkeypatch.setenv("ANNOTATOR_CACHE", str(tmp_path / "cache"))
    with serving() as state:
        state.files[REGISTRY[NAME].url_path] = checkpoint_bytes
        monkeypatch.setenv("ANNOTATOR_WEIGHTS_URL", state.url)
        yield state


def test_list_download_verify(
    server: FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache" / "models"
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert f"cache: {cache}" in out
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(lines) == set(REGISTRY)
    assert "missing" in lines[NAME] and str(cache / f"{NAME}.pt") in lines[NAME]

    assert main(["models", "download", NAME]) == 0
    captured = capsys.readouterr()
    assert f"downloaded and verified: {cache / f'{NAME}.pt'}" in captured.out
    assert "(100%)" in captured.err  # the progress line reached the end
    assert (cache / f"{NAME}.pt").is_file()

    assert main(["models", "list"]) == 0
    assert "cached" in {ln.split()[0]: ln for ln in capsys.readouterr().out.splitlines()[2:]}[NAME]

    assert main(["models", "download", NAME]) == 0  # nothing to do
    assert "already downloaded" in capsys.readouterr().out
    assert len(server.requests) == 1
    assert main(["models", "download", NAME, "--force"]) == 0
    capsys.readouterr()
    assert len(server.requests) == 2

    assert main(["models", "verify", NAME]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["models", "verify"]) == 0  # every cached model
    out = capsys.readouterr().out
    assert NAME in out and "identical to the published file" in out


def test_verify_a_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "renamed.pt"
    torch.save({"model": compact_state_dict("sam2_hiera_tiny")}, good)
    assert main(["models", "verify", str(good), "--no-checksum"]) == 0
    assert "sam2_hiera_tiny (SAM2.0 tiny)" in capsys.readouterr().out
    bad = tmp_path / "notes.pt"
    bad.write_text('{"a": 1}')
    assert main(["models", "verify", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "JSON" in err


def test_errors_have_messages_and_exit_codes(
    server: FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "download", "sam3_hiera_huge"]) == 2
    assert "known models: sam2_hiera_tiny" in capsys.readouterr().err
    assert main(["models", "verify", "sam3_hiera_huge"]) == 2
    capsys.readouterr()
    assert main(["models", "verify", NAME]) == 1
    assert "not downloaded" in capsys.readouterr().err
    server.files.clear()  # the server now answers 404
    assert main(["models", "download", NAME]) == 1
    assert "404" in capsys.readouterr().err
    server.files[REGISTRY[NAME].url_path] = b"x" * REGISTRY[NAME].size
    assert main(["models", "download", NAME]) == 1
    assert "SHA-256" in capsys.readouterr().err
    assert not (tmp_path / "cache" / "models" / f"{NAME}.pt").exists()
