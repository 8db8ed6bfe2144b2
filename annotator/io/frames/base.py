"""The frame-source contract shared by video files and image folders.

`src[i]` returns frame i as a read-only RGB uint8 array of shape (H, W, 3), identical to what
sequential decoding gives. Reads go through an LRU cache of decoded frames (byte budget) and
feed a prefetch thread; `src.proxy(i)` returns a small JPEG-backed preview at once, made by one
background pass after opening.

Thread safety: every public method may be called from any thread at once (GUI, engine,
prefetch). Concurrent reads of the same frame decode it once; video sources give each
concurrent reader its own decoder from a small pool (see decoder.py).
"""

from __future__ import annotations

import operator
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from annotator.io.frames.background import BackgroundPass, FrameFeed, PassState, ProgressCallback
from annotator.io.frames.cache import FrameCache
from annotator.io.frames.errors import FrameIndexError, FrameSourceError, SourceClosedError
from annotator.io.frames.keyframes import FrameIndex
from annotator.io.frames.prefetch import Prefetcher
from annotator.io.frames.proxy import (
    DEFAULT_PROXY_MEMORY_BYTES,
    ProxyCacheEntry,
    ProxyStore,
    proxy_size,
    prune_cache_dir,
)


def _private_spill_file() -> Path | None:
    """A temp file for proxies that will not be kept (deleted by close())."""
    try:
        fd, name = tempfile.mkstemp(prefix="annotator-proxies-")
    except OSError:
        return None
    os.close(fd)
    return Path(name)


