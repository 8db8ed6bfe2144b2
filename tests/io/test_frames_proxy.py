"""Scrubbing proxies: close to the frames, reported progress, cancellable, reused on reopening."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from annotator.io.frames import PassState, open_frames
from annotator.io.frames.proxy import ProxyStore, encode_proxy, proxy_size
from tests.io.frames_support import SHARED_VIDEOS, psnr, sequential_frames, write_clip

DOG = SHARED_VIDEOS / "01_dog.mp4"


def test_proxy_size_keeps_aspect_and_bounds_long_side() -> None:
    assert proxy_size(1280, 720) == (640, 360)  # whole reduction factors only
    assert proxy_size(720, 1280) == (360, 640)
    assert proxy_size(1920, 1080) == (960, 540)
    assert proxy_size(3840, 2160) == (960, 540)
    assert proxy_size(2000, 1000) == (667, 333)
    assert proxy_size(640, 360) == (640, 360)  # never upscaled


def test_proxies_match_downscaled_frames_and_progress_is_reported(tmp_path: Path) -> None:
    sample = [0, 37, 150, 288]
    reference, _ = sequential_frames(DOG, keep=sample)
    progress: list[tuple[int, int]] = []
    with open_frames(
        DOG, proxy_dir=tmp_path, on_progress=lambda d, t: progress.append((d, t))
    ) as src:
        assert src.wait_ready(60)
        assert src.proxy_pass is not None and src.proxy_pass.state is PassState.DONE
        assert src.proxies_done == 289
        for k, i in enumerate(sample):
            proxy = src.proxy(i)
            assert proxy is not None and proxy.shape == (360, 640, 3) and proxy.dtype == np.uint8
            small = cv2.resize(reference[i], (640, 360), interpolation=cv2.INTER_AREA)
            assert psnr(proxy, small) > 30.0
            other = reference[sample[(k + 2) % len(sample)]]  # a distant frame: no match
            assert psnr(proxy, cv2.resize(other, (640, 360))) < 25.0
    done = [d for d, _ in progress]
    assert done == sorted(done) and progress[-1] == (289, 289)


def test_pass_cancels_and_keeps_partial_proxies(tmp_path: Path) -> None:
    reached = threading.Event()

    def on_progress(done: int, total: int) -> None:
        if done >= 16:
            reached.set()

    src = open_frames(DOG, proxy_dir=tmp_path, on_progress=on_progress)
    try:
        assert reached.wait(60)
        src.cancel_pass()
        assert src.proxy_pass is not None and src.proxy_pass.wait(30)
        assert src.proxy_pass.state is PassState.CANCELLED
        made = src.proxies_done
        assert 16 <= made < 289
        assert src.proxy(0) is not None and src.proxy(288) is None
        assert not src.count_verified
    finally:
        src.close()
    assert not list(tmp_path.glob("*.json"))  # nothing half-done is offered for reuse
    assert not list(tmp_path.iterdir())  # and the spill file is gone


def test_reopen_reuses_proxies_and_index(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=36)
    assert clip is not None
    with open_frames(clip, proxy_dir=tmp_path / "cache", wait=True) as first:
        assert not first.proxies_reused
        jpeg = first._proxies.jpeg(20)  # type: ignore[union-attr]
        keyframes = first.index.keyframes
    with open_frames(clip, proxy_dir=tmp_path / "cache", background=False) as again:
        assert again.proxies_reused and again.proxy_pass is None
        assert again.count_verified and len(again) == 36  # known without decoding
        assert again.index.keyframes == keyframes and keyframes[0] == 0
        assert again._proxies.jpeg(20) == jpeg  # type: ignore[union-attr]
        assert again.wait_ready(0)


def test_corrupt_cache_metadata_is_ignored(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=12)
    assert clip is not None
    cache = tmp_path / "cache"
    with open_frames(clip, proxy_dir=cache, wait=True) as src:
        fingerprint = src.fingerprint
    (cache / f"{fingerprint}.json").write_text("{ not json")
    with open_frames(clip, proxy_dir=cache, wait=True) as src:
        assert not src.proxies_reused and src.proxies_done == 12


def test_spilled_proxies_read_back_from_disk(tmp_path: Path) -> None:
    frames = [
        np.random.default_rng(k).integers(0, 255, (90, 120, 3), dtype=np.uint8) for k in range(6)
    ]
    encoded = [encode_proxy(f, (120, 90)) for f in frames]
    store = ProxyStore((120, 90), memory_bytes=len(encoded[0]) * 2, spill_path=tmp_path / "spill")
    for data in encoded:
        store.append(data)
    assert store.memory_bytes <= len(encoded[0]) * 2
    assert [store.jpeg(k) for k in range(6)] == encoded
    store.finish_writing()
    reloaded = ProxyStore.from_file((120, 90), tmp_path / "spill", store.spans(), memory_bytes=0)
    assert [reloaded.jpeg(k) for k in range(6)] == encoded
    assert reloaded.jpeg(6) is None and reloaded.get(-1) is None
    store.close()
    reloaded.close()


def test_prune_cache_dir_drops_least_recently_used(tmp_path: Path) -> None:
    import os
    import time

    from annotator.io.frames.proxy import prune_cache_dir

    now = time.time()
    for k, age in enumerate((300, 200, 100)):
        meta, data = tmp_path / f"fp{k}.json", tmp_path / f"fp{k}.proxies"
        meta.write_text("{}")
        data.write_bytes(b"x" * 1000)
        os.utime(meta, (now - age, now - age))
    stale = tmp_path / "fp9.proxies.abc123"
    stale.write_bytes(b"y" * 50)
    os.utime(stale, (now - 3 * 86400, now - 3 * 86400))
    fresh = tmp_path / "fp8.proxies.def456"  # a pass running right now: kept
    fresh.write_bytes(b"z" * 50)
    freed = prune_cache_dir(tmp_path, max_bytes=2100)
    assert freed == 1002 + 50
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fp1.json",
        "fp1.proxies",
        "fp2.json",
        "fp2.proxies",
        "fp8.proxies.def456",
    ]


def test_proxies_spill_beyond_memory_budget_without_a_cache(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=30, size=(320, 240))
    assert clip is not None
    reference, _ = sequential_frames(clip)
    with open_frames(clip, use_proxy_cache=False, proxy_memory_bytes=20_000, wait=True) as src:
        assert src._proxies is not None and src._proxies.memory_bytes <= 20_000
        spill = src._spill_path
        assert spill is not None and spill.stat().st_size > 20_000
        for i in (0, 29, 15):
            proxy = src.proxy(i)
            assert proxy is not None and psnr(proxy, reference[i]) > 30.0
    assert not spill.exists()  # a private spill file is removed on close


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    from annotator.io.frames import default_cache_dir

    monkeypatch.setenv("ANNOTATOR_CACHE", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a" / "proxies"
    monkeypatch.delenv("ANNOTATOR_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "annotator" / "proxies"


def test_an_unreadable_image_does_not_stop_the_pass_and_is_not_cached(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    for k in range(4):
        cv2.imwrite(str(tmp_path / f"{k}.png"), rng.integers(0, 255, (30, 40, 3), np.uint8))
    broken = tmp_path / "2.png"
    broken.write_bytes(broken.read_bytes()[:70])  # header intact: opening succeeds
    with open_frames(tmp_path, proxy_dir=tmp_path / "cache", wait=True) as src:
        assert src.proxy_pass is not None and src.proxy_pass.state is PassState.DONE
        assert src.proxies_done == 4 and src.proxy(3) is not None  # frame 2: a grey preview
        problem = src.frame_problem(2)
        assert problem is not None and "2.png" in problem
        assert src[3].shape == (30, 40, 3)
    assert not list((tmp_path / "cache").glob("*.json"))  # the placeholder is not kept
