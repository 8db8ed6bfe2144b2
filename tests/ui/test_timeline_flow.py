"""#16's done-when in the real window, offscreen, on the seeded tiny SAM2 at 256 px, frames
0-20 of bedroom.mp4: per-object propagation over a range, scrubbing while it runs, cancel and
resume, backward tracking from a later keyframe, absence that survives re-propagation, a
correction kept, COCO and YOLO exports without the absent object, and a reopened project
identical to the one closed."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from annotator.domain import Provenance
from annotator.domain.absence import video_absence
from annotator.io.formats.coco import export_coco
from annotator.io.formats.naming import frame_stem
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.yolo import export_yolo
from annotator.io.store import create_project, open_project
from annotator.service.planning import RunEnd
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.main_window import MainWindow
from tests.conftest import SHARED
from tests.domain.helpers import dump, mask_key_dump
from tests.ui.test_main_window import image_pixels

pytestmark = pytest.mark.slow

BEDROOM = SHARED / "data" / "videos" / "bedroom.mp4"
FRAMES = 21
SCALE = 3  # 960x540 read as 320x180: the same clip, less work for a test


def bedroom_frames() -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(BEDROOM))
    frames: list[np.ndarray] = []
    while len(frames) < FRAMES:
        ok, bgr = cap.read()
        assert ok, f"cannot read frame {len(frames)} of {BEDROOM}"
        small = cv2.resize(bgr, (960 // SCALE, 540 // SCALE), interpolation=cv2.INTER_AREA)
        frames.append(np.ascontiguousarray(small[:, :, ::-1]))
    cap.release()
    return frames


def at(win: MainWindow, x: float, y: float) -> QPoint:
    return win.canvas.frame_to_widget(x / SCALE, y / SCALE).toPoint()


def masked(win: MainWindow, track: int) -> list[int]:
    return win.project.frames_with_masks(win.document.video_id, track)


def dump_of(win: MainWindow, track: int, first: int, last: int) -> list[tuple]:
    """The track's mask records on first..last, as plain tuples."""
    video = win.document.video_id
    return [mask_key_dump(r) for r in win.project.masks(video, track=track, first=first, last=last)]


def run(qtbot, win: MainWindow, action: str) -> None:
    """Trigger a propagation action and wait until its chain of runs has ended."""
    win.registry[action].trigger()
    assert win.propagation.running
    qtbot.waitUntil(lambda: not win.propagation.running, timeout=600_000)


