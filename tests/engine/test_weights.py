"""The weights manager against a local HTTP server on 127.0.0.1: full download, a transfer
the server cuts off that resumes with a Range request, corrupt files that are never installed,
progress reports, and the registry of the eight official files."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from annotator.engine.sam2.config import MODEL_CONFIGS
from annotator.engine.weights import (
    DownloadCancelled,
    DownloadError,
    VerificationError,
    WeightsError,
    WeightsManager,
    default_base_url,
    default_cache_dir,
)
from annotator.engine.weights_registry import DEFAULT_BASE_URL, REGISTRY, WeightsEntry
from tests.engine._checkpoints import compact_state_dict, manifest, seeded_state_dict
from tests.engine._http import FileServer, serving

pytestmark = pytest.mark.timeout(120)

NAME = "sam2.1_hiera_tiny"
URL_PATH = REGISTRY[NAME].url_path


@pytest.fixture()
def server() -> Iterator[FileServer]:
    """The test's own HTTP server on 127.0.0.1."""
    with serving() as state:
        yield state


@pytest.fixture(scope="module")
def seeded_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The file `make_checkpoint.py sam2.1_hiera_tiny --seed 0` writes (156 MB)."""
    path = tmp_path_factory.mktemp("served") / "t.pt"
    torch.save({"model": seeded_state_dict(NAME)}, path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def small_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A compact tiny checkpoint (official keys and shapes, a few MB) for the quick cases."""
    path = tmp_path_factory.mktemp("served") / "c.pt"
    torch.save({"model": compact_state_dict(NAME)}, path)
    return path.read_bytes()


def _manager(server: FileServer, data: bytes, tmp_path: Path, **entry: object) -> WeightsManager:
    """A manager whose registry says the served `data` is the published tiny file."""
    server.files[URL_PATH] = data
    fields = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), **entry}
    registry = {NAME: replace(REGISTRY[NAME], **fields)}  # type: ignore[arg-type]
    return WeightsManager(
        tmp_path / "cache", base_url=server.url, registry=registry, timeout=10, chunk_size=1 << 18
    )


def _assert_monotone(calls: list[tuple[int, int]], size: int) -> None:
    done = [d for d, _ in calls]
    assert done == sorted(done), "progress went backwards"
    assert all(total == size for _, total in calls)
    assert calls[-1] == (size, size)


@pytest.mark.slow  # 156 MB through HTTP, fsync and SHA-256 twice
def test_full_download(server: FileServer, seeded_bytes: bytes, tmp_path: Path) -> None:
    manager = _manager(server, seeded_bytes, tmp_path)
    assert manager.status(NAME).state == "missing"
    calls: list[tuple[int, int]] = []
    path = manager.download(NAME, progress=lambda d, t: calls.append((d, t)))
    assert path == tmp_path / "cache" / "sam2.1_hiera_tiny.pt"
    assert path.read_bytes() == seeded_bytes
    assert not manager.part_path(NAME).exists()
    assert server.requests == [(URL_PATH, None)]
    _assert_monotone(calls, len(seeded_bytes))
    assert len(calls) > 10
    assert manager.status(NAME).state == "cached"
    report = manager.verify(NAME)
    assert report.official is True and report.info.config.name == NAME
    manager.download(NAME)  # already there: no second request
    assert len(server.requests) == 1


