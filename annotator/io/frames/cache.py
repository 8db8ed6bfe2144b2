"""A thread-safe LRU cache of decoded full-resolution frames, bounded by bytes rather than count.

Frames are stored read-only, so a reader cannot corrupt what another reader will get later.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

DEFAULT_CACHE_BYTES = 512 * 1024 * 1024


class FrameCache:
    """LRU map frame index → RGB uint8 array, evicting least recently used beyond `budget_bytes`.

    Every method takes one internal lock, so the GUI, the engine and the prefetch thread may use
    one cache at once. A frame larger than the whole budget is simply not kept.
    """

    def __init__(self, budget_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if budget_bytes < 0:
            raise ValueError(f"cache budget must be >= 0 bytes, got {budget_bytes}")
        self._budget = int(budget_bytes)
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def budget_bytes(self) -> int:
        """The most bytes of frame data the cache holds at any moment."""
        return self._budget

    @property
    def nbytes(self) -> int:
        """Bytes of frame data held now (always <= budget_bytes)."""
        with self._lock:
            return self._nbytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._frames)

    def __contains__(self, index: object) -> bool:
        with self._lock:
            return index in self._frames

    def get(self, index: int) -> np.ndarray | None:
        """The cached frame (marking it most recently used), or None."""
        with self._lock:
            frame = self._frames.get(index)
            if frame is None:
                self.misses += 1
                return None
            self._frames.move_to_end(index)
            self.hits += 1
            return frame

    def put(self, index: int, frame: np.ndarray) -> None:
        """Keep `frame` (made read-only) under `index`, evicting old frames to stay in budget."""
        size = int(frame.nbytes)
        if size > self._budget:
            return
        frame.flags.writeable = False
        with self._lock:
            old = self._frames.pop(index, None)
            if old is not None:
                self._nbytes -= int(old.nbytes)
            while self._frames and self._nbytes + size > self._budget:
                _, evicted = self._frames.popitem(last=False)
                self._nbytes -= int(evicted.nbytes)
            self._frames[index] = frame
            self._nbytes += size

    def clear(self) -> None:
        """Drop every cached frame."""
        with self._lock:
            self._frames.clear()
            self._nbytes = 0

    def indices(self) -> list[int]:
        """Cached indices, least recently used first (for tests and diagnostics)."""
        with self._lock:
            return list(self._frames)
