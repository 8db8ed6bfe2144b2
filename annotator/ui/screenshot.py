"""`annotator gui --screenshot FILE`: open the window as usual, wait until it has painted
what it opened, save a picture of it and quit with exit code 0 (or 1 if it never got
there). Used by the bundle's smoke test and the README's screenshots."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

POLL_MS = 50
GIVE_UP_S = 120.0


def save_when_ready(
    window: QWidget, ready: Callable[[], bool], path: Path, *, give_up_s: float = GIVE_UP_S
) -> None:
    """Poll `ready()` from the event loop; once true, grab `window` into `path` and quit the
    application (exit 0 if the file was written, 1 if not or after `give_up_s`)."""
    deadline = time.monotonic() + give_up_s
    timer = QTimer(window)

    def check() -> None:
        if ready():
            timer.stop()
            QApplication.processEvents()
            path.parent.mkdir(parents=True, exist_ok=True)
            saved = window.grab().save(str(path))
            print(f"screenshot {'saved to' if saved else 'could not be written to'} {path}")
            QApplication.exit(0 if saved else 1)
        elif time.monotonic() > deadline:
            timer.stop()
            print(f"the window was not ready after {give_up_s:.0f} s; no screenshot")
            QApplication.exit(1)

    timer.timeout.connect(check)
    timer.start(POLL_MS)
