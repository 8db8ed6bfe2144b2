"""Ordered, bounded-memory parallel map for the costly per-mask work of exports.

Tracing polygons is CPU-bound numpy/OpenCV work of about a millisecond a mask, so a
10,000-frame export spreads batches of frames over worker processes ("spawn": safe next to
the GUI's threads). Results come back in input order; at most `2 * workers` batches are in
flight, so memory stays flat however long the video. Small jobs run inline.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL_ITEMS = 2_000
"""Below this many masks, starting worker processes costs more than it saves."""


def default_workers(n_items: int) -> int:
    """Worker processes for n_items masks: 1 for small jobs, else the CPUs (at most 8)."""
    if n_items < MIN_PARALLEL_ITEMS:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(8, cpus or 1))


def ordered_map(
    fn: Callable[[list[T]], list[R]],
    items: Iterable[T],
    *,
    workers: int,
    batch: int = 64,
) -> Iterator[R]:
    """fn over batches of items, yielding each item's result in order.

    `fn` must be a module-level function (it is pickled for the workers).
    """
    it = iter(items)
    if workers <= 1:
        while chunk := list(islice(it, batch)):
            yield from fn(chunk)
        return
    ctx = multiprocessing.get_context("spawn")
    pending: deque[tuple[list[T], Future[list[R]]]] = deque()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            while True:
                while len(pending) < 2 * workers and (chunk := list(islice(it, batch))):
                    pending.append((chunk, pool.submit(fn, chunk)))
                if not pending:
                    return
                results = pending[0][1].result()
                pending.popleft()
                yield from results
    except BrokenProcessPool:
        # workers could not start (e.g. an unimportable __main__): finish in this process
        for chunk, _ in pending:
            yield from fn(chunk)
        while chunk := list(islice(it, batch)):
            yield from fn(chunk)
