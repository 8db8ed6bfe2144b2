"""The single hop of a project's change events to the GUI thread, as typed signals.

The project notifies on the thread that wrote (the GUI for clicks and undo, the same for
propagated frames written from engine events); every view and presenter connects here
rather than subscribing to the project itself, so each event crosses threads once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from annotator.domain import (
    CategoriesChanged,
    HistoryChanged,
    MasksChanged,
    Project,
    ProjectEvent,
    TracksChanged,
    VideosChanged,
)


class ProjectEvents(QObject):
    """Re-emits `project`'s events on the GUI thread; `close()` stops listening."""

    masksChanged = Signal(object)  # MasksChanged
    tracksChanged = Signal(object)  # TracksChanged
    categoriesChanged = Signal(object)  # CategoriesChanged
    videosChanged = Signal(object)  # VideosChanged
    historyChanged = Signal(object)  # HistoryChanged
    anyEvent = Signal(object)  # every event, after its typed signal

    _relay = Signal(object)  # writing thread -> GUI thread

    def __init__(self, project: Project, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._closed = False
        self._typed = {
            MasksChanged: self.masksChanged,
            TracksChanged: self.tracksChanged,
            CategoriesChanged: self.categoriesChanged,
            VideosChanged: self.videosChanged,
            HistoryChanged: self.historyChanged,
        }
        self._relay.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = project.subscribe(self._relay.emit)

    @Slot(object)
    def _dispatch(self, event: ProjectEvent) -> None:
        if self._closed:
            return
        signal = self._typed.get(type(event))
        if signal is not None:
            signal.emit(event)
        self.anyEvent.emit(event)

    def close(self) -> None:
        """Stop listening; events already queued are dropped (idempotent)."""
        if not self._closed:
            self._closed = True
            self._unsubscribe()
