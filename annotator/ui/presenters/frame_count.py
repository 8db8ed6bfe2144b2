"""Correct a video's length once it is known: a container header may claim more or fewer
frames than decode (a truncated mp4, an AVI whose header says 10 of 40). The frames count
them in a background pass; when it ends the project records the verified count, and if it
differs the window rebuilds its per-document parts (timeline, view) at the true length.
The same pass may find the proxy cache's disk full: the previews stay in memory, and the
window says so once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from annotator.io.frames import PassState

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

POLL_MS = 500


class FrameCountWatcher(QObject):
    """Polls the shown document until its frame count is verified and its background pass
    has ended (lives with the document's controller, so a swapped or closed document stops
    it)."""

    def __init__(self, window: MainWindow, parent: QObject) -> None:
        super().__init__(parent)
        self._window = window
        self._document = window.document
        self._counted = False
        self.proxy_problem: str | None = None  # said once, when the pass found it
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self._timer.start(0)  # first from the event loop: after what opening the window says

    def _check(self) -> None:
        self._timer.setInterval(POLL_MS)
        document = self._document
        if document is not self._window.document or document.closed:
            self._timer.stop()
            return
        frames = document.frames
        if not self._counted and getattr(frames, "count_verified", True):
            self._counted = True
            header = document.settle_frame_count()
            if header is not None:  # a new watcher comes with the rebuilt parts
                self._timer.stop()
                self._window.set_document(document, close_old=False)
                self._window.statusBar().showMessage(
                    f"{document.video.num_frames} frames decode, not the {header} the file's "
                    "header says: the project now has the true length"
                )
                return
        problem = getattr(frames, "proxy_problem", None)
        if problem is not None and self.proxy_problem is None:
            self.proxy_problem = problem[:1].upper() + problem[1:]
            self._window.statusBar().showMessage(self.proxy_problem)
        background = getattr(frames, "proxy_pass", None)
        ended = background is None or background.state is not PassState.RUNNING
        if self._counted and (ended or self.proxy_problem is not None):
            self._timer.stop()
