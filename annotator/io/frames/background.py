"""The one background pass after opening: decode every frame in order, exactly once.

It builds the scrubbing proxies, the frame index (timestamps and keyframes, so seeks can be
verified) and the verified frame count. Each frame is a progress point and a cancellation
point. Proxy encoding runs on a second thread, so decoding and JPEG encoding overlap.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable, Generator

import numpy as np

from annotator.io.frames.keyframes import FrameIndex
from annotator.io.frames.proxy import ProxyStore, encode_proxy

ProgressCallback = Callable[[int, int], None]
"""Called as on_progress(frames_done, frames_expected) from the pass thread."""

FrameFeed = Generator[tuple[np.ndarray, float, bool], None, None]
"""Yields (BGR frame, timestamp, is_keyframe) in order, ending at the last decodable frame."""

_PROGRESS_EVERY = 8
_log = logging.getLogger(__name__)


class PassState(enum.Enum):
    """Where a background pass stands."""

    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class BackgroundPass:
    """Runs `feed` to its end on a daemon thread, filling `index` and `proxies`.

    `on_finish(state)` runs on the pass thread once, after the last frame (or on cancel/failure).
    """

    def __init__(
        self,
        feed_factory: Callable[[], FrameFeed],
        index: FrameIndex,
        proxies: ProxyStore,
        *,
        expected_frames: int,
        on_progress: ProgressCallback | None = None,
        on_finish: Callable[[PassState], None] | None = None,
        name: str = "frames-pass",
    ) -> None:
        self._feed_factory = feed_factory
        self.index = index
        self.proxies = proxies
        self.expected_frames = expected_frames
        self._on_progress = on_progress
        self._on_finish = on_finish
        self._cancel = threading.Event()
        self._done = threading.Event()
        self.state = PassState.RUNNING
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Begin the pass (once)."""
        self._thread.start()

    def cancel(self) -> None:
        """Ask the pass to stop after the frame it is on; `wait()` to be sure it stopped."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the pass ended (done, cancelled or failed); False on timeout."""
        return self._done.wait(timeout)

    @property
    def started(self) -> bool:
        """Whether start() was called."""
        return self._thread.ident is not None

    @property
    def finished(self) -> bool:
        """Whether the pass has ended, one way or another."""
        return self._done.is_set()

    @property
    def frames_done(self) -> int:
        """Frames whose proxy is available so far."""
        return len(self.proxies)

    def _report(self, done: int) -> None:
        if self._on_progress is None:
            return
        try:
            self._on_progress(done, max(self.expected_frames, done))
        except Exception:  # a faulty listener must not stop the pass
            _log.exception("progress callback of the frames pass failed")

    def _run(self) -> None:
        encoded: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=8)
        encoder = threading.Thread(
            target=self._encode_loop, args=(encoded,), name="frames-pass-jpeg", daemon=True
        )
        encoder.start()
        reached_end = False
        feed: FrameFeed | None = None
        try:
            feed = self._feed_factory()
            for bgr, pts, is_key in feed:
                if self._cancel.is_set():
                    break
                self.index.add(pts, is_key)
                encoded.put(bgr)
            else:
                reached_end = True
        except BaseException as exc:  # reported via .error; the pass must never kill the app
            self.error = exc
        finally:
            if feed is not None:
                feed.close()  # releases the pass's decoder now, not at garbage collection
            encoded.put(None)
            encoder.join()
            self.proxies.finish_writing()
            if self.error is not None:
                state = PassState.FAILED
            elif reached_end:
                state = PassState.DONE
                self.index.finish()
                self._report(len(self.proxies))
            else:
                state = PassState.CANCELLED
            self.state = state
            try:
                if self._on_finish is not None:
                    self._on_finish(state)
            finally:
                self._done.set()

    def _encode_loop(self, frames: queue.Queue[np.ndarray | None]) -> None:
        size = self.proxies.size
        failed = False
        while True:
            bgr = frames.get()
            if bgr is None:
                return
            if failed:
                continue  # keep draining so the decoding side never blocks
            try:
                self.proxies.append(encode_proxy(bgr, size))
            except BaseException as exc:
                failed = True
                self.error = exc
                self._cancel.set()
                continue
            n = len(self.proxies)
            if n % _PROGRESS_EVERY == 0:
                self._report(n)
