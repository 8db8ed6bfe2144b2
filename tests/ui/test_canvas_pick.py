"""Picking an object on the canvas (no engine): Ctrl+click on a mask makes its object the
active one whatever the tool, without adding a point or painting; the status bar names the
object under the cursor."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from annotator.domain import Mask, Provenance, SetMask
from annotator.ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier


def block(y0: int, y1: int, x0: int, x1: int) -> Mask:
    """A rectangle of a 128x96 frame (the moving-square frames' size)."""
    array = np.zeros((96, 128), bool)
    array[y0:y1, x0:x1] = True
    return Mask.from_array(array)


@pytest.fixture
def two_objects(bare_window: MainWindow) -> tuple[MainWindow, int, int]:
    """Object 1 covers x 10-60, object 2 x 40-100 (they overlap on x 40-60), rows 20-70, on
    frame 0; object 2 is active."""
    win = bare_window
    first, second = win.controller.add_object(), win.controller.add_object()
    win.controller.execute(SetMask(1, 0, first, block(20, 70, 10, 60), Provenance.EDITED))
    win.controller.execute(SetMask(1, 0, second, block(20, 70, 40, 100), Provenance.EDITED))
    win.controller.set_active(second)
    return win, first, second


def at(win: MainWindow, x: float, y: float) -> QPoint:
    return win.canvas.frame_to_widget(x, y).toPoint()


def masks(win: MainWindow) -> dict[int, bytes]:
    return {r.track_id: r.mask.to_array().tobytes() for r in win.project.frame_masks(1, 0)}


def test_ctrl_click_on_a_mask_makes_its_object_active(qtbot, two_objects) -> None:
    win, first, second = two_objects
    before = masks(win)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, CTRL, at(win, 20, 40))
    assert win.controller.active_track == first
    assert win.objects.active_id == first  # the panel follows
    assert win.statusBar().currentMessage() == "Active object: object 1 (object)"
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, CTRL, at(win, 50, 40))
    assert win.controller.active_track == first  # the overlap: the active one is on top
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, CTRL, at(win, 90, 40))
    assert win.controller.active_track == second
    assert masks(win) == before and win.controller.current_prompt(0, second) is None


def test_ctrl_click_off_every_mask_changes_nothing_and_says_so(qtbot, two_objects) -> None:
    win, _first, second = two_objects
    before = masks(win)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, CTRL, at(win, 120, 90))
    assert win.controller.active_track == second
    assert "No mask there" in win.statusBar().currentMessage()
    assert masks(win) == before and win.controller.current_prompt(0, second) is None


def test_ctrl_click_picks_with_the_brush_instead_of_painting(qtbot, two_objects) -> None:
    win, first, _second = two_objects
    win.canvas.set_tool("brush")
    before = masks(win)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, CTRL, at(win, 20, 40))
    assert win.controller.active_track == first and win.canvas.tool == "brush"
    assert masks(win) == before


def test_hidden_objects_cannot_be_picked(qtbot, two_objects) -> None:
    win, first, second = two_objects
    win.controller.set_visible(first, False)
    qtbot.waitUntil(lambda: [la.track_id for la in win.canvas.masks.layers] == [second])
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, CTRL, at(win, 20, 40))
    assert win.controller.active_track == second


def test_the_status_bar_names_the_object_under_the_cursor(qtbot, two_objects) -> None:
    win, _first, _second = two_objects
    position = win.canvas_tools.position
    qtbot.mouseMove(win.canvas, at(win, 20.5, 40.5))
    assert position.text() == "x 20  y 40  \u00b7  object 1 (object)"
    qtbot.mouseMove(win.canvas, at(win, 50.5, 40.5))
    assert position.text().endswith("object 2 (object)")  # active: drawn on top
    qtbot.mouseMove(win.canvas, at(win, 120.5, 90.5))
    assert position.text() == "x 120  y 90"


def test_only_the_active_object_is_pickable_when_only_it_is_drawn(qtbot, two_objects) -> None:
    win, _first, second = two_objects
    win.registry["overlay_active"].trigger()
    assert win.canvas.masks.options.only_active
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, CTRL, at(win, 20, 40))
    assert win.controller.active_track == second
