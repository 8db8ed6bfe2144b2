"""Which attention kernel fast mode runs at each site, chosen per machine by a short
measurement that is cached on disk (``$ANNOTATOR_CACHE/kernel_choice.json``).

On a CPU, bfloat16 attention has two forms (see `annotator.engine.sam2.common.attend`): the
fused kernel, several times faster where the CPU has AMX, and chunked matmuls + softmax,
faster on CPUs whose bf16 matmuls are only AVX512-BF16. Which one wins depends on the CPU
and the torch build, so it is measured once, on shapes like the model's, and remembered
under a key naming the CPU, its bf16 features, the thread count and the torch version.
GPUs always use the fused kernel; float32 (exact mode) never consults the choice.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from annotator.engine.sam2.common import ATTENTION_SITES, CHUNKED, FUSED, chunked_attention

CACHE_FILE = "kernel_choice.json"
# (queries, keys, heads, channels, value channels) at each site: a quarter of the model's
# queries (1024 px, tiny), enough keys for the kernels to reach their steady rate
MEASURED_SHAPES: dict[str, tuple[int, int, int, int, int]] = {
    "encoder": (1024, 1024, 4, 96, 96),  # Hiera's global blocks: 4 heads of 96
    "memory_self": (1024, 4096, 1, 256, 256),
    "memory_cross": (1024, 8192, 1, 256, 64),  # chunked mixes the 64 raw memory channels
}
REPEATS = 5

_lock = threading.Lock()
_in_process: dict[str, dict[str, str]] = {}


def cache_path() -> Path:
    """``$ANNOTATOR_CACHE/kernel_choice.json``, else ``$XDG_CACHE_HOME/annotator/...``."""
    root = os.environ.get("ANNOTATOR_CACHE")
    if root:
        return Path(root).expanduser() / CACHE_FILE
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "annotator" / CACHE_FILE


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_bf16_features() -> tuple[bool, bool]:
    """(AMX tiles, AVX512-BF16) as torch's CPU dispatcher sees them."""
    cpu = torch.cpu
    amx = getattr(cpu, "_is_amx_tile_supported", None)
    avx = getattr(cpu, "_is_avx512_bf16_supported", None)
    return bool(amx and amx()), bool(avx and avx())


def machine_key(device: torch.device) -> str:
    """What a measurement depends on: the processor, its bf16 units, threads, torch."""
    if device.type == "cuda":
        return f"cuda {torch.cuda.get_device_name(device)} torch {torch.__version__}"
    amx, avx = cpu_bf16_features()
    return (
        f"cpu {cpu_name()} amx={int(amx)} avx512_bf16={int(avx)} "
        f"threads {torch.get_num_threads()} torch {torch.__version__}"
    )


def _time_site(
    shape: tuple[int, int, int, int, int], repeats: int, gen: torch.Generator
) -> dict[str, float]:
    """Seconds of both bf16 kernels on one (queries, keys, heads, channels, value channels):
    the shortest of `repeats` runs after a warm-up, the two taking turns so that both see
    the same disturbance from other jobs."""
    nq, nk, heads, dim, vdim = shape
    q, k, v_full, v_raw = (
        torch.randn(1, heads, n, d, generator=gen).bfloat16()
        for n, d in ((nq, dim), (nk, dim), (nk, dim), (nk, vdim))
    )
    kernels: dict[str, Callable[[], object]] = {
        FUSED: lambda: F.scaled_dot_product_attention(q, k, v_full),
        CHUNKED: lambda: chunked_attention(q, k, v_raw),
    }
    best = dict.fromkeys(kernels, float("inf"))
    for run in range(repeats + 1):
        for name, kernel in kernels.items():
            t0 = time.perf_counter()
            kernel()
            if run:  # the first round is the warm-up
                best[name] = min(best[name], time.perf_counter() - t0)
    return best


def measure_attention(repeats: int = REPEATS) -> dict[str, dict[str, float]]:
    """Seconds of the fused and the chunked bf16 CPU kernel at each site's shape (~1 s)."""
    gen = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        return {site: _time_site(shape, repeats, gen) for site, shape in MEASURED_SHAPES.items()}


def choose(timings: dict[str, dict[str, float]]) -> dict[str, str]:
    """The faster kernel at each measured site."""
    return {site: min(t, key=lambda name: t[name]) for site, t in timings.items()}


def _read_cache(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # absent or damaged: measured again and rewritten
    return data if isinstance(data, dict) else {}


def _cached_kernels(entry: object) -> dict[str, str] | None:
    """The {site: kernel} of a cache entry, or None where it is not a whole valid one."""
    kernels = entry.get("kernels") if isinstance(entry, dict) else None
    if not isinstance(kernels, dict) or set(kernels) != set(ATTENTION_SITES):
        return None
    if not set(kernels.values()) <= {FUSED, CHUNKED}:
        return None
    return {str(site): str(kernel) for site, kernel in kernels.items()}


def _write_cache(path: Path, data: dict[str, dict[str, object]]) -> None:
    """Atomic replace, so that two processes measuring at once leave a whole file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kernel_choice.")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs a measurement next time


def kernel_choice(
    device: torch.device, measure: Callable[[], dict[str, dict[str, float]]] = measure_attention
) -> dict[str, str]:
    """{site: FUSED | CHUNKED} for fast mode on `device`; measured on the first call on a
    new machine (about a second on a CPU), then read from the cache file."""
    if device.type != "cpu":
        return dict.fromkeys(ATTENTION_SITES, FUSED)
    key = machine_key(device)
    with _lock:
        if key in _in_process:
            return dict(_in_process[key])
        path = cache_path()
        cached = _read_cache(path)
        choice = _cached_kernels(cached.get(key))
        if choice is None:
            timings = measure()
            choice = choose(timings)
            cached[key] = {"kernels": choice, "seconds": timings, "measured": time.time()}
            _write_cache(path, cached)
        _in_process[key] = choice
        return dict(choice)


def forget_in_process_choice() -> None:
    """Drop the choices remembered by this process (the cache file stays): for tests and
    for `bench/propagate.py --remeasure`."""
    with _lock:
        _in_process.clear()
