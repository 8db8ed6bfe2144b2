"""Frame-source benchmark: exact random access, cache, proxies and the background pass.

Run: python bench/frames.py [video] [--samples N]
Prints, for the video (default ../shared/data/videos/01_dog.mp4): sequential decode fps, exact
random access p50/p95 cold and cached, proxy access p50/p95 after the pass, the pass's duration
and fps, and plain CAP_PROP_POS_FRAMES seeking p50/p95 on the same random indices.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.io.frames import open_frames  # noqa: E402

DEFAULT_VIDEO = REPO / ".." / "shared" / "data" / "videos" / "01_dog.mp4"


def pct(times: list[float]) -> str:
    """'p50 / p95 ms' of a list of durations in seconds."""
    ms = np.asarray(times) * 1e3
    return f"p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms"


def sequential_fps(path: Path) -> tuple[float, int]:
    """Frames per second of plain cap.read() from start to end (BGR, no conversion)."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    n = 0
    start = time.perf_counter()
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    elapsed = time.perf_counter() - start
    cap.release()
    return n / elapsed, n


def plain_seek_times(path: Path, indices: list[int]) -> tuple[list[float], float]:
    """Seconds per random access with CAP_PROP_POS_FRAMES + read on one capture, and the mean
    CPU seconds per access."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    cap.read()
    times = []
    cpu_start = time.process_time()
    for i in indices:
        start = time.perf_counter()
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, _ = cap.read()
        times.append(time.perf_counter() - start)
        assert ok
    cpu = (time.process_time() - cpu_start) / len(indices)
    cap.release()
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--samples", type=int, default=60, help="random indices to time")
    parser.add_argument("--decoders", type=int, default=3, help="decoder pool size")
    args = parser.parse_args()
    path: Path = args.video.resolve()

    fps, n = sequential_fps(path)
    indices = [int(i) for i in np.random.default_rng(0).integers(0, n, args.samples)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"video: {path.name}  frames: {n}  samples: {len(indices)}  cores: {os.cpu_count()}")
    print(f"load average before: {load}  (a shared machine makes every number noisy)")
    print(f"sequential decode (cap.read)        {fps:7.1f} fps")

    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        cpu_start = time.process_time()
        src = open_frames(path, proxy_dir=cache_dir, prefetch_depth=0, max_decoders=args.decoders)
        opened = time.perf_counter() - start
        assert src.wait_ready(600)
        pass_s = time.perf_counter() - start
        pass_cpu = time.process_time() - cpu_start
        print(f"open (until frame 0 readable)       {opened * 1e3:7.1f} ms")
        print(f"background pass (index + proxies)   {pass_s:7.2f} s  = {n / pass_s:6.1f} fps")
        print(
            f"  pass CPU time                     {pass_cpu * 1e3 / n:7.2f} ms/frame "
            f"(CPU-bound limit on 2 idle cores: {2 * n / pass_cpu:5.0f} fps)"
        )

        cold = []
        cpu_start = time.process_time()
        for i in indices:
            src.cache.clear()
            start = time.perf_counter()
            src[i]
            cold.append(time.perf_counter() - start)
        cold_cpu = (time.process_time() - cpu_start) / len(indices)
        cached = []
        for i in indices:
            src[i]
            start = time.perf_counter()
            src[i]
            cached.append(time.perf_counter() - start)
        proxy = []
        for i in indices:
            start = time.perf_counter()
            assert src.proxy(i) is not None
            proxy.append(time.perf_counter() - start)
        pool = src.decoders  # type: ignore[attr-defined]
        print(f"proxy access after the pass         {pct(proxy)}")
        print(f"exact random access, cached         {pct(cached)}")
        print(f"exact random access, cold           {pct(cold)}   CPU {cold_cpu * 1e3:6.1f} ms")
        plain, plain_cpu = plain_seek_times(path, indices)
        print(f"plain CAP_PROP_POS_FRAMES seeking   {pct(plain)}   CPU {plain_cpu * 1e3:6.1f} ms")
        ratio = np.percentile(cold, 50) / np.percentile(plain, 50)
        print(f"cold exact p50 / plain seek p50     {ratio:7.2f}   (target <= 0.5)")
        print(f"decoders: {pool.size} (seeks {pool.seeks}, restarts {pool.restarts})")
        src.close()

        start = time.perf_counter()
        again = open_frames(path, proxy_dir=cache_dir, prefetch_depth=0)
        reopen = time.perf_counter() - start
        print(
            f"reopen with cached proxies/index    {reopen * 1e3:7.1f} ms  (reused: "
            f"{again.proxies_reused}, count verified: {again.count_verified})"
        )
        again.close()


if __name__ == "__main__":
    main()
