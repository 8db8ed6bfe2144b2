"""Torch thread settings for the engine thread, leaving a core to the GUI thread."""

from __future__ import annotations

import contextlib
import os

import torch


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def engine_thread_count(cores: int | None = None) -> int:
    """Intra-op threads for the engine: every core but one (at least one)."""
    n = cores if cores is not None else usable_cores()
    return max(1, n - 1)


def configure_engine_threads(num_threads: int | None = None) -> int:
    """Set torch's intra-op and inter-op thread counts; call it ON the engine thread (OpenMP
    counts are per calling thread). Returns the intra-op count in force."""
    n = num_threads if num_threads is not None else engine_thread_count()
    torch.set_num_threads(n)
    # the inter-op pool's size is fixed once it has started in this process
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(n)
    return torch.get_num_threads()
