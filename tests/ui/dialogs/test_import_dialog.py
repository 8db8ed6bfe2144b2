"""The import dialog: formats of `annotator import`, a dry run that writes nothing and lists
what would be added (or the error with file and line), then an apply that writes the tracks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from annotator.io.formats import IMPORT_FORMATS, ExportOptions, export_coco, export_yolo
from annotator.io.frames import open_frames
from annotator.io.media import ensure_video
from annotator.io.store import create_project, open_project
from annotator.ui.dialogs.import_dialog import ImportDialog
from annotator.ui.document import open_document
from annotator.ui.main_window import MainWindow

from .conftest import NUM_FRAMES, square


@pytest.fixture
def empty_project(tmp_path: Path, frames_dir: Path):
    """An open project over the same frames as `project_file`, with no labels."""
    path = tmp_path / "target.annotator"
    project = create_project(path)
    with open_frames(frames_dir, background=False) as src:
        ensure_video(project, src, frames_dir)
    yield project
    project.close()


def exported(project_file: Path, out: Path, exporter, **kwargs) -> Path:
    with open_project(project_file, read_only=True) as project:
        exporter(project, out, ExportOptions(with_images=False), None, **kwargs)
    return out


def make_dialog(qtbot, project, source: Path, fmt: str) -> ImportDialog:
    def choose(_parent, folder: bool) -> str:
        assert folder == source.is_dir()
        return str(source)

    dialog = ImportDialog(project, choose_source=choose)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_format(fmt)
    label = "Folder…" if source.is_dir() else "File…"
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == label]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialog.source_edit.text() == str(source)
    return dialog


def preview(qtbot, dialog: ImportDialog) -> list[str]:
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    return [dialog.preview.item(i).text() for i in range(dialog.preview.count())]


def test_formats_are_those_of_the_command(qtbot, empty_project) -> None:
    dialog = ImportDialog(empty_project)
    qtbot.addWidget(dialog)
    listed = [dialog.format_box.itemData(i) for i in range(dialog.format_box.count())]
    assert listed == list(IMPORT_FORMATS)


def test_dry_run_writes_nothing_and_apply_writes_the_tracks(
    qtbot, project_file, empty_project, tmp_path
) -> None:
    coco = exported(project_file, tmp_path / "coco", export_coco) / "annotations.json"
    dialog = make_dialog(qtbot, empty_project, coco, "coco")
    lines = preview(qtbot, dialog)
    assert lines[0] == (
        f"Would add 2 tracks, {2 * NUM_FRAMES} masks and 0 box prompts; "
        "new categories: person, car."
    )
    assert len(lines) == 3 and all(line.endswith(f"{NUM_FRAMES} frames") for line in lines[1:])
    assert dialog.status_label.text() == "Dry run: nothing was written."
    assert empty_project.tracks() == [] and empty_project.categories == []
    with open_project(empty_project.storage.path, read_only=True) as on_disk:
        assert on_disk.tracks() == [] and on_disk.count_masks() == 0
    dialog.video_box.setCurrentIndex(1)  # a changed form needs a new preview
    assert not dialog.import_button.isEnabled()
    assert preview(qtbot, dialog)[0] == lines[0]

    with qtbot.waitSignal(dialog.imported) as done:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert len(done.args[0]) == 2
    assert dialog.status_label.text() == (
        f"Added 2 tracks, {2 * NUM_FRAMES} masks and 0 box prompts from {coco}."
    )
    assert not dialog.import_button.isEnabled()  # one import per preview
    with open_project(empty_project.storage.path, read_only=True) as on_disk:
        names = {on_disk.category(t.category_id).name: t for t in on_disk.tracks()}
        assert sorted(names) == ["car", "person"]
        video = on_disk.videos[0]
        for category, x0 in (("person", 2), ("car", 30)):
            track = names[category]
            for f in range(NUM_FRAMES):
                record = on_disk.mask(video.id, f, track.id)
                assert record is not None
                np.testing.assert_array_equal(record.mask.to_array(), square(f, x0))


def test_a_yolo_dataset_imported_into_a_new_window_project_keeps_its_class_ids(
    qtbot, project_file, frames_dir, tmp_path
) -> None:
    dataset = exported(project_file, tmp_path / "yolo", export_yolo, task="segment")
    document = open_document(frames_dir, tmp_path / "new.annotator")  # as File > New does
    try:
        project = document.project
        assert [c.name for c in project.categories] == ["object"]  # the automatic one
        dialog = make_dialog(qtbot, project, dataset, "yolo-seg")
        preview(qtbot, dialog)
        with qtbot.waitSignal(dialog.imported):
            qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert [c.name for c in project.categories] == ["person", "car"]
        again = exported(document.path, tmp_path / "again", export_yolo, task="segment")
    finally:
        document.close()
    labels = sorted(p.relative_to(dataset) for p in dataset.rglob("*.txt"))
    assert labels == sorted(p.relative_to(again) for p in again.rglob("*.txt"))
    for name in labels:  # every class id (and polygon) as the dataset had it
        assert (again / name).read_text() == (dataset / name).read_text()


def test_file_import_in_the_window_lists_the_dataset_categories_and_uses_them(
    qtbot, project_file, frames_dir, tmp_path
) -> None:
    dataset = exported(project_file, tmp_path / "yolo", export_yolo, task="segment")
    document = open_document(frames_dir, tmp_path / "new.annotator")
    window = MainWindow(document.frames, document.title, document=document)
    window.add_cleanup(document.close)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    panel = window.categories_panel
    shown = lambda: [panel.list.item(i).text() for i in range(panel.list.count())]  # noqa: E731
    assert shown() == ["1 · object"]
    dialog = window.dialogs.open_import()
    assert isinstance(dialog, ImportDialog)
    dialog.select_format("yolo-seg")
    dialog.source_edit.setText(str(dataset))
    preview(qtbot, dialog)
    with qtbot.waitSignal(dialog.imported):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    dialog.close()
    qtbot.waitUntil(lambda: shown() == ["1 · person", "2 · car"], timeout=5000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    before = {t.id for t in window.project.tracks()}
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_N)  # a new object: a category it has
    (new,) = [t for t in window.project.tracks() if t.id not in before]
    assert window.project.category(new.category_id).name in {"person", "car"}
    window.shutdown()


def test_yolo_rows_are_joined_into_objects_unless_the_user_keeps_one_per_row(
    qtbot, project_file, empty_project, tmp_path
) -> None:
    dataset = exported(project_file, tmp_path / "yolo", export_yolo, task="segment")
    dialog = make_dialog(qtbot, empty_project, dataset, "yolo-seg")
    assert dialog.link_check.isEnabled() and dialog.link_check.isChecked()
    lines = preview(qtbot, dialog)
    assert lines[0].startswith("Would add 2 tracks,")
    assert all(line.endswith(f"{NUM_FRAMES} frames") for line in lines[1:])
    dialog.link_check.setChecked(False)  # a changed form needs a new preview
    assert not dialog.import_button.isEnabled()
    assert preview(qtbot, dialog)[0].startswith(f"Would add {2 * NUM_FRAMES} tracks,")
    dialog.select_format("sav")  # its masklets have identities: nothing to join
    assert not dialog.link_check.isEnabled()


def test_errors_name_the_file_and_line_and_write_nothing(
    qtbot, project_file, empty_project, tmp_path
) -> None:
    dataset = exported(project_file, tmp_path / "yolo", export_yolo, task="segment")
    label = sorted(dataset.rglob("*.txt"))[3]
    rows = label.read_text().splitlines()
    label.write_text("\n".join([rows[0], "7 0.1 0.2 0.3"]) + "\n")
    dialog = make_dialog(qtbot, empty_project, dataset, "yolo-seg")
    lines = preview(qtbot, dialog)
    assert dialog.status_label.text() == "The dataset cannot be imported:"
    assert len(lines) == 1 and lines[0].startswith(f"{label}:2: "), lines
    assert not dialog.import_button.isEnabled()
    assert empty_project.tracks() == []


def test_a_missing_or_malformed_source_is_named(qtbot, empty_project, tmp_path) -> None:
    missing = tmp_path / "nothing.json"
    dialog = make_dialog(qtbot, empty_project, missing, "coco")
    assert preview(qtbot, dialog) == [f"{missing}: no such file or folder"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"images": []}))
    dialog.source_edit.setText(str(bad))
    lines = preview(qtbot, dialog)
    assert lines == [f"{bad}: missing 'categories'"]
