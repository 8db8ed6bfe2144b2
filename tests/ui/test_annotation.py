"""End-to-end annotation flows offscreen, on the real engine service with a seeded tiny
SAM2: clicks and boxes become masks in the project, propagation fills the timeline and the
project as one undo step, cancel keeps the finished frames, the timeline scrubs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from annotator.domain import Provenance
from annotator.service import Direction, PropagationDone
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import NUM_FRAMES, moving_square_frames

pytestmark = pytest.mark.slow


def widget_point(window: MainWindow, x: float, y: float) -> QPoint:
    """Where frame pixel (x, y) is on the canvas."""
    return window.canvas.frame_to_widget(x, y).toPoint()


def rendered_pixel(window: MainWindow, x: int, y: int) -> np.ndarray:
    """The RGB the canvas paints at the centre of frame pixel (x, y)."""
    image = window.canvas.grab().toImage()
    colour = image.pixelColor(window.canvas.frame_to_widget(x + 0.5, y + 0.5).toPoint())
    return np.array([colour.red(), colour.green(), colour.blue()])


def click(qtbot, window: MainWindow, x: float, y: float, button=Qt.MouseButton.LeftButton):
    qtbot.mouseClick(window.canvas, button, pos=widget_point(window, x, y))


def wait_for_mask(qtbot, window: MainWindow, frame: int, track: int, points: int) -> None:
    """Until the project holds the answer to the `points`-th click of `track` on `frame`."""
    ctl = window.controller

    def answered() -> bool:
        rec = ctl.project.mask(ctl.video_id, frame, track)
        return rec is not None and rec.prompt is not None and len(rec.prompt.points) == points

    qtbot.waitUntil(answered, timeout=60_000)


def click_first_object(qtbot, window: MainWindow) -> int:
    """Click the object at (35, 45) on frame 0; returns its track id once its mask is saved."""
    click(qtbot, window, 35.0, 45.0)
    track = window.controller.active_track
    assert track is not None
    wait_for_mask(qtbot, window, 0, track, 1)
    return track


def test_click_makes_an_object_mask_overlay_and_project_record(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    # the engine was loaded before the window: the label names what its session runs
    assert win.model_label.text() == "sam2.1_hiera_tiny · cpu · exact · 256 px"
    assert ctl.project.tracks() == [] and not win.canvas.has_overlay
    click(qtbot, win, 35.0, 45.0)
    (track,) = ctl.project.tracks()  # the first click made an object
    assert ctl.active_track == track.id and win.objects.track_ids() == [track.id]
    wait_for_mask(qtbot, win, 0, track.id, 1)
    rec = ctl.project.mask(ctl.video_id, 0, track.id)
    assert rec is not None and rec.provenance is Provenance.PROMPTED
    assert rec.prompt is not None and rec.prompt.labels == (1,)
    ((x, y),) = rec.prompt.points
    assert abs(x - 35.0) < 1.0 and abs(y - 45.0) < 1.0  # through the letter-box
    assert rec.mask.size == (96, 128) and rec.mask.area > 0
    qtbot.waitUntil(lambda: win.canvas.has_overlay, timeout=10_000)
    # the rendered canvas shows the mask tinted in the object's colour where the mask is
    ys, xs = np.nonzero(rec.mask.to_array())
    cx, cy = int(xs[len(xs) // 2]), int(ys[len(ys) // 2])
    shown = rendered_pixel(win, cx, cy)
    under = moving_square_frames()[0][cy, cx].astype(int)
    colour = np.array(track.colour)
    assert np.abs(shown - colour).sum() < np.abs(under - colour).sum()
    assert ctl.history.undo_label == f"click on {track.name}"


def test_right_and_shift_clicks_add_negative_points(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    click(qtbot, win, 100.0, 20.0, Qt.MouseButton.RightButton)
    wait_for_mask(qtbot, win, 0, track, 2)
    qtbot.mouseClick(
        win.canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        widget_point(win, 10.0, 80.0),
    )
    wait_for_mask(qtbot, win, 0, track, 3)
    rec = ctl.project.mask(ctl.video_id, 0, track)
    assert rec is not None and rec.prompt is not None and rec.prompt.labels == (1, 0, 0)


def test_clicks_outside_the_image_are_ignored(qtbot, annotator_window) -> None:
    win = annotator_window
    rect = win.canvas.image_rect()
    assert rect.left() > 2 or rect.top() > 2  # the letter-box leaves a border
    outside = QPoint(1, 1)
    assert win.canvas.widget_to_frame(QPointF(outside)) is None
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=outside)
    assert win.controller.project.tracks() == []


def test_a_drag_makes_a_box_prompt(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    start, end = widget_point(win, 15.0, 25.0), widget_point(win, 60.0, 65.0)
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(win.canvas, (start + end) / 2)
    QTest.mouseMove(win.canvas, end)
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, pos=end)
    (track,) = ctl.project.tracks()

    def boxed() -> bool:
        rec = ctl.project.mask(ctl.video_id, 0, track.id)
        return rec is not None and rec.prompt is not None and rec.prompt.box is not None

    qtbot.waitUntil(boxed, timeout=60_000)
    rec = ctl.project.mask(ctl.video_id, 0, track.id)
    assert rec is not None and rec.prompt is not None and rec.prompt.points == ()
    x0, y0, x1, y1 = rec.prompt.box  # type: ignore[misc]
    assert abs(x0 - 15) < 1.5 and abs(y0 - 25) < 1.5 and abs(x1 - 60) < 1.5 and abs(y1 - 65) < 1.5


def test_propagation_fills_project_and_timeline_and_undoes_as_one_step(
    qtbot, annotator_window
) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    steps_before = ctl.history.depth[0]
    with qtbot.waitSignal(win.propagation.finished, timeout=120_000) as done:
        assert win.propagation.propagate(Direction.FORWARD)
    event = done.args[0]
    assert isinstance(event, PropagationDone) and not event.cancelled
    assert event.frames == tuple(range(NUM_FRAMES))
    frames = ctl.project.frames_with_masks(ctl.video_id, track)
    assert frames == list(range(NUM_FRAMES))
    assert ctl.project.mask(ctl.video_id, 0, track).provenance is Provenance.PROMPTED  # kept
    assert ctl.project.mask(ctl.video_id, 3, track).provenance is Provenance.PROPAGATED
    assert ctl.history.depth[0] == steps_before + 1  # the whole run is one step
    qtbot.waitUntil(lambda: win.timeline.lanes and win.timeline.lanes[0].masked.all(), timeout=5000)
    assert win.timeline.lanes[0].keyframes.tolist() == [True] + [False] * (NUM_FRAMES - 1)
    assert win.propagation_bar.progress.value() == NUM_FRAMES

    win.controller.undo()
    assert ctl.project.frames_with_masks(ctl.video_id, track) == [0]  # only the click is left
    qtbot.waitUntil(lambda: win.timeline.lanes[0].masked.sum() == 1, timeout=5000)
    win.controller.redo()
    assert ctl.project.frames_with_masks(ctl.video_id, track) == list(range(NUM_FRAMES))


def test_cancel_stops_propagation_and_keeps_finished_frames(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    assert ctl.bridge is not None
    ctl.bridge.frameTracked.connect(lambda _e: win.propagation.cancel())  # after the 1st frame
    with qtbot.waitSignal(win.propagation.finished, timeout=120_000) as done:
        win.propagation.propagate(Direction.FORWARD)
        ctl.undo()  # refused while the run records, with a message
        assert "cannot undo" in win.statusBar().currentMessage()
        assert ctl.project.mask(ctl.video_id, 0, track) is not None
        click(qtbot, win, 60.0, 50.0)  # queued behind the run, and the user is told so
        assert "answered when it ends" in win.statusBar().currentMessage()
    event = done.args[0]
    assert isinstance(event, PropagationDone) and event.cancelled
    wait_for_mask(qtbot, win, 0, track, 2)
    assert 1 <= len(event.frames) < NUM_FRAMES
    assert ctl.project.frames_with_masks(ctl.video_id, track) == list(event.frames)
    assert not win.propagation.running and win.propagation_bar.forward_button.isEnabled()
    counted = f"{len(event.frames)} frame{'' if len(event.frames) == 1 else 's'}"
    said = win.propagation_bar.label.full_text
    assert said.startswith(f"Propagation cancelled after {counted} in ")
    assert said.endswith("(Shift+R resumes from there)")


def test_timeline_click_changes_the_frame(qtbot, annotator_window) -> None:
    win = annotator_window
    x = int(win.timeline.x_of(4.5))
    qtbot.mouseClick(win.timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 8))
    assert win.current_frame == 4 and win.timeline.current == 4
    qtbot.waitUntil(lambda: win.shown_exact, timeout=10_000)
    assert win.frame_label.text() == f"frame 4 / {NUM_FRAMES - 1}"
    qtbot.keyClick(win.timeline, Qt.Key.Key_Left)
    assert win.current_frame == 3
    win.registry["next_frame"].trigger()
    assert win.current_frame == 4 and win.timeline.current == 4
    x = int(win.timeline.x_of(1.5))  # a drag scrubs live
    QTest.mousePress(win.timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 8))
    QTest.mouseMove(win.timeline, QPoint(int(win.timeline.x_of(2.5)), 8))
    assert win.current_frame == 2
    QTest.mouseRelease(win.timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 8))


def test_objects_are_added_selected_and_removed_with_undo(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    first = ctl.add_object()
    second = ctl.add_object()
    assert win.objects.track_ids() == [first, second] and win.objects.active_id == second
    win.objects.list.setCurrentRow(0)
    assert ctl.active_track == first
    click(qtbot, win, 35.0, 45.0)
    wait_for_mask(qtbot, win, 0, first, 1)
    win.objects.remove_button.click()
    assert not ctl.project.has_track(first) and ctl.project.frames_with_masks(ctl.video_id) == []
    assert win.objects.track_ids() == [second]
    ctl.undo()
    assert win.objects.track_ids() == [first, second]
    assert ctl.project.frames_with_masks(ctl.video_id, first) == [0]


def test_ctrl_z_and_ctrl_shift_z_undo_and_redo_a_click(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    qtbot.waitUntil(lambda: win.canvas.has_overlay, timeout=10_000)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=5000)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ctl.project.mask(ctl.video_id, 0, track) is None
    qtbot.waitUntil(lambda: not win.canvas.has_overlay, timeout=10_000)
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(win.canvas, Qt.Key.Key_Z, modifiers)
    assert ctl.project.mask(ctl.video_id, 0, track) is not None
    qtbot.waitUntil(lambda: win.canvas.has_overlay, timeout=10_000)
    # undo again, then a new click starts a fresh prompt (the engine forgot the old one)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    click(qtbot, win, 40.0, 40.0)
    wait_for_mask(qtbot, win, 0, track, 1)
    rec = ctl.project.mask(ctl.video_id, 0, track)
    assert rec is not None and rec.prompt is not None
    ((x, y),) = rec.prompt.points
    assert abs(x - 40.0) < 1.0 and abs(y - 40.0) < 1.0


def test_a_correction_survives_re_propagation(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    with qtbot.waitSignal(win.propagation.finished, timeout=120_000):
        win.propagation.propagate(Direction.FORWARD)
    win.show_frame(3)
    click(qtbot, win, 100.0, 80.0, Qt.MouseButton.RightButton)  # a fix on a "bad" frame
    wait_for_mask(qtbot, win, 3, track, 1)
    fixed = ctl.project.mask(ctl.video_id, 3, track)
    assert fixed is not None and fixed.provenance is Provenance.PROMPTED
    win.show_frame(0)
    with qtbot.waitSignal(win.propagation.finished, timeout=120_000):
        win.propagation.propagate(Direction.FORWARD)
    after = ctl.project.mask(ctl.video_id, 3, track)
    assert after is not None and after.mask == fixed.mask and after.prompt == fixed.prompt
    assert ctl.project.keyframes(ctl.video_id, track) == [0, 3]
    qtbot.waitUntil(lambda: win.timeline.lanes[0].keyframes[[0, 3]].all(), timeout=5000)


def test_closing_the_window_mid_propagation_keeps_the_frames_written(
    qtbot, annotator_window
) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    assert ctl.bridge is not None
    win.propagation.propagate(Direction.FORWARD)
    qtbot.waitUntil(  # frame 0 is the click's own; wait for one propagated frame
        lambda: len(ctl.project.frames_with_masks(ctl.video_id, track)) >= 2, timeout=120_000
    )
    win.close()
    assert not win.propagation.running and not ctl.history._open  # noqa: SLF001
    frames = ctl.project.frames_with_masks(ctl.video_id, track)
    assert 2 <= len(frames) <= NUM_FRAMES and frames[0] == 0
    ctl.undo()  # the history is usable again: the partial run is one step
    assert ctl.project.frames_with_masks(ctl.video_id, track) == [0]


def test_hiding_an_object_hides_its_mask_and_dims_its_lane(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    qtbot.waitUntil(lambda: win.canvas.has_overlay and len(win.timeline.lanes) == 1, timeout=5000)
    win.objects.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert ctl.project.track(track).hidden
    qtbot.waitUntil(lambda: not win.canvas.has_overlay, timeout=5000)
    qtbot.waitUntil(lambda: [la.hidden for la in win.timeline.lanes] == [True], timeout=5000)
    ctl.undo()
    assert not ctl.project.track(track).hidden
    qtbot.waitUntil(lambda: win.canvas.has_overlay, timeout=5000)
    qtbot.waitUntil(lambda: [la.hidden for la in win.timeline.lanes] == [False], timeout=5000)


def test_after_undo_the_engine_is_given_the_project_prompt_again(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    one_click = ctl.project.mask(ctl.video_id, 0, track)
    click(qtbot, win, 100.0, 20.0, Qt.MouseButton.RightButton)
    wait_for_mask(qtbot, win, 0, track, 2)
    ctl.undo()  # the project is back to one click; the engine still has two
    assert ctl.project.mask(ctl.video_id, 0, track) == one_click
    assert ctl.bridge is not None
    with qtbot.waitSignal(ctl.bridge.maskReady, timeout=60_000) as replay:
        assert ctl.sync_engine() == 1
    # the engine agrees again (up to the previous mask it feeds back into the decoder)
    replayed, stored = replay.args[0].objects[track].mask, one_click.mask.to_array()
    assert (replayed & stored).sum() / (replayed | stored).sum() > 0.95
    assert ctl.sync_engine() == 0  # nothing left to replay
    assert ctl.history.depth == (2, 1)  # add object, first click | second click: no new step


def test_backspace_clears_the_active_object_on_this_frame(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    track = click_first_object(qtbot, win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=5000)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Backspace)
    assert ctl.project.mask(ctl.video_id, 0, track) is None
    qtbot.waitUntil(lambda: not win.canvas.has_overlay, timeout=5000)
    assert ctl.sync.pending == 1  # the engine drops that prompt before the next propagation
    click(qtbot, win, 40.0, 40.0)  # a fresh prompt starts from nothing
    wait_for_mask(qtbot, win, 0, track, 1)
    assert ctl.sync.pending == 0


def test_only_the_frame_the_scrubbing_rests_on_is_encoded(qtbot, annotator_window) -> None:
    win = annotator_window
    ctl = win.controller
    assert ctl.bridge is not None
    encoded: list[int] = []
    ctl.bridge.frameEncoded.connect(lambda e: encoded.append(e.frame))
    for frame in (1, 2, 3, 4):  # a drag over four frames in one go
        win.show_frame(frame)
    qtbot.waitUntil(lambda: 4 in encoded, timeout=60_000)
    assert not {1, 2, 3} & set(encoded)


def test_an_object_merged_into_another_tracks_as_one_from_both_keyframes(
    qtbot, annotator_window
) -> None:
    win = annotator_window
    ctl = win.controller
    video, last = ctl.video_id, NUM_FRAMES - 1
    first = click_first_object(qtbot, win)
    win.show_frame(last)
    qtbot.waitUntil(lambda: win.shown_exact, timeout=30_000)
    second = ctl.add_object()
    click(qtbot, win, 60.0, 45.0)  # the block on the last frame, as a second object
    wait_for_mask(qtbot, win, last, second, 1)
    clicked = ctl.project.mask(video, last, second)
    ctl.objects.merge(second, first)
    assert not ctl.project.has_track(second)
    moved = ctl.project.mask(video, last, first)
    assert moved is not None and moved.mask == clicked.mask and moved.prompt == clicked.prompt
    win.show_frame(0)
    qtbot.waitUntil(lambda: win.shown_exact, timeout=30_000)
    with qtbot.waitSignal(win.propagation.finished, timeout=120_000) as done:
        assert win.propagation.propagate(Direction.FORWARD)
    event = done.args[0]
    assert isinstance(event, PropagationDone) and not event.cancelled
    assert ctl.project.frames_with_masks(video, first) == list(range(NUM_FRAMES))
    kept = ctl.project.mask(video, last, first)  # the moved click is a keyframe of the merged
    assert kept.provenance is Provenance.PROMPTED and kept.mask == clicked.mask
    assert all(r.track_id == first for r in ctl.project.masks(video))