def test_cut_off_transfer_resumes_with_range(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    cut = len(small_bytes) // 3
    server.cut_after = [cut]
    calls: list[tuple[int, int]] = []
    path = manager.download(NAME, progress=lambda d, t: calls.append((d, t)), retries=2)
    assert path.read_bytes() == small_bytes
    (first, no_range), (second, range_header) = server.requests
    assert first == second == URL_PATH and no_range is None
    match = re.fullmatch(r"bytes=(\d+)-", range_header or "")
    assert match, range_header
    assert 0 < int(match.group(1)) <= cut
    _assert_monotone(calls, len(small_bytes))


def test_a_failed_download_keeps_its_part_and_the_next_one_resumes(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    server.cut_after = [len(small_bytes) // 2]
    with pytest.raises(DownloadError, match="next download resumes"):
        manager.download(NAME, retries=0)
    kept = manager.part_path(NAME).stat().st_size
    assert 0 < kept <= len(small_bytes) // 2
    assert manager.status(NAME).state == "partial"
    assert not manager.path(NAME).exists()
    manager.download(NAME)
    assert manager.path(NAME).read_bytes() == small_bytes
    assert server.requests[-1] == (URL_PATH, f"bytes={kept}-")


def test_a_server_ignoring_range_restarts_cleanly(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    server.cut_after = [len(small_bytes) // 2]
    server.ignore_range = True
    path = manager.download(NAME, retries=1)
    assert path.read_bytes() == small_bytes


def test_cancel_keeps_the_part(server: FileServer, small_bytes: bytes, tmp_path: Path) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > 0:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        manager.download(NAME, progress=progress, cancel=cancel)
    assert manager.status(NAME).state == "partial"
    assert not manager.path(NAME).exists()


def test_a_server_offering_another_size_is_refused(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path, size=len(small_bytes) + 10)
    with pytest.raises(DownloadError, match="offers"):
        manager.download(NAME)
    assert not manager.path(NAME).exists()
    assert not manager.part_path(NAME).exists()


def test_a_file_that_does_not_load_is_not_installed(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    garbage = bytes(len(small_bytes))  # right size, no digest known: only loading can tell
    manager = _manager(server, garbage, tmp_path, sha256=None)
    with pytest.raises(VerificationError, match="not a loadable sam2.1_hiera_tiny"):
        manager.download(NAME)
    assert not manager.path(NAME).exists()
    assert not manager.part_path(NAME).exists()


def test_a_file_of_another_model_is_not_installed(
    server: FileServer, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("other") / "s.pt"
    torch.save({"model": compact_state_dict("sam2_hiera_tiny")}, path)
    manager = _manager(server, path.read_bytes(), tmp_path, sha256=None)
    with pytest.raises(VerificationError, match="sam2_hiera_tiny"):
        manager.download(NAME)
    assert not manager.path(NAME).exists()


def test_a_wrong_digest_is_not_installed(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    flipped = bytearray(small_bytes)
    flipped[len(flipped) // 2] ^= 0xFF  # still loads: only the digest can tell
    server.files[URL_PATH] = bytes(flipped)
    with pytest.raises(VerificationError, match="SHA-256"):
        manager.download(NAME)
    assert not manager.path(NAME).exists()
    assert not manager.part_path(NAME).exists()


def test_http_errors_and_unknown_names(server: FileServer, tmp_path: Path) -> None:
    manager = WeightsManager(tmp_path, base_url=server.url, timeout=10)
    with pytest.raises(DownloadError, match="404"):
        manager.download(NAME)
    with pytest.raises(WeightsError, match="known models: sam2_hiera_tiny"):
        manager.download("sam3_hiera_huge")
    unreachable = WeightsManager(tmp_path, base_url="http://127.0.0.1:9", timeout=5)
    with pytest.raises(DownloadError):
        unreachable.download(NAME)


def test_verify_finds_damaged_cached_files(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    with pytest.raises(VerificationError, match="not downloaded"):
        manager.verify(NAME)
    path = manager.download(NAME)
    path.write_bytes(small_bytes[:-100])
    assert manager.status(NAME).state == "wrong-size"
    with pytest.raises(VerificationError, match="bytes"):
        manager.verify(NAME)
    other = tmp_path / "elsewhere.pt"
    other.write_bytes(small_bytes)
    report = manager.verify(other)  # by path: identified, strictly checked
    assert report.info.config.name == NAME and report.official is True
    other.write_bytes(b"{}")
    with pytest.raises(VerificationError, match="JSON"):
        manager.verify(other)


def test_cache_dir_and_base_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ANNOTATOR_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "models"
    monkeypatch.delenv("ANNOTATOR_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "annotator" / "models"
    monkeypatch.delenv("ANNOTATOR_WEIGHTS_URL", raising=False)
    assert default_base_url() == DEFAULT_BASE_URL
    monkeypatch.setenv("ANNOTATOR_WEIGHTS_URL", "http://127.0.0.1:1/m")
    assert WeightsManager().base_url == "http://127.0.0.1:1/m"


def test_registry_lists_the_eight_official_files() -> None:
    assert set(REGISTRY) == set(MODEL_CONFIGS)
    for name, entry in REGISTRY.items():
        release = "092824" if name.startswith("sam2.1") else "072824"
        assert entry.url() == (
            f"https://dl.fbaipublicfiles.com/segment_anything_2/{release}/{name}.pt"
        )
        assert entry.filename == f"{name}.pt"
        assert entry.sha256 is not None and len(entry.sha256) == 64
        # a float32 file holds 4 bytes per value plus some kB of pickle and zip headers
        payload = 4 * sum(_numel(shape) for shape in manifest(name).values())
        assert 0 < entry.size - payload < 1_000_000, name


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def test_entry_urls_follow_the_base_url() -> None:
    entry = WeightsEntry(name="x", url_path="r/x.pt", size=1)
    assert entry.url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/r/x.pt"


def test_a_second_process_cannot_download_the_same_model(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    fcntl = pytest.importorskip("fcntl")
    manager = _manager(server, small_bytes, tmp_path)
    manager.cache_dir.mkdir(parents=True)
    # flock locks belong to the open file, so a second handle acts like another process
    with (manager.cache_dir / "sam2.1_hiera_tiny.pt.lock").open("a") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(DownloadError, match="already being downloaded"):
            manager.download(NAME)
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    assert server.requests == []
    assert manager.download(NAME).read_bytes() == small_bytes


def test_an_unwritable_cache_is_a_download_error(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    manager.cache_dir.parent.mkdir(parents=True, exist_ok=True)
    manager.cache_dir.write_text("a file where the cache folder should be")
    with pytest.raises(DownloadError, match="cannot write"):
        manager.download(NAME)


def _flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_cached_file_of_the_right_size_but_another_digest_is_not_cached(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    path = manager.download(NAME)
    assert manager.status(NAME).state == "cached"
    _flip_middle_byte(path)  # same size, new mtime: the digest is checked again
    status = manager.status(NAME)
    assert status.state == "corrupt" and status.bytes_present == len(small_bytes)
    with pytest.raises(WeightsError) as caught:
        manager.checkpoint_for(NAME)
    message = str(caught.value)
    assert str(path) in message and "SHA-256" in message
    assert f"annotator models download {NAME}`" in message
    manager.download(NAME)  # not taken as complete: fetched again and replaced
    assert path.read_bytes() == small_bytes and manager.status(NAME).state == "cached"
    assert len(server.requests) == 2


def test_a_file_put_into_the_cache_by_hand_is_checked_before_it_is_listed(
    server: FileServer, small_bytes: bytes, tmp_path: Path
) -> None:
    manager = _manager(server, small_bytes, tmp_path)
    manager.cache_dir.mkdir(parents=True)
    wrong = bytearray(small_bytes)
    wrong[100] ^= 0x01
    manager.path(NAME).write_bytes(bytes(wrong))
    assert manager.status(NAME).state == "corrupt"
    manager.path(NAME).write_bytes(small_bytes)
    assert manager.status(NAME).state == "cached"
    assert manager.checkpoint_for(NAME) == manager.path(NAME)