class FrameSource(ABC):
    """Random access to the frames of one video or image folder (see the module docstring).

    Attributes: `path`, `kind` ("video" or "images"), `width`, `height`, `fps`, `fingerprint`,
    `num_frames` (== len), `count_verified`, `damaged`, `warning`.
    """

    kind = "abstract"

    def __init__(
        self,
        path: Path,
        *,
        width: int,
        height: int,
        fps: float,
        fingerprint: str,
        cache: FrameCache,
        prefetch_depth: int,
    ) -> None:
        self.path = path
        self.width = width
        self.height = height
        self.fps = fps
        self.fingerprint = fingerprint
        self.damaged = False
        self.warning: str | None = None
        self._problems: dict[int, str] = {}  # frame -> why it cannot be decoded
        self.proxies_reused = False
        self.cache = cache
        self._closed = False
        self._inflight: dict[int, threading.Event] = {}
        self._inflight_lock = threading.Lock()
        self._index = FrameIndex()
        self._proxies: ProxyStore | None = None
        self._pass: BackgroundPass | None = None
        self._cache_entry: ProxyCacheEntry | None = None
        self._spill_path: Path | None = None
        self._prefetcher: Prefetcher | None = None
        frame_bytes = max(1, width * height * 3)
        depth = min(prefetch_depth, cache.budget_bytes // (4 * frame_bytes))
        if depth > 0:
            self._prefetcher = Prefetcher(
                self._load,
                self.cache.__contains__,
                lambda: self.num_frames,
                depth=depth,
                backward_block=depth * 2,
            )

    # --- size -------------------------------------------------------------------------------
    @property
    @abstractmethod
    def num_frames(self) -> int:
        """Frames readable now: verified once the background pass has finished."""

    @property
    @abstractmethod
    def count_verified(self) -> bool:
        """Whether `num_frames` was counted by decoding (not just read from the container)."""

    def __len__(self) -> int:
        return self.num_frames

    @property
    def index(self) -> FrameIndex:
        """Timestamps and keyframes found so far by the background pass."""
        return self._index

    # --- exact frames -----------------------------------------------------------------------
    def _check_index(self, index: object) -> int:
        if self._closed:
            raise SourceClosedError(f"{self.path.name} is closed")
        if isinstance(index, bool):
            raise FrameIndexError(f"frame index must be an integer, got {index!r}")
        try:
            i = operator.index(index)  # type: ignore[arg-type]
        except TypeError:
            raise FrameIndexError(
                f"frame index must be an integer, got {type(index).__name__}"
            ) from None
        n = self.num_frames
        if i < 0 or i >= n:
            raise FrameIndexError(
                f"frame {i} does not exist in {self.path.name} (frames 0..{n - 1})"
            )
        return i

    def __getitem__(self, index: int) -> np.ndarray:
        """Frame `index` as read-only RGB uint8 (H, W, 3); FrameIndexError if out of range."""
        i = self._check_index(index)
        frame = self._load(i)
        if self._prefetcher is not None:
            self._prefetcher.hint(i)
        return frame

    def peek(self, index: int) -> np.ndarray | None:
        """Frame `index` if it is in the cache already, else None; never decodes (GUI-safe)."""
        return self.cache.get(self._check_index(index))

    def request(self, index: int) -> Future[np.ndarray]:
        """Frame `index` decoded on the prefetch thread; returns at once (GUI-safe).

        The future completes on that thread (add_done_callback runs there: hop to the GUI
        thread yourself). A newer request cancels an older one not yet started. Without a
        prefetch thread (prefetch_depth=0 or no cache) the frame is decoded before returning.
        """
        i = self._check_index(index)
        future: Future[np.ndarray] = Future()
        cached = self.cache.get(i)
        if cached is not None:
            future.set_result(cached)
            if self._prefetcher is not None:
                self._prefetcher.hint(i)
        elif self._prefetcher is not None:
            self._prefetcher.request(i, future)
        else:
            future.set_running_or_notify_cancel()
            try:
                future.set_result(self._load(i))
            except FrameSourceError as exc:
                future.set_exception(exc)
        return future

    def frame_problem(self, index: int) -> str | None:
        """Why frame `index` cannot be decoded, once a read or the background pass found
        out, else None (GUI-safe: never decodes)."""
        return self._problems.get(self._check_index(index))

    def _note_problem(self, index: int, message: str) -> None:
        self._problems[index] = message

    @property
    def prefetcher(self) -> Prefetcher | None:
        """The prefetch thread (None when prefetching is off)."""
        return self._prefetcher

    def read(self, index: int) -> np.ndarray:
        """Same as `src[index]`."""
        return self[index]

    def _load(self, i: int) -> np.ndarray:
        """Frame i from the cache, or decoded once (other threads wanting it wait for that)."""
        while True:
            if self._closed:
                raise SourceClosedError(f"{self.path.name} is closed")
            frame = self.cache.get(i)
            if frame is not None:
                return frame
            with self._inflight_lock:
                event = self._inflight.get(i)
                owner = event is None
                if owner:
                    event = self._inflight[i] = threading.Event()
            assert event is not None
            if not owner:
                event.wait(timeout=30.0)
                continue
            try:
                frame = self._decode(i)
                frame.flags.writeable = False
                self.cache.put(i, frame)
                return frame
            finally:
                with self._inflight_lock:
                    del self._inflight[i]
                event.set()

    @abstractmethod
    def _decode(self, i: int) -> np.ndarray:
        """Decode frame i (0 <= i) exactly: RGB uint8 (H, W, 3), C-contiguous."""

    # --- proxies and the background pass ----------------------------------------------------
    @abstractmethod
    def _feed(self) -> FrameFeed:
        """Every frame in order as (BGR, timestamp, is_keyframe), for the background pass."""

    def _index_complete(self, index: FrameIndex, meta: dict[str, Any] | None) -> None:  # noqa: B027
        """Hook: the index is complete (from a finished pass, or from the cache with `meta`)."""

    def _cache_meta(self) -> dict[str, Any]:
        """Extra facts saved with the proxies for reuse on reopening."""
        return {}

    def _setup_proxies(
        self,
        *,
        proxy_dir: Path | None,
        expected_frames: int,
        background: bool,
        on_progress: ProgressCallback | None,
        proxy_memory_bytes: int = DEFAULT_PROXY_MEMORY_BYTES,
    ) -> None:
        """Reuse a cached pass for this fingerprint, or prepare (and maybe start) a new pass."""
        size = proxy_size(self.width, self.height)
        if proxy_dir is not None:
            entry = ProxyCacheEntry(proxy_dir, self.fingerprint)
            meta = entry.load()
            if meta is not None and self._meta_matches(meta, size):
                self._index = FrameIndex.from_json(meta["index"])
                self._proxies = ProxyStore.from_file(
                    size, entry.data_path, meta["spans"], proxy_memory_bytes
                )
                self.proxies_reused = True
                self._index_complete(self._index, meta)
                if on_progress is not None:
                    on_progress(len(self._proxies), len(self._proxies))
                return
            self._cache_entry = entry
            self._spill_path = entry.new_spill_path()
        else:  # no reuse wanted: still spill beyond the memory budget, to a private temp file
            self._spill_path = _private_spill_file()
        self._proxies = ProxyStore(
            size, memory_bytes=proxy_memory_bytes, spill_path=self._spill_path
        )
        self._pass = BackgroundPass(
            self._feed,
            self._index,
            self._proxies,
            expected_frames=expected_frames,
            on_progress=on_progress,
            on_finish=self._pass_finished,
            name=f"frames-pass:{self.path.name}",
        )
        if background:
            self._pass.start()

    def _meta_matches(self, meta: dict[str, Any], size: tuple[int, int]) -> bool:
        try:
            return (
                meta["kind"] == self.kind
                and (meta["width"], meta["height"]) == (self.width, self.height)
                and tuple(meta["proxy_size"]) == size
                and len(meta["spans"]) == len(meta["index"]["pts"]) > 0
            )
        except (KeyError, TypeError):
            return False

    def _pass_finished(self, state: PassState) -> None:
        if state is not PassState.DONE:
            return
        self._index_complete(self._index, None)
        if self._cache_entry is None or self._spill_path is None or self._proxies is None:
            return
        if self._problems or self._proxies.spill_error is not None:
            return  # placeholders of unreadable frames, or an incomplete spill: not reused
        meta = {
            "kind": self.kind,
            "name": self.path.name,
            "width": self.width,
            "height": self.height,
            "proxy_size": list(self._proxies.size),
            "spans": self._proxies.spans(),
            "index": self._index.to_json(),
            **self._cache_meta(),
        }
        if self._cache_entry.commit(self._spill_path, meta):
            self._proxies.relocate(self._cache_entry.data_path)
            self._spill_path = None
            prune_cache_dir(self._cache_entry.dir)

    def proxy(self, index: int) -> np.ndarray | None:
        """Downscaled RGB preview of frame `index` (long side <= 960), or None if not made yet."""
        i = self._check_index(index)
        return None if self._proxies is None else self._proxies.get(i)

    @property
    def proxy_problem(self) -> str | None:
        """Why scrub previews are not being saved (a full or unwritable cache disk), or None."""
        return None if self._proxies is None else self._proxies.spill_error

    @property
    def proxy_pass(self) -> BackgroundPass | None:
        """The background pass (None when its results were reused from the cache)."""
        return self._pass

    def start_pass(self) -> None:
        """Start the background pass if it was deferred (open with background=False)."""
        if self._pass is not None and not self._pass.started and not self._closed:
            self._pass.start()

    def cancel_pass(self) -> None:
        """Stop the background pass; proxies made so far stay available."""
        if self._pass is not None:
            self._pass.cancel()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the pass ended (count verified, all proxies made); False on timeout."""
        if self._pass is None:
            return True
        if self._closed:
            return self._pass.finished
        self.start_pass()
        return self._pass.wait(timeout)

    @property
    def proxies_done(self) -> int:
        """How many frames have a proxy so far."""
        return 0 if self._proxies is None else len(self._proxies)

    # --- lifetime ---------------------------------------------------------------------------
    def _release(self) -> None:  # noqa: B027
        """Hook: free decoders and file handles."""

    def close(self) -> None:
        """Stop the threads and free decoders; further reads raise SourceClosedError."""
        if self._closed:
            return
        self._closed = True
        if self._prefetcher is not None:
            self._prefetcher.stop()
        if self._pass is not None and self._pass.started:
            self._pass.cancel()
            self._pass.wait(10.0)
        self._release()
        if self._proxies is not None:
            self._proxies.close()
        if self._spill_path is not None:
            self._spill_path.unlink(missing_ok=True)
        self.cache.clear()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._closed

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.path.name!r} {self.width}x{self.height} "
            f"{self.num_frames} frames{'' if self.count_verified else '?'} @ {self.fps:g} fps>"
        )
