"""A photo whose EXIF asks viewers to turn it is shown as stored, and the window says so:
a lasting mark in the status bar (its tooltip explains) while that photo is shown."""

from __future__ import annotations

from pathlib import Path

from annotator.io.media import create_project_with_media
from annotator.ui.document import open_document
from annotator.ui.main_window import MainWindow
from tests.io.test_frames_orientation import photo


def test_the_mark_shows_while_an_exif_turned_photo_is_shown(qtbot, tmp_path: Path) -> None:
    upright = photo(tmp_path / "a_upright.jpg", None)
    turned = photo(tmp_path / "b_phone.jpg", 6)
    project, _ = create_project_with_media(tmp_path / "p.annotator", [upright, turned], photos=True)
    project.close()
    document = open_document(None, tmp_path / "p.annotator")
    win = MainWindow(document.frames, document=document)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        first, second = win.image_strip.photo_ids()
        win.file_menu.switch_to(first)
        assert win.exif_label.isHidden()
        win.file_menu.switch_to(second)
        assert win.exif_label.isVisible() and "EXIF asks viewers to turn it" in (
            win.exif_label.toolTip()
        )
        assert (win.document.video.width, win.document.video.height) == (120, 80)  # as stored
        win.file_menu.switch_to(first)
        assert win.exif_label.isHidden()
    finally:
        win.shutdown()
