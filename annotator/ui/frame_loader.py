"""Keeps the GUI thread from decoding: shows a cached frame or a scrub proxy at once and
the exact frame when the source's prefetch thread has decoded it."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot

from annotator.io.frames import FrameSourceError


class FrameSource(Protocol):
    """What the window needs of a video: its length and frame-by-index access (RGB uint8)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> np.ndarray: ...


class FrameLoader(QObject):
    """Emits `frameReady(index, frame, exact)`: at once with the best frame at hand, then the
    exact one. Sources without `peek`/`proxy`/`request` (a list of arrays) are read directly."""

    frameReady = Signal(int, object, bool)
    frameFailed = Signal(int, str)  # index, what is wrong (an unreadable frame stays up)
    _decoded = Signal(int, object)  # prefetch thread -> GUI thread hop

    def __init__(self, frames: FrameSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._frames = frames
        self._wanted = -1
        self._decoded.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)

    def show(self, index: int) -> None:
        """Ask for frame `index`; a later call makes an earlier exact frame moot."""
        self._wanted = index
        peek = getattr(self._frames, "peek", None)
        request = getattr(self._frames, "request", None)
        if peek is None or request is None:
            self._read_here(index)
            return
        cached = peek(index)
        if cached is not None:
            self.frameReady.emit(index, cached, True)
            return
        proxy = getattr(self._frames, "proxy", lambda _i: None)(index)
        if proxy is not None:
            self.frameReady.emit(index, proxy, False)
        future: Future[np.ndarray] = request(index)
        future.add_done_callback(lambda f: self._forward(index, f))

    def _forward(self, index: int, future: Future[np.ndarray]) -> None:
        """Runs on the decoding thread: hand the frame (or its error) to the GUI thread."""
        if future.cancelled():
            return
        error = future.exception()
        self._decoded.emit(index, error if error is not None else future.result())

    @Slot(int, object)
    def _on_decoded(self, index: int, frame: object) -> None:
        if index != self._wanted:
            return  # the user has moved on
        if isinstance(frame, BaseException):
            self._read_here(index)  # the prefetcher gave way or failed: decode here
            return
        self.frameReady.emit(index, frame, True)

    def _read_here(self, index: int) -> None:
        try:
            frame = self._frames[index]
        except (FrameSourceError, OSError, ValueError) as exc:
            self.frameFailed.emit(index, str(exc))
            return
        self.frameReady.emit(index, frame, True)
