"""File > Export remembers each project's last export: reopened, the dialog is filled in as
it was (format, folder, selection, split, options), other projects start from the defaults,
and a saved form that no longer makes sense is ignored rather than half applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.commands.gui import sample_clip_path
from annotator.ui.dialogs.export_dialog import ExportDialog
from annotator.ui.dialogs.export_job import ExportRequest, request_from_json, request_to_json
from annotator.ui.document import open_document
from annotator.ui.main_window import MainWindow


def window_on(qtbot, path: Path) -> MainWindow:
    document = open_document(sample_clip_path(), path)
    win = MainWindow(document.frames, document=document)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    win = window_on(qtbot, tmp_path / "sample.annotator")
    yield win
    win.shutdown()


def open_export(win: MainWindow) -> ExportDialog:
    win.registry["export"].trigger()
    dialog = win.dialogs.last_dialog
    assert isinstance(dialog, ExportDialog)
    return dialog


def test_the_dialog_comes_back_as_the_last_export_left_it(qtbot, window, tmp_path) -> None:
    first = open_export(window)
    assert first.current_format() == "coco"  # the defaults the first time
    first.select_format("yolo-seg")
    first.out_edit.setText(str(tmp_path / "yolo"))
    first.frames_edit.setText("0-9")
    first.val_spin.setValue(0.2)
    first.seed_spin.setValue(7)
    first.images_check.setChecked(False)
    first.simplify_spin.setValue(1.5)
    with qtbot.waitSignal(first.exported, timeout=60_000):
        qtbot.mouseClick(first.export_button, Qt.MouseButton.LeftButton)
    made = first.request()
    first.close()

    again = open_export(window)
    assert again.request() == made
    with qtbot.waitSignal(again.exported, timeout=60_000):  # into the same folder: refused
        again.overwrite_check.setChecked(True)  # unless ticked, which is remembered too
        qtbot.mouseClick(again.export_button, Qt.MouseButton.LeftButton)
    again.close()
    assert open_export(window).overwrite_check.isChecked()


def test_another_project_starts_from_the_defaults(qtbot, window, tmp_path) -> None:
    dialog = open_export(window)
    dialog.select_format("davis")
    dialog.out_edit.setText(str(tmp_path / "davis"))
    dialog.images_check.setChecked(False)
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    dialog.close()
    other = window_on(qtbot, tmp_path / "other.annotator")
    try:
        fresh = open_export(other)
        assert fresh.current_format() == "coco"
        assert fresh.out_edit.text() == str(tmp_path / "other_export")
    finally:
        other.shutdown()


def test_a_failed_or_cancelled_export_is_not_remembered(qtbot, window, tmp_path) -> None:
    dialog = open_export(window)
    dialog.select_format("mot")
    dialog.out_edit.setText(str(tmp_path))  # not empty (the project is there): refused
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "is not empty" in dialog.status_label.text()
    dialog.close()
    assert open_export(window).current_format() == "coco"


def test_saved_forms_that_no_longer_fit_are_ignored() -> None:
    request = ExportRequest("labelme", Path("/data/out"), frames="5-", every=2,
                            categories=("cat",), val_fraction=0.1, png=True)  # fmt: skip
    assert request_from_json(request_to_json(request)) == request
    saved = json.loads(request_to_json(request))
    for broken in (
        None,
        "",
        "not json",
        json.dumps([1, 2]),
        json.dumps({**saved, "fmt": "gone-format"}),
        json.dumps({**saved, "every": "two"}),
        json.dumps({**saved, "categories": "cat"}),
        json.dumps({k: v for k, v in saved.items() if k != "out_dir"}),
    ):
        assert request_from_json(broken) is None
    older = {k: v for k, v in saved.items() if k != "simplify"}  # a field added since
    assert request_from_json(json.dumps(older)) == request
