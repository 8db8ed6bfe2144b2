"""Byte-budgeted LRU cache of per-frame image features, so re-propagation skips the encoder."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import Tensor

# Per-frame features of the 1024 px model in float32 are about 16 MB; never size the
# default below a handful of frames or above what is sensible to hold.
_MIN_DEFAULT = 256 * 2**20
_MAX_DEFAULT = 16 * 2**30


def default_cache_bytes(fraction: float = 0.25) -> int:
    """A budget sized to the machine: a quarter of physical RAM, within 256 MB .. 16 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 * 2**30
    return int(min(_MAX_DEFAULT, max(_MIN_DEFAULT, total * fraction)))


@dataclass
class FrameFeatures:
    """One frame's image features as track_step consumes them.

    vision_feats[i]: (H_i*W_i, 1, C_i) sequence-first maps, highest resolution first
    (256², 128², 64² for 1024 px); feat_sizes[i] = (H_i, W_i).
    """

    vision_feats: list[Tensor]
    feat_sizes: list[tuple[int, int]]
    nbytes: int = field(init=False)

    def __post_init__(self) -> None:
        self.nbytes = sum(t.numel() * t.element_size() for t in self.vision_feats)


class FeatureCache:
    """LRU map frame index → FrameFeatures holding at most ``max_bytes`` (thread-safe).

    ``encoder_calls`` counts misses that ran the encoder through :meth:`get_or_compute`.
    """

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = default_cache_bytes() if max_bytes is None else int(max_bytes)
        self._items: OrderedDict[int, FrameFeatures] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.encoder_calls = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, frame: object) -> bool:
        return frame in self._items

    @property
    def nbytes(self) -> int:
        """Bytes currently held."""
        return self._bytes

    def capacity_frames(self, frame_bytes: int) -> int:
        """How many frames of ``frame_bytes`` each fit in the budget."""
        return self.max_bytes // max(1, frame_bytes)

    def get(self, frame: int) -> FrameFeatures | None:
        with self._lock:
            item = self._items.get(frame)
            if item is not None:
                self._items.move_to_end(frame)
            return item

    def put(self, frame: int, features: FrameFeatures) -> None:
        """Insert (or refresh) a frame, evicting least recently used ones over the budget."""
        with self._lock:
            old = self._items.pop(frame, None)
            if old is not None:
                self._bytes -= old.nbytes
            if features.nbytes > self.max_bytes:
                return  # a budget smaller than one frame caches nothing
            self._items[frame] = features
            self._bytes += features.nbytes
            while self._bytes > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.nbytes

    def get_or_compute(self, frame: int, compute: Callable[[], FrameFeatures]) -> FrameFeatures:
        """Cached features of ``frame``, computing (and caching) them on a miss."""
        item = self.get(frame)
        if item is not None:
            self.hits += 1
            return item
        self.encoder_calls += 1
        item = compute()
        self.put(frame, item)
        return item

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
