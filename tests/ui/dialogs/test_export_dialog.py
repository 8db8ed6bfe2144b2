"""The export dialog drives real exports off the GUI thread: files a real consumer loads,
options that reach the exporter, progress, cancel without leftovers, errors as messages."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO
from PySide6.QtCore import Qt, QUrl

from annotator.domain import Video
from annotator.io import formats
from annotator.io.formats import EXPORTERS
from annotator.ui.dialogs.export_dialog import ExportDialog
from annotator.ui.dialogs.export_job import open_video_frames

from .conftest import NUM_FRAMES, square


@pytest.fixture
def opened() -> list[QUrl]:
    return []


def make_dialog(qtbot, source, opened: list[QUrl], **kwargs) -> ExportDialog:
    dialog = ExportDialog(source, open_url=opened.append, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def run(qtbot, dialog: ExportDialog) -> None:
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.running
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)


def test_formats_come_from_the_exporters_table(qtbot, project_file, opened, monkeypatch) -> None:
    dialog = make_dialog(qtbot, project_file, opened)
    listed = [dialog.format_box.itemData(i) for i in range(dialog.format_box.count())]
    assert listed == sorted(EXPORTERS)
    polygons = set()
    for fmt in listed:
        dialog.select_format(fmt)
        if dialog.polygon_box.isEnabled():
            polygons.add(fmt)
    assert {"coco-poly", "yolo-seg"} <= polygons and not {"coco", "yolo-det", "mot"} & polygons
    monkeypatch.setitem(formats.EXPORTERS, "new-format", EXPORTERS["coco"])
    later = make_dialog(qtbot, project_file, opened)
    assert later.format_box.findData("new-format") >= 0
    later.select_format("new-format")
    assert later.format_box.currentText() == "new-format" and later.polygon_box.isEnabled()


def test_coco_export_loads_in_pycocotools_and_opens_its_folder(
    qtbot, project_file, opened, tmp_path
) -> None:
    out = tmp_path / "coco"
    dialog = make_dialog(qtbot, project_file, opened, default_out=out)
    dialog.select_format("coco")
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as done:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert done.args[0].images == NUM_FRAMES
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum()
    assert f"Wrote {NUM_FRAMES} images and {2 * NUM_FRAMES} annotations" in (
        dialog.status_label.text()
    )
    coco = COCO(str(out / "annotations.json"))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["person", "car"]
    assert len(coco.getImgIds()) == NUM_FRAMES
    for image in coco.loadImgs(coco.getImgIds()):
        assert (out / "images" / image["file_name"]).is_file()
        anns = coco.loadAnns(coco.getAnnIds(imgIds=image["id"]))
        by_cat = {coco.loadCats(a["category_id"])[0]["name"]: coco.annToMask(a) for a in anns}
        f = image["frame_index"]
        np.testing.assert_array_equal(by_cat["person"], square(f, 2))
        np.testing.assert_array_equal(by_cat["car"], square(f, 30))
    assert not dialog.open_folder_button.isHidden() and dialog.open_folder_button.isEnabled()
    qtbot.mouseClick(dialog.open_folder_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(out))]


def test_frame_and_category_choices_reach_the_export(qtbot, project_file, opened, tmp_path) -> None:
    out = tmp_path / "yolo"
    dialog = make_dialog(qtbot, project_file, opened, default_out=out)
    dialog.select_format("yolo-seg")
    dialog.frames_edit.setText("2-5")
    dialog.every_spin.setValue(2)
    dialog.category_list.item(0).setCheckState(Qt.CheckState.Unchecked)  # person
    dialog.images_check.setChecked(False)
    run(qtbot, dialog)
    labels = sorted(p.name for p in out.rglob("*.txt"))
    assert labels == ["frames_v1_f000002.txt", "frames_v1_f000004.txt"]
    assert not list(out.rglob("*.jpg"))
    yaml_text = (out / "data.yaml").read_text()
    assert "car" in yaml_text and "person" not in yaml_text
    for label in out.rglob("*.txt"):
        rows = label.read_text().split("\n")
        assert [r.split()[0] for r in rows if r] == ["0"]  # the one exported category


def held_frames(reached: threading.Event, release: threading.Event) -> type:
    """A frame opener over the real frames that holds the export on frame 3 until `release`."""

    class HeldFrames:
        def __init__(self, video: Video) -> None:
            self.source = open_video_frames(video)
            self.fingerprint = self.source.fingerprint

        def __len__(self) -> int:
            return len(self.source)

        def __getitem__(self, i: int) -> np.ndarray:
            if i == 3:
                reached.set()
                release.wait(30)
            return self.source[i]

        def close(self) -> None:
            self.source.close()

    return HeldFrames


def test_cancel_removes_the_half_written_folder(qtbot, project_file, opened, tmp_path) -> None:
    reached, release = threading.Event(), threading.Event()
    HeldFrames = held_frames(reached, release)  # noqa: N806 (a class)
    out = tmp_path / "cancelled"
    dialog = make_dialog(qtbot, project_file, opened, default_out=out, open_frames=HeldFrames)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reached.is_set, timeout=30_000)
    (staging,) = tmp_path.glob(".cancelled.partial-*")  # half written, aside
    assert list(staging.rglob("*.jpg"))
    assert dialog.progress_bar.maximum() == NUM_FRAMES
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert not out.exists() and not staging.exists()
    assert dialog.status_label.text() == "Export cancelled; nothing was left in the folder."
    assert not dialog.open_folder_button.isEnabled() and dialog.export_button.isEnabled()


def test_closing_during_an_export_cancels_it(qtbot, project_file, opened, tmp_path) -> None:
    reached, release = threading.Event(), threading.Event()
    out = tmp_path / "closed"
    dialog = make_dialog(
        qtbot, project_file, opened, default_out=out, open_frames=held_frames(reached, release)
    )
    dialog.start_export()
    qtbot.waitUntil(reached.is_set, timeout=30_000)
    task = dialog.task
    assert task is not None
    # let frame 3 go once the close has asked the export to stop
    threading.Thread(target=lambda: (task.cancel_event.wait(30), release.set())).start()
    dialog.reject()
    assert task.isFinished() and not dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert not out.exists() and not list(tmp_path.glob(".closed.partial-*"))


def test_a_cancelled_export_leaves_an_empty_folder_empty(
    qtbot, project_file, opened, tmp_path
) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    dialog = make_dialog(qtbot, project_file, opened, default_out=out)
    dialog.start_export()
    dialog.cancel_export()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert out.is_dir() and not any(out.iterdir())


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("file", "exists and is not a folder"),
        ("frames", "bad frame range 'x-3': use A-B, A-, -B or A"),
        ("no-folder", "Choose a folder to export into."),
    ],
)
def test_errors_are_messages_and_leave_user_files(
    qtbot, project_file, opened, tmp_path, setup, message
) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("user data")
    dialog = make_dialog(qtbot, project_file, opened)
    dialog.out_edit.setText("" if setup == "no-folder" else str(target))
    if setup == "frames":
        dialog.out_edit.setText(str(tmp_path / "never"))
        dialog.frames_edit.setText("x-3")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert message in dialog.status_label.text()
    assert target.read_text() == "user data"
    assert not (tmp_path / "never").exists()
    assert not dialog.open_folder_button.isEnabled()


def test_split_export_reports_each_frame_once(qtbot, project_file, opened, tmp_path) -> None:
    out = tmp_path / "split"
    dialog = make_dialog(qtbot, project_file, opened, default_out=out)
    dialog.val_spin.setValue(0.25)
    dialog.images_check.setChecked(False)
    seen: list[tuple[int, int]] = []
    dialog.progressed.connect(lambda done, total: seen.append((done, total)))
    dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    train = json.loads((out / "annotations_train.json").read_text())
    val = json.loads((out / "annotations_val.json").read_text())
    assert len(train["images"]) + len(val["images"]) == NUM_FRAMES
    assert seen and seen[-1] == (NUM_FRAMES, NUM_FRAMES)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_second_export_needs_overwrite_and_replaces_the_first(
    qtbot, project_file, opened, tmp_path
) -> None:
    out = tmp_path / "again"
    dialog = make_dialog(qtbot, project_file, opened, default_out=out)
    dialog.images_check.setChecked(False)
    run(qtbot, dialog)
    first = json.loads((out / "annotations.json").read_text())
    assert len(first["images"]) == NUM_FRAMES
    dialog.frames_edit.setText("0-1")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not dialog.running
    assert dialog.status_label.text() == (
        f"The folder {out} is not empty: choose an empty or new folder, "
        "or tick Overwrite to replace an earlier export there."
    )
    dialog.overwrite_check.setChecked(True)
    run(qtbot, dialog)
    assert len(json.loads((out / "annotations.json").read_text())["images"]) == 2


def test_an_open_project_exports_every_format(qtbot, opened, tmp_path) -> None:
    from tests.io.formats.conftest import GeneratedFrames, make_project

    project = make_project()
    dialog = make_dialog(qtbot, project, opened, open_frames=GeneratedFrames)
    assert [dialog.category_list.item(i).text() for i in range(2)] == ["person", "dog car"]
    for fmt in sorted(EXPORTERS):
        dialog.select_format(fmt)
        dialog.out_edit.setText(str(tmp_path / fmt))
        run(qtbot, dialog)
        assert dialog.summary is not None, (fmt, dialog.status_label.text())
        assert dialog.summary.images > 0 and list((tmp_path / fmt).iterdir())


def test_a_missing_video_and_a_damaged_project_are_messages(
    qtbot, project_file, frames_dir, opened, tmp_path
) -> None:
    for frame in frames_dir.iterdir():
        frame.unlink()
    frames_dir.rmdir()
    dialog = make_dialog(qtbot, project_file, opened, default_out=tmp_path / "out")
    run(qtbot, dialog)
    text = dialog.status_label.text()
    assert text.startswith("Export failed: ") and str(frames_dir) in text, text
    assert not (tmp_path / "out").exists()

    damaged = tmp_path / "damaged.annotator"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    broken = make_dialog(qtbot, damaged, opened)
    assert broken.status_label.text().startswith(f"Cannot read the project: {damaged.name}")
    assert not broken.export_button.isEnabled()


def test_a_photo_set_exports_each_image_at_its_own_size(
    qtbot, shared_dir, opened, tmp_path
) -> None:
    from annotator.domain import FrameMask, Mask, Provenance, Track
    from annotator.io.media import create_project_with_media

    photos = sorted((shared_dir / "data" / "images").glob("*.jpg"))
    project, added = create_project_with_media(tmp_path / "photos.annotator", photos)
    with project:
        category = project.add_category("thing", (255, 0, 0))
        for item in added:
            video = project.video(item.video_id)
            track = Track(project.allocate_id("track"), video.id, category.id, video.path)
            project.put_track(track)
            box = np.zeros((video.height, video.width), bool)
            box[10:40, 20:60] = True
            project.put_masks(
                [FrameMask(video.id, 0, track.id, Mask.from_array(box), Provenance.EDITED)]
            )
        sizes = {Path(v.path).stem: (v.width, v.height) for v in project.videos}
    assert len(set(sizes.values())) == 3  # three different sizes
    out = tmp_path / "coco"
    dialog = make_dialog(qtbot, tmp_path / "photos.annotator", opened, default_out=out)
    run(qtbot, dialog)
    coco = COCO(str(out / "annotations.json"))
    images = coco.loadImgs(coco.getImgIds())
    assert len(images) == 3 and len(coco.getAnnIds()) == 3
    for image in images:
        stem = next(s for s in sizes if image["file_name"].startswith(s))
        assert (image["width"], image["height"]) == sizes[stem]
        written = cv2.imread(str(out / "images" / image["file_name"]))
        assert written.shape[:2] == (image["height"], image["width"])
        (ann,) = coco.loadAnns(coco.getAnnIds(imgIds=image["id"]))
        assert int(coco.annToMask(ann).sum()) == 30 * 40
