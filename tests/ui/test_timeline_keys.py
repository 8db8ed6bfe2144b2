"""The timeline's window-wide keys on the real window (seeded tiny SAM2, 6 small frames):
ten-frame steps, go to frame, keyframe steps, play to the end, in/out markers, lane clicks,
and Backspace that sticks through a later propagation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog

from annotator.domain.absence import absent_spans
from annotator.service.planning import RunEnd
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import NUM_FRAMES

pytestmark = pytest.mark.slow


def press(qtbot, win: MainWindow, key: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(win.focusWidget() or win, key, mods)


def click_object(qtbot, win: MainWindow, frame: int) -> int:
    win.show_frame(frame)
    pos = win.canvas.frame_to_widget(35.0 + 5 * frame, 45.0).toPoint()
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=pos)
    track = win.controller.active_track
    assert track is not None
    qtbot.waitUntil(
        lambda: frame in win.project.keyframes(win.controller.video_id, track), timeout=60_000
    )
    return track


def test_navigation_keys_markers_and_lane_clicks(qtbot, annotator_window, monkeypatch) -> None:
    win = annotator_window
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    track = click_object(qtbot, win, 1)
    win.canvas.setFocus()
    press(qtbot, win, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert win.current_frame == NUM_FRAMES - 1  # ten on, clamped to the video
    press(qtbot, win, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert win.current_frame == 1  # the active object's previous keyframe
    press(qtbot, win, Qt.Key.Key_I)
    win.show_frame(3)
    press(qtbot, win, Qt.Key.Key_O)
    assert win.timeline.in_out == (1, 3)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (4, True))
    press(qtbot, win, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert win.current_frame == 4
    press(qtbot, win, Qt.Key.Key_Space)  # play: reaches the last frame and stops
    qtbot.waitUntil(lambda: not win.playback.playing, timeout=10_000)
    assert win.current_frame == NUM_FRAMES - 1
    win.view.set_active_track(None)
    lane = win.timeline.lane_rect(0)
    pos = QPoint(int(win.timeline.x_of(2.5)), int(lane.center().y()))
    qtbot.mouseClick(win.timeline, Qt.MouseButton.LeftButton, pos=pos)
    assert win.current_frame == 2 and win.controller.active_track == track


def test_backspace_sticks_through_propagation(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    track = click_object(qtbot, win, 0)
    win.registry["propagate_forward"].trigger()
    qtbot.waitUntil(lambda: not win.propagation.running, timeout=300_000)
    assert ctl.project.frames_with_masks(ctl.video_id, track) == list(range(NUM_FRAMES))
    win.show_frame(3)
    win.canvas.setFocus()
    press(qtbot, win, Qt.Key.Key_Backspace)
    assert absent_spans(ctl.project, ctl.video_id, track) == [(3, 3)]
    win.show_frame(0)
    win.registry["propagate_forward"].trigger()
    qtbot.waitUntil(lambda: not win.propagation.running, timeout=300_000)
    frames = ctl.project.frames_with_masks(ctl.video_id, track)
    assert 3 not in frames and {0, 1, 2, 4, 5} <= set(frames)


def test_space_held_over_the_canvas_pans_and_a_tap_there_plays(qtbot, annotator_window) -> None:
    win = annotator_window
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    canvas = win.canvas
    win.timeline.setFocus()  # whatever has focus, the pointer decides
    canvas.zoom_at(2.0)
    start = QPoint(300, 200)
    qtbot.mouseMove(canvas, start)
    before = canvas.viewport.offset
    qtbot.keyPress(win.focusWidget(), Qt.Key.Key_Space)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, QPoint(280, 190))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(280, 190))
    qtbot.keyRelease(win.focusWidget(), Qt.Key.Key_Space)
    assert canvas.viewport.offset == (before[0] - 20, before[1] - 10)
    assert not win.playback.playing and win.controller.active_track is None  # no play, no click
    press(qtbot, win, Qt.Key.Key_Space)  # a tap over the canvas
    assert win.playback.playing
    press(qtbot, win, Qt.Key.Key_Space)
    assert not win.playback.playing


def test_a_run_to_the_next_keyframe_for_the_active_object_only(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl, bar = win.controller, win.propagation_bar
    first = click_object(qtbot, win, 0)
    assert click_object(qtbot, win, 3) == first  # its second keyframe
    win.show_frame(0)
    win.registry["new_object"].trigger()
    second = ctl.active_track
    assert second is not None and second != first
    qtbot.mouseClick(
        win.canvas, Qt.MouseButton.LeftButton, pos=win.canvas.frame_to_widget(100, 80).toPoint()
    )
    qtbot.waitUntil(lambda: ctl.project.keyframes(ctl.video_id, second) == [0], timeout=60_000)
    ctl.set_active(first)
    bar.set_run_end(RunEnd.NEXT_KEYFRAME)
    bar.selected_only_box.setChecked(True)
    win.registry["propagate_forward"].trigger()
    assert win.propagation.running
    qtbot.waitUntil(lambda: not win.propagation.running, timeout=300_000)
    assert ctl.project.frames_with_masks(ctl.video_id, first) == [0, 1, 2, 3]  # up to keyframe 3
    assert ctl.project.frames_with_masks(ctl.video_id, second) == [0]  # not the active one


def test_a_run_for_the_objects_selected_in_the_list(qtbot, annotator_window) -> None:
    """Ctrl+click in the object list selects a second object; 'selected objects only' tracks
    those two and leaves the third on its keyframe alone."""
    win = annotator_window
    ctl, bar, panel = win.controller, win.propagation_bar, win.objects
    tracks = []
    for x in (30.0, 70.0, 110.0):
        win.registry["new_object"].trigger()
        track = ctl.active_track
        assert track is not None
        qtbot.mouseClick(
            win.canvas, Qt.MouseButton.LeftButton, pos=win.canvas.frame_to_widget(x, 60).toPoint()
        )
        qtbot.waitUntil(
            lambda t=track: ctl.project.keyframes(ctl.video_id, t) == [0], timeout=60_000
        )
        tracks.append(track)
    rows = {panel.list.item(r).data(Qt.ItemDataRole.UserRole): r for r in range(panel.list.count())}

    def click_row(track: int, mods=Qt.KeyboardModifier.NoModifier) -> None:
        rect = panel.list.visualItemRect(panel.list.item(rows[track]))
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, mods, rect.center())

    click_row(tracks[0])
    click_row(tracks[2], Qt.KeyboardModifier.ControlModifier)
    assert ctl.active_track == tracks[2]
    assert win.view.selected_tracks == {tracks[0], tracks[2]}
    bar.set_run_end(RunEnd.VIDEO)
    bar.selected_only_box.setChecked(True)
    win.registry["propagate_forward"].trigger()
    qtbot.waitUntil(lambda: not win.propagation.running, timeout=300_000)
    every = list(range(NUM_FRAMES))
    assert ctl.project.frames_with_masks(ctl.video_id, tracks[0]) == every
    assert ctl.project.frames_with_masks(ctl.video_id, tracks[2]) == every
    assert ctl.project.frames_with_masks(ctl.video_id, tracks[1]) == [0]  # not selected
    ctl.set_active(tracks[1])  # activating an object outside the selection selects it alone
    assert win.view.selected_tracks == {tracks[1]} and panel.selected_ids() == {tracks[1]}
