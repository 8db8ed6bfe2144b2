"""#16's review aids and window-wide timeline keys, in the window without a model: the frames a
tracker would report go through the window's own history as a propagation batch. Review flags
(score drop, area jump) and low-score frames shown on the lane and stepped with F / Shift+F,
and K keeping a good tracked mask (the flag goes);
frame keys from whichever widget has the focus; absence from the Track menu; playback that
drops frames rather than lagging behind the video's clock."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from annotator.domain import Mask, Provenance
from annotator.domain.absence import absent_spans
from annotator.service.lane_facts import FrameKind
from annotator.ui.main_window import MainWindow
from annotator.ui.widgets.timeline_paint import FLAG, LOW_SCORE
from tests.ui.conftest import NUM_FRAMES


@pytest.fixture
def win(bare_window: MainWindow) -> MainWindow:
    return bare_window


def press(qtbot, win: MainWindow, k: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(win.focusWidget() or win, k, mods)


def square(x0: int, size: int) -> Mask:
    a = np.zeros((96, 128), bool)
    a[30 : 30 + size, x0 : x0 + size] = True
    return Mask.from_array(a)


def lane_kinds(win: MainWindow, track: int) -> list[FrameKind]:
    """The track's lane as the timeline shows it (empty while it has none)."""
    lanes = [lane for lane in win.timeline.lanes if lane.track_id == track]
    return [FrameKind(k) for k in lanes[0].kinds] if lanes and lanes[0].kinds is not None else []


def tracked(qtbot, win: MainWindow, scores: list[float], sizes: list[int]) -> int:
    """A new object 'propagated' on every frame with these scores and square sizes, once
    its lane shows it (lanes follow the project's change events, coalesced)."""
    track = win.controller.add_object()
    with win.controller.history.begin_batch("Propagate") as batch:
        for f, (score, size) in enumerate(zip(scores, sizes, strict=True)):
            batch.add_tracked_frame(win.controller.video_id, f, {track: (square(10, size), score)})
    qtbot.waitUntil(
        lambda: lane_kinds(win, track) == [FrameKind.PROPAGATED] * len(scores), timeout=5000
    )
    return track


def rgb(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = image.pixelColor(int(x), int(y))
    return c.red(), c.green(), c.blue()


def test_review_flags_are_on_the_lane_and_f_steps_through_them(qtbot, win: MainWindow) -> None:
    # frame 3: the score falls below zero (lost); frame 5: the area quadruples (drift)
    track = tracked(qtbot, win, [6.0, 6.0, 6.0, -3.0, 6.0, 6.0], [20, 20, 20, 20, 20, 40])
    assert np.flatnonzero(win.controller.lanes.flags(track)).tolist() == [3, 5]
    (lane,) = win.timeline.lanes
    assert lane.low_score is not None and np.flatnonzero(lane.low_score).tolist() == [3]
    image = win.timeline.grab().toImage()
    rect = win.timeline.lane_rect(0)
    for f in (3, 5):  # an orange mark just above the lane
        assert rgb(image, win.timeline.x_of(f + 0.5), rect.top() - 2) == FLAG.getRgb()[:3]
    assert rgb(image, win.timeline.x_of(4.5), rect.top() - 2) != FLAG.getRgb()[:3]
    low = rgb(image, win.timeline.x_of(3.5), rect.bottom() - 1)
    assert low == LOW_SCORE.getRgb()[:3]  # the red underline of a low score

    win.canvas.setFocus()
    press(qtbot, win, Qt.Key.Key_F)
    assert win.current_frame == 3
    press(qtbot, win, Qt.Key.Key_F)
    assert win.current_frame == 5
    press(qtbot, win, Qt.Key.Key_F)
    assert win.current_frame == 5 and "No flagged frame" in win.statusBar().currentMessage()
    press(qtbot, win, Qt.Key.Key_F, Qt.KeyboardModifier.ShiftModifier)
    assert win.current_frame == 3


def test_k_keeps_a_flagged_tracked_mask_and_its_flag_goes(qtbot, win: MainWindow) -> None:
    track = tracked(qtbot, win, [6.0, 6.0, 6.0, -3.0, 6.0, 6.0], [20, 20, 20, 20, 20, 40])
    project, video = win.project, win.controller.video_id
    before = project.mask(video, 5, track)
    win.canvas.setFocus()
    press(qtbot, win, Qt.Key.Key_F)
    press(qtbot, win, Qt.Key.Key_F)
    assert win.current_frame == 5
    press(qtbot, win, Qt.Key.Key_K)
    kept = project.mask(video, 5, track)
    assert kept.provenance is Provenance.EDITED and kept.mask == before.mask
    assert kept.score == before.score
    assert "Kept object 1's mask on frame 5 as yours" in win.statusBar().currentMessage()
    assert 5 in project.keyframes(video, track)  # tracking starts from it, runs keep it
    qtbot.waitUntil(lambda: np.flatnonzero(win.controller.lanes.flags(track)).tolist() == [3])
    assert lane_kinds(win, track)[5] == FrameKind.EDITED
    press(qtbot, win, Qt.Key.Key_K)  # once is enough
    assert "yours already" in win.statusBar().currentMessage()

    press(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.mask(video, 5, track) == before
    qtbot.waitUntil(lambda: np.flatnonzero(win.controller.lanes.flags(track)).tolist() == [3, 5])
    win.controller.clear_frame()  # absent here: nothing to keep
    press(qtbot, win, Qt.Key.Key_K)
    assert "has no mask on frame 5 to keep" in win.statusBar().currentMessage()


@pytest.mark.parametrize("where", ["canvas", "timeline", "run_end", "selected_only"])
def test_frame_keys_work_whichever_widget_has_the_focus(qtbot, win: MainWindow, where) -> None:
    tracked(qtbot, win, [6.0] * NUM_FRAMES, [20] * NUM_FRAMES)
    bar = win.propagation_bar
    focus: QWidget = {
        "canvas": win.canvas,
        "timeline": win.timeline,
        "run_end": bar.run_end_box,
        "selected_only": bar.selected_only_box,
    }[where]
    choices = (bar.run_end, bar.selected_only)
    focus.setFocus()
    qtbot.waitUntil(focus.hasFocus, timeout=5000)
    win.show_frame(2)
    steps = [
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, 3),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, 2),
        (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, NUM_FRAMES - 1),
        (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, NUM_FRAMES - 1),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier, 0),
    ]
    for k, mods, want in steps:
        qtbot.keyClick(focus, k, mods)
        assert win.current_frame == want, (k, mods)
        assert win.timeline.current == want
    assert (bar.run_end, bar.selected_only) == choices  # the keys moved frames, nothing else