def test_ranges_per_object_absence_correction_export_reopen(qtbot, engine, tmp_path: Path) -> None:
    frames = bedroom_frames()
    path = tmp_path / "bedroom.annotator"
    project = create_project(path)
    win = MainWindow(frames, project=project, bridge=EngineBridge(engine))
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.show()
    qtbot.waitExposed(win)
    win.controller.start_engine(frames, fast=False)
    qtbot.waitUntil(lambda: win.controller.engine_ready, timeout=120_000)
    video = win.document.video_id

    # object 1 by a click on frame 0 (the girl's dress)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=at(win, 530, 300))
    one = win.controller.active_track
    assert one is not None
    qtbot.waitUntil(lambda: masked(win, one) == [0], timeout=60_000)
    # object 2 by a box on frame 10 (the boy)
    win.show_frame(10)
    win.registry["new_object"].trigger()
    two = win.controller.active_track
    assert two is not None and two != one
    start, end = at(win, 210, 190), at(win, 390, 530)
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(win.canvas, (start + end) / 2)
    QTest.mouseMove(win.canvas, end)
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: masked(win, two) == [10], timeout=60_000)
    boxed = win.project.mask(video, 10, two)
    assert boxed is not None and boxed.prompt is not None
    assert boxed.prompt.box is not None and boxed.prompt.points == ()

    # forward from 0 over the range 0-20; scrub while it runs; cancel; resume
    win.show_frame(0)
    win.timeline.set_in_out((0, FRAMES - 1))
    win.propagation_bar.set_run_end(RunEnd.RANGE)
    win.registry["propagate_forward"].trigger()
    qtbot.waitUntil(lambda: len(masked(win, one)) >= 3, timeout=300_000)
    assert win.propagation.running
    y = int(win.timeline.lane_rect(0).center().y())
    QTest.mousePress(
        win.timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(win.timeline.x_of(14.5)), y)
    )
    QTest.mouseMove(win.timeline, QPoint(int(win.timeline.x_of(16.5)), y))
    QTest.mouseMove(win.timeline, QPoint(int(win.timeline.x_of(17.5)), y))
    QTest.mouseRelease(
        win.timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(win.timeline.x_of(17.5)), y)
    )
    assert win.current_frame == 17 and win.view.frame == 17
    qtbot.waitUntil(lambda: win.shown_exact, timeout=30_000)  # the canvas shows frame 17
    assert win.frame_view.image is not None
    np.testing.assert_array_equal(image_pixels(win.frame_view.image), frames[17])
    win.registry["cancel_propagation"].trigger()
    qtbot.waitUntil(lambda: not win.propagation.running, timeout=300_000)
    assert len(masked(win, one)) < FRAMES and win.propagation.can_resume
    run(qtbot, win, "resume_propagation")
    assert masked(win, one) == list(range(FRAMES))
    assert masked(win, two) == list(range(10, FRAMES))  # nothing before its keyframe

    # backward from 20: object 2 tracked from its keyframe 10 down to 0; the frames each
    # object already had past its last keyframe (1: all but 0, 2: 11-20) are not rewritten
    untouched = [dump_of(win, one, 0, FRAMES - 1), dump_of(win, two, 10, FRAMES - 1)]
    win.show_frame(FRAMES - 1)
    run(qtbot, win, "propagate_backward")
    assert masked(win, two) == list(range(FRAMES))
    assert [dump_of(win, one, 0, FRAMES - 1), dump_of(win, two, 10, FRAMES - 1)] == untouched
    tracked_back = {r.frame: r.provenance for r in win.project.masks(video, track=two, last=9)}
    assert tracked_back == dict.fromkeys(range(10), Provenance.PROPAGATED)

    # object 1 absent on 12-13; a correction on 15; re-propagate both ways
    win.controller.set_active(one)
    win.timeline.set_in_out((12, 13))
    win.registry["mark_absent_range"].trigger()
    assert video_absence(win.project, video) == {one: [(12, 13)]}
    assert not {12, 13} & set(masked(win, one))
    win.show_frame(15)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=at(win, 500, 380))

    def corrected() -> bool:
        rec = win.project.mask(video, 15, one)
        return rec is not None and rec.provenance is Provenance.PROMPTED

    qtbot.waitUntil(corrected, timeout=60_000)
    correction = win.project.mask(video, 15, one)
    win.timeline.set_in_out((0, FRAMES - 1))
    run(qtbot, win, "propagate_both")
    # both runs counted: 15..end forward, then 14..0 backward
    said = win.propagation_bar.label.full_text
    assert said.startswith(f"Propagation tracked {FRAMES} frames in ")
    assert not {12, 13} & set(masked(win, one))
    assert win.project.mask(video, 15, one) == correction
    assert masked(win, two) == list(range(FRAMES))
    win.controller.refresh_lanes()  # now, not at the next coalesced refresh
    lane = {lane.track_id: lane for lane in win.timeline.lanes}[one]
    assert lane.kinds is not None
    assert list(lane.kinds[12:14]) == [5, 5] and lane.kinds[15] == 2  # absent, prompted

    # exports: no object 1 on frames 12-13
    options = ExportOptions(with_images=False)
    export_coco(win.project, tmp_path / "coco", options)
    export_yolo(win.project, tmp_path / "yolo", options)
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))
    per_frame = {
        img["frame_index"]: len(coco.getAnnIds(imgIds=[img["id"]]))
        for img in coco.dataset["images"]
    }
    assert per_frame == {f: 1 if f in (12, 13) else 2 for f in range(FRAMES)}
    numbers = {
        img["frame_index"]: sorted(
            a["track_id"] for a in coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]]))
        )
        for img in coco.dataset["images"]
    }
    (number_two,) = numbers[12]  # the object left on 12-13 is object 2, on every frame
    assert numbers[13] == [number_two] and all(number_two in n for n in numbers.values())
    path_of = win.project.video(video).path
    for f in range(FRAMES):
        (label,) = (tmp_path / "yolo").rglob(f"{frame_stem(path_of, video, f)}.txt")
        rows = [r for r in label.read_text().splitlines() if r.strip()]
        assert len(rows) == (1 if f in (12, 13) else 2), f

    # close, reopen: every mask, keyframe, absence and provenance identical
    before = (dump(win.project), video_absence(win.project, video))
    win.shutdown()
    project.close()
    with open_project(path) as reopened:
        assert (dump(reopened), video_absence(reopened, video)) == before
