"""Qt adapter for the engine service: its events, emitted on the engine thread, are
re-posted as queued signals so every slot runs on the GUI thread.

The GUI sends requests through `bridge.service` (or the pass-through helpers) and connects
to the typed signals below; payloads are the service's plain event records.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, Qt, Signal, Slot

from annotator.service.events import (
    DownloadProgress,
    EngineError,
    Event,
    FrameEncoded,
    FrameTracked,
    MaskResult,
    ModelLoaded,
    ObjectRemoved,
    PromptsCleared,
    PropagationDone,
    PropagationStarted,
    ServiceStopped,
    SessionReset,
    VideoReady,
)
from annotator.service.service import EngineService


class EngineBridge(QObject):
    """Owns the listener on an EngineService and turns its events into GUI-thread signals."""

    anyEvent = Signal(object)  # every event, before the typed signal below
    modelLoaded = Signal(object)  # ModelLoaded
    downloadProgress = Signal(object)  # DownloadProgress
    videoReady = Signal(object)  # VideoReady
    frameEncoded = Signal(object)  # FrameEncoded
    maskReady = Signal(object)  # MaskResult
    propagationStarted = Signal(object)  # PropagationStarted
    frameTracked = Signal(object)  # FrameTracked
    propagationDone = Signal(object)  # PropagationDone
    objectRemoved = Signal(object)  # ObjectRemoved
    promptsCleared = Signal(object)  # PromptsCleared
    sessionReset = Signal(object)  # SessionReset
    engineError = Signal(object)  # EngineError
    stopped = Signal(object)  # ServiceStopped

    _relay = Signal(object)  # engine thread -> GUI thread hop

    def __init__(self, service: EngineService | None = None, parent: QObject | None = None) -> None:
        """Wrap `service` (a new one when None; the bridge then shuts it down on close)."""
        super().__init__(parent)
        self._owns_service = service is None
        self.service = service if service is not None else EngineService()
        self._relay.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._typed = {
            ModelLoaded: self.modelLoaded,
            DownloadProgress: self.downloadProgress,
            VideoReady: self.videoReady,
            FrameEncoded: self.frameEncoded,
            MaskResult: self.maskReady,
            PropagationStarted: self.propagationStarted,
            FrameTracked: self.frameTracked,
            PropagationDone: self.propagationDone,
            ObjectRemoved: self.objectRemoved,
            PromptsCleared: self.promptsCleared,
            SessionReset: self.sessionReset,
            EngineError: self.engineError,
            ServiceStopped: self.stopped,
        }
        self.service.add_listener(self._on_engine_event)

    def _on_engine_event(self, event: Event) -> None:
        """Runs on the engine thread: only queue the event for the GUI thread."""
        self._relay.emit(event)

    @Slot(object)
    def _dispatch(self, event: Event) -> None:
        """Runs on the GUI thread: emit the generic and the typed signal."""
        self.anyEvent.emit(event)
        signal = self._typed.get(type(event))
        if signal is not None:
            signal.emit(event)

    def close(self, timeout: float = 30.0) -> None:
        """Stop listening; shut the service down when the bridge created it."""
        with contextlib.suppress(ValueError):  # already removed
            self.service.remove_listener(self._on_engine_event)
        if self._owns_service:
            self.service.shutdown(timeout)
