"""Files dropped on the window: a project file opens, videos, images and folders join the
project (as File > Add videos or images…) and the first of them is shown. Anything else is
refused while it is dragged, so the cursor says so before the drop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, QObject

from annotator.io.frames import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from annotator.io.store import PROJECT_SUFFIX

if TYPE_CHECKING:
    from PySide6.QtGui import QDropEvent

    from annotator.ui.main_window import MainWindow

_DRAG_EVENTS = (QEvent.Type.DragEnter, QEvent.Type.DragMove)


def dropped_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders a drag carries, if every one is something the window
    opens (a project, a video, an image or a folder); else []."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    if not paths or len(paths) != len(mime.urls()):
        return []
    usable = {PROJECT_SUFFIX, *VIDEO_EXTENSIONS, *IMAGE_EXTENSIONS}
    if all(p.is_dir() or p.suffix.lower() in usable for p in paths):
        return paths
    return []


class FileDrop(QObject):
    """Event filter on the main window that takes file drops (see the module docstring)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _DRAG_EVENTS or event.type() == QEvent.Type.Drop:
            drop: QDropEvent = event  # type: ignore[assignment]
            paths = dropped_paths(drop.mimeData())
            if not paths:
                drop.ignore()
                return True
            drop.acceptProposedAction()
            if event.type() == QEvent.Type.Drop:
                self.window.file_menu.open_dropped(paths)
            return True
        return super().eventFilter(watched, event)
