"""Files dropped on the window (no engine): media join the project and the first is shown, a
project file opens, and what the window cannot open is refused while it is dragged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from annotator.commands.gui import sample_clip_path
from annotator.io.media import create_project_with_media
from annotator.ui.document import open_document
from annotator.ui.main_window import MainWindow
from tests.conftest import SHARED

IMAGES = SHARED / "data" / "images"
BEDROOM = SHARED / "data" / "videos" / "bedroom.mp4"


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    """The window over a project file holding the sample clip."""
    document = open_document(sample_clip_path(), tmp_path / "sample.annotator")
    win = MainWindow(document.frames, document=document)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


def mime(*paths: Path) -> QMimeData:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return data


def drag(win: MainWindow, data: QMimeData) -> bool:
    """Drag `data` over the window's centre; True when the window would take it."""
    centre = QPointF(win.rect().center())
    event = QDragEnterEvent(
        centre.toPoint(), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(win, event)
    return event.isAccepted()


def drop(win: MainWindow, data: QMimeData) -> None:
    """Drag `data` in and drop it (Qt delivers no drop the window did not accept first)."""
    assert drag(win, data)
    event = QDropEvent(
        QPointF(win.rect().center()), Qt.DropAction.CopyAction, data,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(win, event)


def test_dropped_photos_join_the_project_and_the_first_is_shown(window: MainWindow) -> None:
    photos = sorted(IMAGES.glob("*.jpg"))
    drop(window, mime(*photos))
    names = [Path(v.path).name for v in window.project.videos]
    assert names == ["sample.mp4", *(p.name for p in photos)]
    assert window.document.is_photo and Path(window.document.video.path).name == photos[0].name
    assert "Added 3 of 3 dropped" in window.statusBar().currentMessage()
    drop(window, mime(photos[1]))  # already there: shown, not added again
    assert len(window.project.videos) == 4
    assert Path(window.document.video.path).name == photos[1].name
    assert "Added 0 of 1" in window.statusBar().currentMessage()


def test_a_dropped_project_file_opens(window: MainWindow, tmp_path: Path) -> None:
    other = tmp_path / "bedroom.annotator"
    project, _ = create_project_with_media(other, [BEDROOM])
    project.close()
    drop(window, mime(other))
    assert window.document.path == other
    assert window.windowTitle().startswith("annotator — bedroom.mp4")


def test_what_the_window_cannot_open_is_refused(window: MainWindow, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not media")
    assert not drag(window, mime(notes))
    assert not drag(window, mime(IMAGES / "cars.jpg", notes))  # one bad file spoils the drag
    assert not drag(window, QMimeData())  # text, no files
    errors: list[str] = []
    window.file_menu.tell_error = lambda _parent, message: errors.append(message)
    window.file_menu.open_dropped([tmp_path / "p.annotator", IMAGES / "cars.jpg"])
    assert errors == ["Drop one project file at a time, without media."]
    missing = tmp_path / "gone.mp4"
    window.file_menu.open_dropped([missing])
    assert len(errors) == 2 and "gone.mp4 does not exist" in errors[1]
    assert [Path(v.path).name for v in window.project.videos] == ["sample.mp4"]