def test_absence_from_the_track_menu_is_stored_and_shown(qtbot, win: MainWindow) -> None:
    track = tracked(qtbot, win, [6.0] * NUM_FRAMES, [20] * NUM_FRAMES)
    (track_menu,) = [
        a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Track"
    ]
    items = {a.text(): a for a in track_menu.actions()}
    assert {"Mark absent here", "Mark absent in range", "Not absent here"} <= set(items)
    name = win.project.track(track).name
    win.statusBar().showMessage("Propagated 6 frames forward")  # an earlier run's message
    win.show_frame(2)
    items["Mark absent here"].trigger()
    said = win.statusBar().currentMessage()
    assert said == f"{name} marked absent on frame 2 (tracking leaves it empty there)"
    win.timeline.set_in_out((4, 5))
    items["Mark absent in range"].trigger()
    assert win.statusBar().currentMessage().startswith(f"{name} marked absent on frames 4–5")
    video = win.controller.video_id
    assert absent_spans(win.project, video, track) == [(2, 2), (4, 5)]
    assert win.project.frames_with_masks(video, track) == [0, 1, 3]
    absent, tracked_kind = FrameKind.ABSENT, FrameKind.PROPAGATED
    want = [tracked_kind, tracked_kind, absent, tracked_kind, absent, absent]
    qtbot.waitUntil(lambda: lane_kinds(win, track) == want, timeout=5000)
    win.show_frame(4)
    items["Not absent here"].trigger()
    assert absent_spans(win.project, video, track) == [(2, 2), (5, 5)]
    said = win.statusBar().currentMessage()
    assert said == f"{name} no longer marked absent on frame 4 (tracking may fill it again)"


def test_playback_drops_frames_rather_than_lagging(qtbot, win: MainWindow) -> None:
    fps = win.project.video(win.controller.video_id).fps or 25.0
    shown: list[int] = []

    def slow_frame(change) -> None:  # the first frame played takes three frames' time
        shown.append(change.new)
        if len(shown) == 1:
            until = time.perf_counter() + 3.5 / fps
            while time.perf_counter() < until:
                pass

    win.view.subscribe(slow_frame, "frame")
    win.registry["play_pause"].trigger()
    assert win.playback.playing
    qtbot.waitUntil(lambda: not win.playback.playing, timeout=10_000)
    assert shown[-1] == NUM_FRAMES - 1 and shown == sorted(set(shown))
    assert max(np.diff([0, *shown])) >= 3  # frames the slow one overran were skipped
