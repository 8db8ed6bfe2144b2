"""One job of a dialog run off the GUI thread, its reports and result delivered as Qt signals.

A dialog's slow work (an export, a download, reading a dataset) is a plain function
`fn(report)` that may call `report(value)` from its thread; `BackgroundTask` runs it in a
QThread and emits `progressed(value)`, then exactly one of `succeeded(result)` or
`failed(exception)`, all queued to the GUI thread, so slots may touch widgets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

Report = Callable[[Any], None]


class BackgroundTask(QThread):
    """Runs `fn(report)` once in its own thread; `cancel()` sets `cancel_event` for fn to poll."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[Report], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self.cancel_event = threading.Event()
        self.outcome: tuple[str, Any] | None = None  # ("ok", result) or ("error", exception)

    def cancel(self) -> None:
        """Ask the job to stop at its next check (the function decides where that is)."""
        self.cancel_event.set()

    def run(self) -> None:  # runs in the task's thread
        try:
            result = self._fn(self.progressed.emit)
        except BaseException as exc:  # any failure (even SystemExit) ends the job visibly
            self.outcome = ("error", exc)
            self.failed.emit(exc)
        else:
            self.outcome = ("ok", result)
            self.succeeded.emit(result)
