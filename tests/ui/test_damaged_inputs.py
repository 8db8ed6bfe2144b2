"""Damaged inputs in the window (#13 items 2, 6 and 9): an unreadable frame is shown as such
with a message and the window goes on; a damaged project file is a message naming it, and
its lock is released; a partly damaged one opens read-only naming its bad rows; a full disk
under the proxy cache is said, the previews kept in memory."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.cli import build_parser
from annotator.commands.gui import open_window
from annotator.domain import AddTrack, Mask, Prompt, Provenance, SetMask
from annotator.io.frames import open_frames
from annotator.io.store import create_project, open_project
from annotator.io.store.lock import lock_path_for
from annotator.ui.document import DocumentError, open_document
from annotator.ui.main_window import UNREADABLE_GREY, MainWindow
from tests.io.test_store_damaged import sql
from tests.ui.conftest import moving_square_frames


def image_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(moving_square_frames(3)):
        cv2.imwrite(str(folder / f"{index:03d}.jpg"), frame[:, :, ::-1])
    return folder


def test_an_unreadable_frame_is_a_grey_frame_and_a_message(qtbot, tmp_path: Path) -> None:
    folder = image_folder(tmp_path)
    frames = open_frames(folder, use_proxy_cache=False, cache_bytes=0)
    broken = folder / "001.jpg"
    broken.write_bytes(broken.read_bytes()[:300])  # truncated after the size check
    try:
        win = MainWindow(frames)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.shown_exact, timeout=10_000)
        win.show_frame(1)
        qtbot.waitUntil(lambda: win.frame_problem is not None, timeout=10_000)
        message = win.statusBar().currentMessage()
        assert message.startswith("Frame 1 of frames cannot be read") and "001.jpg" in message
        assert ".." not in message
        assert win.canvas.image is not None
        assert win.canvas.image.pixelColor(5, 5).red() == UNREADABLE_GREY
        win.show_frame(2)  # the window goes on
        qtbot.waitUntil(lambda: win.shown_exact and win.frame_problem is None, timeout=10_000)
        win.shutdown()
    finally:
        frames.close()


@pytest.mark.parametrize("damage", ["not a project", "flipped header"])
def test_a_damaged_project_is_a_message_and_leaves_no_lock(tmp_path: Path, damage: str) -> None:
    video = image_folder(tmp_path)
    path = tmp_path / "p.annotator"
    if damage == "not a project":
        path.write_text("hello")
    else:
        create_project(path).close()
        data = bytearray(path.read_bytes())
        data[0:16] = b"X" * 16
        path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(DocumentError, match=str(path.name)):
        open_document(video, path)
    assert path.read_bytes() == before  # the user's file is left as it was
    assert not path.with_name(path.name + ".lock").exists()


def test_a_failing_open_releases_the_lock(tmp_path: Path) -> None:
    folder = image_folder(tmp_path)
    path = tmp_path / "p.annotator"
    create_project(path).close()
    document = open_document(folder, path)
    document.close()
    with pytest.raises(DocumentError, match="Cannot open"):
        open_document(tmp_path / "missing.mp4", path)
    with open_project(path):  # not locked by the failed attempt
        pass


def test_a_partly_damaged_project_opens_read_only_in_the_window_naming_the_rows(
    qtbot, tmp_path: Path
) -> None:
    folder = image_folder(tmp_path)
    path = tmp_path / "p.annotator"
    document = open_document(folder, path)
    vid = document.video_id
    track = document.history.execute(AddTrack(vid)).track_id
    blob = np.zeros((document.video.height, document.video.width), bool)
    blob[10:30, 10:30] = True
    prompt = Prompt(points=((20.0, 20.0),), labels=(1,))
    for frame in range(3):
        mask = Mask.from_array(blob)
        document.history.execute(SetMask(vid, frame, track, mask, Provenance.PROMPTED, 3.0, prompt))
    document.close()
    sql(path, "UPDATE masks SET prompt = 'not json' WHERE frame = 1")
    args = ["gui", "--project", str(path), "--model", str(tmp_path / "none.pt")]
    window = open_window(build_parser().parse_args(args))
    qtbot.addWidget(window)
    try:
        expected = (
            "p.annotator is partly damaged: 1 mask cannot be read (video 1 frame 1 object 1: "
            "its prompt is not valid JSON). It was opened read-only: everything else can be "
            "viewed and exported. To edit it again, restore the file from a backup copy."
        )
        assert window.statusBar().currentMessage() == expected  # said first, over 'no model'
        assert not window.read_only_label.isHidden()
        assert window.read_only_label.toolTip() == expected
        assert not lock_path_for(path).exists()  # read-only: no lock to leave behind
        assert window.project.mask(vid, 2, track) is not None  # the rest is there
        assert window.controller.execute(AddTrack(vid)) is None  # an edit is refused, said
        assert window.statusBar().currentMessage() == expected
    finally:
        window.shutdown()
    assert not lock_path_for(path).exists()


def test_a_writable_project_has_no_read_only_mark(qtbot, tmp_path: Path) -> None:
    folder = image_folder(tmp_path)
    document = open_document(folder, tmp_path / "p.annotator")
    window = MainWindow(document.frames, document.title, document=document)
    qtbot.addWidget(window)
    try:
        assert window.read_only_label.isHidden() and window.show_read_only() is None
    finally:
        window.shutdown()
        document.close()


def test_a_full_disk_under_the_proxy_cache_is_said_and_previews_stay(qtbot, tmp_path: Path) -> None:
    folder = image_folder(tmp_path)
    cache = tmp_path / "cache"
    frames = open_frames(folder, proxy_dir=cache, proxy_memory_bytes=0, background=False)
    try:
        [spill] = [p for p in cache.rglob("*") if p.is_file()]  # made at opening, still empty
        spill.unlink()
        spill.symlink_to("/dev/full")  # every write there fails: no space left on device
        win = MainWindow(frames)
        qtbot.addWidget(win)
        frames.start_pass()
        qtbot.waitUntil(lambda: win.frames_watcher.proxy_problem is not None, timeout=20_000)
        message = win.statusBar().currentMessage()
        assert message == win.frames_watcher.proxy_problem
        assert message.startswith("Scrub previews are not saved for next time: the proxy cache")
        assert "is full ([Errno 28] No space left on device)" in message
        assert "this session keeps them in memory" in message
        assert frames.wait_ready(20) and all(frames.proxy(i) is not None for i in range(3))
        win.shutdown()
    finally:
        frames.close()
