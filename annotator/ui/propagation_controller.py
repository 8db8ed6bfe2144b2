"""Runs propagations from the current frame: every streamed frame is written to the project
at once (its own committed transaction) inside ONE history batch, so a single undo takes
the whole run back while a crash loses at most the frame being computed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from annotator.domain import DomainError, PropagationBatch
from annotator.service import (
    Direction,
    EngineError,
    FrameTracked,
    PropagationDone,
    PropagationStarted,
)
from annotator.ui.annotation_controller import AnnotationController
from annotator.ui.propagation_bar import PropagationBar


class PropagationController(QObject):
    """Starts, follows and cancels propagation runs for an AnnotationController."""

    finished = Signal(object)  # PropagationDone, or EngineError when the run failed
    statusMessage = Signal(str)

    def __init__(
        self, annotation: AnnotationController, bar: PropagationBar, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.annotation, self.bar = annotation, bar
        self._batch: PropagationBatch | None = None
        self._request_id: int | None = None
        bar.propagateRequested.connect(self.propagate)
        bar.cancelRequested.connect(self.cancel)
        bridge = annotation.bridge
        if bridge is not None:
            bridge.propagationStarted.connect(self._on_started)
            bridge.frameTracked.connect(self._on_frame)
            bridge.propagationDone.connect(self._on_done)
            bridge.engineError.connect(self._on_error)

    @property
    def running(self) -> bool:
        return self._batch is not None

    def propagate(
        self, direction: Direction = Direction.FORWARD, max_frames: int | None = None
    ) -> bool:
        """Track every object from the current frame in `direction` (at most `max_frames`
        frames past it; None: to the end); False if refused."""
        ann = self.annotation
        if self.running:
            self.statusMessage.emit("A propagation is already running")
            return False
        if ann.bridge is None or not ann.engine_ready:
            self.statusMessage.emit("The model is not ready yet")
            return False
        if not any(ann.project.keyframes(ann.video_id, t.id) for t in ann.project.tracks()):
            self.statusMessage.emit("Click an object first: there is nothing to propagate")
            return False
        ann.sync_engine()  # replays queue ahead of the propagation
        self._batch = ann.history.begin_batch(f"Propagate {direction.value}")
        future = ann.bridge.service.propagate(ann.frame, Direction(direction), max_frames)
        self._request_id = future.request_id
        self.bar.set_running(True)
        ann.propagating = True
        self.statusMessage.emit(f"Propagating {direction.value} from frame {ann.frame + 1}…")
        return True

    def cancel(self) -> None:
        """Stop the run after the frame being computed; every finished frame is kept."""
        if self.running and self.annotation.bridge is not None:
            self.annotation.bridge.service.cancel()
            self.statusMessage.emit("Cancelling…")

    @Slot(object)
    def _on_started(self, event: PropagationStarted) -> None:
        if self.running:
            self.bar.set_progress(0, event.total_frames, 0.0, 0.0)

    @Slot(object)
    def _on_frame(self, event: FrameTracked) -> None:
        batch = self._batch
        if batch is None:
            return
        ann = self.annotation
        masks = {tid: (obj.rle, obj.score) for tid, obj in event.objects.items()}
        try:
            batch.add_tracked_frame(ann.video_id, event.frame, masks)
        except DomainError as exc:
            self.statusMessage.emit(f"Frame {event.frame + 1} not saved: {exc}")
        self.bar.set_progress(event.done, event.total, event.frames_per_second, event.eta_seconds)

    @Slot(object)
    def _on_done(self, event: PropagationDone) -> None:
        if self._batch is None or event.request_id != self._request_id:
            return
        self._close_batch()
        how = "cancelled after" if event.cancelled else "tracked"
        message = f"Propagation {how} {len(event.frames)} frames in {event.seconds:.1f} s"
        self.bar.finish(message)
        self.statusMessage.emit(message)
        self.finished.emit(event)

    @Slot(object)
    def _on_error(self, event: EngineError) -> None:
        if self._batch is None or event.request_id != self._request_id:
            return
        self._close_batch()
        self.bar.finish(f"Propagation failed: {event.message}")
        self.finished.emit(event)

    def _close_batch(self) -> None:
        batch, self._batch, self._request_id = self._batch, None, None
        self.annotation.propagating = False
        if batch is not None:
            batch.close()

    def close(self) -> None:
        """Cancel a running propagation and keep what it wrote (window closing)."""
        self.cancel()
        self._close_batch()
