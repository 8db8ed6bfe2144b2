"""The whole job in the real window, offscreen, on the seeded tiny SAM2 (#14's done-when):
new project from bedroom.mp4 -> object by click -> category by key 2 -> rename -> second
object by box -> COCO and YOLO from the export dialog (pycocotools and data.yaml agree) ->
model changed from the menu -> undo and redo with both shortcuts. And a photo project of
three images of different sizes, each segmented by a click and exported at its own size."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from pycocotools.coco import COCO
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from annotator.cli import build_parser
from annotator.commands.gui import open_window
from annotator.domain import Provenance
from annotator.ui.main_window import MainWindow
from tests.conftest import SHARED

pytestmark = pytest.mark.slow

BEDROOM = SHARED / "data" / "videos" / "bedroom.mp4"
IMAGES = SHARED / "data" / "images"


def at(win: MainWindow, x: float, y: float) -> QPoint:
    return win.canvas.frame_to_widget(x, y).toPoint()


def press(qtbot, win: MainWindow, key: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(win.focusWidget() or win, key, mods)


def rendered(win: MainWindow, x: float, y: float) -> np.ndarray:
    colour = win.canvas.grab().toImage().pixelColor(at(win, x, y))
    return np.array([colour.red(), colour.green(), colour.blue()])


def inner_pixel(win: MainWindow, frame: int, track: int) -> tuple[int, int]:
    """A pixel well inside the track's mask and outside every other mask on the frame."""
    video = win.document.video_id
    own = win.project.mask(video, frame, track)
    assert own is not None and own.mask.area > 0
    alone = own.mask.to_array()
    for other in win.project.frame_masks(video, frame):
        if other.track_id != track:
            alone &= ~other.mask.to_array()
    inner = cv2.erode(alone.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    ys, xs = np.nonzero(inner)
    assert len(xs), "the mask has no inner pixel of its own"
    return int(xs[len(xs) // 2]), int(ys[len(ys) // 2])


def wait_mask(qtbot, win: MainWindow, frame: int, track: int) -> None:
    video = win.document.video_id
    qtbot.waitUntil(lambda: win.project.mask(video, frame, track) is not None, timeout=120_000)


@pytest.fixture
def window(qtbot, tmp_path: Path, tiny_checkpoint: Path):
    """The window as `annotator gui` opens it (sample clip), with the tiny model at 256 px."""
    args = build_parser().parse_args(
        ["gui", "--project", str(tmp_path / "sample.annotator"), "--model",
         str(tiny_checkpoint), "--image-size", "256"]
    )  # fmt: skip
    win = open_window(args)
    qtbot.addWidget(win)
    win.resize(1100, 760)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    yield win
    win.shutdown()


def new_project(win: MainWindow, media: list[str], target: Path, action: str) -> None:
    win.file_menu.ask_video = lambda _parent, _title: media
    win.file_menu.ask_images = lambda _parent, _title: media
    win.file_menu.ask_new_project = lambda _parent, _title: [str(target)]
    errors: list[str] = []
    win.file_menu.tell_error = lambda _parent, message: errors.append(message)
    win.registry[action].trigger()
    assert errors == [] and win.document.path == target


def test_video_project_click_categorise_box_export_model_undo(
    qtbot, window: MainWindow, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    win = window
    new_project(win, [str(BEDROOM)], tmp_path / "bedroom.annotator", "new_from_video")
    assert win.windowTitle().startswith("annotator — bedroom.mp4")
    assert len(win.document.frames) == win.timeline.num_frames == 200
    qtbot.waitUntil(lambda: win.controller.engine_ready, timeout=120_000)
    project = win.project

    # object by click (frame coordinates of the girl's dress)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=at(win, 530.0, 300.0))
    (girl,) = [t.id for t in project.tracks()]
    wait_mask(qtbot, win, 0, girl)
    record = project.mask(win.document.video_id, 0, girl)
    assert record is not None and record.provenance is Provenance.PROMPTED
    # category by key 2 (a second category first), then a rename (F2)
    win.categories_panel.ask_text = lambda _p, _q, _c: "person"
    win.categories_panel.buttons["add"].click()
    qtbot.waitUntil(lambda: win.categories_panel.list.count() == 2, timeout=5000)
    win.categories_panel.list.setCurrentRow(1)
    win.categories_panel.buttons["rename"].click()
    press(qtbot, win, Qt.Key.Key_2)
    person = project.category_by_name("person")
    assert person is not None and project.track(girl).category_id == person.id
    win.objects.ask_text = lambda _p, _q, _c: "girl"
    press(qtbot, win, Qt.Key.Key_F2)
    assert project.track(girl).name == "girl"

    # second object by box, in the first category ("object")
    press(qtbot, win, Qt.Key.Key_N)
    boy = win.controller.active_track
    assert boy is not None and boy != girl
    press(qtbot, win, Qt.Key.Key_1)
    start, end = at(win, 210.0, 190.0), at(win, 390.0, 530.0)
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(win.canvas, (start + end) / 2)
    QTest.mouseMove(win.canvas, end)
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, pos=end)
    wait_mask(qtbot, win, 0, boy)
    boxed = project.mask(win.document.video_id, 0, boy)
    assert boxed is not None and boxed.prompt is not None and boxed.prompt.box is not None
    # both masks are painted in their objects' colours
    for track in (girl, boy):
        x, y = inner_pixel(win, 0, track)
        under = win.document.frames[0][y, x].astype(int)
        colour = np.array(project.track(track).colour)

        def tinted(x=x, y=y, under=under, colour=colour) -> bool:
            return bool(np.abs(rendered(win, x, y) - colour).sum() < np.abs(under - colour).sum())

        qtbot.waitUntil(tinted, timeout=10_000)

    # export COCO and YOLO from the dialog (only the annotated frame, to stay quick)
    for fmt in ("coco", "yolo-seg"):
        win.registry["export"].trigger()
        dialog = win.dialogs.last_dialog
        dialog.select_format(fmt)
        dialog.out_edit.setText(str(tmp_path / fmt))
        dialog.only_annotated_check.setChecked(True)
        with qtbot.waitSignal(dialog.exported, timeout=120_000):
            qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        dialog.close()
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    anns = coco.loadAnns(coco.getAnnIds())
    assert sorted(names[a["category_id"]] for a in anns) == ["object", "person"]
    assert all(coco.annToMask(a).sum() > 0 for a in anns)
    data = yaml.safe_load((tmp_path / "yolo-seg" / "data.yaml").read_text())
    listed = data["names"].values() if isinstance(data["names"], dict) else data["names"]
    assert sorted(listed) == ["object", "person"]

    # the model changed from the menu (a local checkpoint, at 512 px)
    win.dialogs.choose_checkpoint = lambda _parent: str(tiny_checkpoint)
    win.registry["models"].trigger()
    models = win.dialogs.last_dialog
    qtbot.mouseClick(models.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: models.use_button.isEnabled() and models.choice() is not None, timeout=60_000
    )
    models.size_box.setCurrentIndex(models.size_box.findData(512))
    qtbot.mouseClick(models.use_button, Qt.MouseButton.LeftButton)
    assert "512 px" in win.model_label.text()
    qtbot.waitUntil(lambda: win.controller.engine_ready, timeout=120_000)
    assert win.settings.model()["image_size"] == "512"

    # undo and redo with both shortcuts
    models.close()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    video = win.document.video_id
    qtbot.waitUntil(lambda: win.registry["undo"].text() == "Undo box on object 2", timeout=5000)
    press(qtbot, win, Qt.Key.Key_Z, ctrl)
    assert project.mask(video, 0, boy) is None
    press(qtbot, win, Qt.Key.Key_Z, ctrl | shift)
    assert project.mask(video, 0, boy) == boxed
    press(qtbot, win, Qt.Key.Key_Z, ctrl)
    press(qtbot, win, Qt.Key.Key_Y, ctrl)
    assert project.mask(video, 0, boy) == boxed


def test_photo_project_each_image_at_its_own_size(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    win = window
    photos = sorted(str(p) for p in IMAGES.glob("*.jpg"))
    new_project(win, photos, tmp_path / "photos.annotator", "new_from_images")
    assert win.document.is_photo and win.image_strip.isVisible() and win.timeline.isHidden()
    assert len(win.image_strip.photo_ids()) == 3
    for index, video_id in enumerate(win.image_strip.photo_ids()):
        win.image_strip.setCurrentRow(index)  # the strip switches the photo shown
        assert win.document.video_id == video_id
        qtbot.waitUntil(lambda: win.controller.engine_ready and win.shown_exact, timeout=120_000)
        assert win.controller.client.photo  # the engine's image predictor, no video session
        video = win.project.video(video_id)
        x, y = video.width / 2, video.height / 2
        qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=at(win, x, y))
        track = win.controller.active_track
        assert track is not None
        wait_mask(qtbot, win, 0, track)
    win.registry["export"].trigger()
    dialog = win.dialogs.last_dialog
    dialog.select_format("coco")
    dialog.out_edit.setText(str(tmp_path / "coco"))
    with qtbot.waitSignal(dialog.exported, timeout=120_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))
    images = coco.loadImgs(coco.getImgIds())
    sizes = {Path(v.path).name: (v.width, v.height) for v in win.project.videos}
    assert len(images) == 3 and len(set(sizes.values())) == 3
    for image in images:
        assert (image["width"], image["height"]) == sizes[Path(image["file_name"]).name]
        (ann,) = coco.loadAnns(coco.getAnnIds(imgIds=image["id"]))
        assert coco.annToMask(ann).shape == (image["height"], image["width"])


def test_frame_keys_step_through_the_photos_of_a_photo_project(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """D / A / arrows go to the next and previous photo (a photo has one frame), Home and End
    to the first and last; at an end the status bar says so and nothing changes."""
    win = window
    photos = sorted(str(p) for p in IMAGES.glob("*.jpg"))
    new_project(win, photos, tmp_path / "photos.annotator", "new_from_images")
    order = win.image_strip.photo_ids()
    assert win.document.video_id == order[0]
    press(qtbot, win, Qt.Key.Key_D)
    assert win.document.video_id == order[1] and win.image_strip.currentRow() == 1
    press(qtbot, win, Qt.Key.Key_Right)
    assert win.document.video_id == order[2]
    press(qtbot, win, Qt.Key.Key_D)
    assert win.document.video_id == order[2]
    assert win.statusBar().currentMessage() == "This is the last photo of the project"
    press(qtbot, win, Qt.Key.Key_A)
    assert win.document.video_id == order[1]
    press(qtbot, win, Qt.Key.Key_Home)
    assert win.document.video_id == order[0]
    press(qtbot, win, Qt.Key.Key_End)
    assert win.document.video_id == order[2]
    assert win.windowTitle().startswith(f"annotator — {Path(photos[2]).name}")


def test_gui_on_a_folder_of_photos_opens_it_as_a_photo_set(
    qtbot, tmp_path: Path, tiny_checkpoint
) -> None:
    """`annotator gui FOLDER` on images of different sizes opens them as photos, as File >
    New does (it used to refuse them as a sequence of mixed sizes); opened again, the folder
    adds nothing twice and the window shows the photo the user was on."""
    args = build_parser().parse_args(
        ["gui", str(IMAGES), "--project", str(tmp_path / "photos.annotator"), "--model",
         str(tiny_checkpoint), "--image-size", "256"]
    )  # fmt: skip
    win = open_window(args)
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.document.is_photo and len(win.image_strip.photo_ids()) == 3
        win.image_strip.setCurrentRow(2)
        qtbot.waitUntil(lambda: win.controller.engine_ready and win.shown_exact, timeout=120_000)
        chosen = win.document.video_id
        video = win.project.video(chosen)
        qtbot.mouseClick(
            win.canvas, Qt.MouseButton.LeftButton, pos=at(win, video.width / 2, video.height / 2)
        )
        track = win.controller.active_track
        assert track is not None
        wait_mask(qtbot, win, 0, track)
    finally:
        win.shutdown()
    again = open_window(args)
    qtbot.addWidget(again)
    try:
        assert len(again.project.videos) == 3 and again.document.video_id == chosen
        assert again.project.mask(chosen, 0, track) is not None
    finally:
        again.shutdown()
