"""One model download through the weights manager, off the GUI thread, as Qt signals.

The manager does the work (resume with a Range request, verify, atomic install); this runs
it in a `BackgroundTask` and turns its outcome into the sentences the dialogs show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from annotator.engine.weights import DownloadCancelled, DownloadError, WeightsManager
from annotator.ui.dialogs.background import BackgroundTask
from annotator.ui.dialogs.messages import error_text

OFFLINE_ADVICE = (
    "Check the network connection (or the mirror in $ANNOTATOR_WEIGHTS_URL) and try again; "
    "the part already downloaded is kept. Meanwhile you can browse and edit masks by hand, "
    "or open a checkpoint file you already have."
)


class ModelDownload(QObject):
    """`start(name)` downloads a model; emits progressed(done, total), then downloaded(path)
    or failed(message, cancelled)."""

    progressed = Signal(int, int)
    downloaded = Signal(object)
    failed = Signal(str, bool)

    def __init__(self, manager: WeightsManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.task: BackgroundTask | None = None
        self.name: str | None = None

    @property
    def running(self) -> bool:
        """Whether a download is in progress."""
        return self.task is not None

    def start(self, name: str) -> None:
        """Download (or resume) model `name` in the background."""
        if self.task is not None:
            raise RuntimeError(f"already downloading {self.name}")
        manager = self.manager

        def job(report: Callable[[object], None]) -> Path:
            return manager.download(
                name, progress=lambda done, total: report((done, total)), cancel=task.cancel_event
            )

        task = BackgroundTask(job, self)
        task.progressed.connect(lambda value: self.progressed.emit(*value))
        task.succeeded.connect(self._on_done)
        task.failed.connect(self._on_failed)
        self.task, self.name = task, name
        task.start()

    def cancel(self) -> None:
        """Stop after the chunk in flight; the partial file stays for a resume."""
        if self.task is not None:
            self.task.cancel()

    def stop(self) -> None:
        """Cancel and wait for the thread (closing a dialog)."""
        if self.task is not None:
            self.task.cancel()
            self.task.wait()

    def _end(self) -> None:
        if self.task is not None:
            self.task.wait()
            self.task.deleteLater()
        self.task = None

    def _on_done(self, path: Path) -> None:
        self._end()
        self.downloaded.emit(path)

    def _on_failed(self, exc: BaseException) -> None:
        self._end()
        cancelled = isinstance(exc, DownloadCancelled)
        text = error_text(exc)
        if isinstance(exc, DownloadError) and not cancelled:
            text = f"{text}\n{OFFLINE_ADVICE}"
        self.failed.emit(text, cancelled)
