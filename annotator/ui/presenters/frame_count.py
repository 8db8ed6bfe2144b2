"""Correct a video's length once it is known: a container header may claim more or fewer
frames than decode (a truncated mp4, an AVI whose header says 10 of 40). The frames count
them in a background pass; when it ends the project records the verified count, and if it
differs the window rebuilds its per-document parts (timeline, view) at the true length."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

POLL_MS = 500


class FrameCountWatcher(QObject):
    """Polls the shown document until its frame count is verified (lives with the document's
    controller, so a swapped or closed document stops it)."""

    def __init__(self, window: MainWindow, parent: QObject) -> None:
        super().__init__(parent)
        self._window = window
        self._document = window.document
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self._timer.start(POLL_MS)
        self._check()

    def _check(self) -> None:
        document = self._document
        if document is not self._window.document or document.closed:
            self._timer.stop()
            return
        if not getattr(document.frames, "count_verified", True):
            return
        self._timer.stop()
        header = document.settle_frame_count()
        if header is None:
            return
        self._window.set_document(document, close_old=False)
        self._window.statusBar().showMessage(
            f"{document.video.num_frames} frames decode, not the {header} the file's header "
            "says: the project now has the true length"
        )
