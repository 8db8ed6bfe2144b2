"""A thread that decodes ahead of the readers, in their direction of travel, into the frame cache.

Forward, it keeps the next `depth` frames decoded (one decoder reading on, one decode a frame).
Backward, it decodes a whole block below the reader in ascending order, so stepping back costs
one reposition per block instead of one per frame.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from annotator.io.frames.errors import FrameSourceError

_log = logging.getLogger(__name__)


class Prefetcher:
    """Follows `hint(i)` calls; loads frames with `load(j)` (which fills the cache) on its thread.

    `is_cached(j)` tells which frames need no work and `count()` the current frame count. The
    direction is worked out per reader thread, so the GUI and the engine do not confuse it.
    """

    def __init__(
        self,
        load: Callable[[int], Any],
        is_cached: Callable[[int], bool],
        count: Callable[[], int],
        *,
        depth: int = 8,
        backward_block: int = 16,
    ) -> None:
        self._load = load
        self._is_cached = is_cached
        self._count = count
        self.depth = max(1, depth)
        self.backward_block = max(1, backward_block)
        self._cond = threading.Condition()
        self._generation = 0
        self._target = 0
        self._forward = True
        self._last_by_thread: dict[int, int] = {}
        self._stopped = False
        self._done_generation = 0
        self._request: tuple[int, Future[Any]] | None = None
        self.loaded = 0
        self._thread = threading.Thread(target=self._run, name="frames-prefetch", daemon=True)
        self._thread.start()

    def request(self, i: int, future: Future[Any]) -> None:
        """Decode frame i next (before any prefetching) and complete `future` with it.

        Only the newest request matters while scrubbing: an older one not yet started is
        cancelled.
        """
        with self._cond:
            if self._request is not None:
                self._request[1].cancel()
            self._request = (i, future)
        self.hint(i)

    def hint(self, i: int) -> None:
        """A reader just read frame i: prefetch around it in that reader's direction."""
        me = threading.get_ident()
        with self._cond:
            last = self._last_by_thread.get(me)
            if len(self._last_by_thread) > 64:
                self._last_by_thread.clear()
            self._last_by_thread[me] = i
            if last is not None and i != last:
                self._forward = i > last
            self._target = i
            self._generation += 1
            self._cond.notify()

    def _plan(self, i: int, forward: bool) -> list[int]:
        """Frames to load now, in the order to load them."""
        n = self._count()
        if forward:
            ahead = range(i + 1, min(i + 1 + self.depth, n))
            return [j for j in ahead if not self._is_cached(j)]
        # Backward: find the nearest missing frame below i; refill a block once the cushion is thin.
        lowest = max(0, i - self.backward_block)
        missing = next((j for j in range(i - 1, lowest - 1, -1) if not self._is_cached(j)), None)
        if missing is None:
            return []
        start = max(0, missing - self.backward_block + 1)
        return [j for j in range(start, missing + 1) if not self._is_cached(j)]

    def _run(self) -> None:
        seen = 0
        while True:
            with self._cond:
                while not self._stopped and self._generation == seen:
                    self._cond.wait()
                if self._stopped:
                    return
                seen = self._generation
                target, forward = self._target, self._forward
                request, self._request = self._request, None
            if request is not None:
                self._serve(*request)
            for j in self._plan(target, forward):
                with self._cond:
                    if self._stopped or (forward and self._generation != seen):
                        break
                try:
                    self._load(j)
                    self.loaded += 1
                except FrameSourceError:
                    break  # past the end, or closed: nothing more to do for this hint
                except Exception:
                    _log.exception("prefetching frame %d failed", j)
                    break
            with self._cond:
                self._done_generation = seen
                self._cond.notify_all()

    def _serve(self, i: int, future: Future[Any]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(self._load(i))
        except BaseException as exc:  # handed to whoever waits on the future
            future.set_exception(exc)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the work for the latest hint is done (for tests and benchmarks)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._stopped or self._done_generation == self._generation, timeout
            )

    def stop(self, timeout: float | None = 5.0) -> None:
        """End the thread (after the frame it is decoding) and wait for it."""
        with self._cond:
            self._stopped = True
            if self._request is not None:
                self._request[1].cancel()
                self._request = None
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
