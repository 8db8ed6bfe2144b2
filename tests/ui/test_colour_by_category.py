"""View > Colour by category (Alt+C), without an engine: masks, prompts and lanes take their
object's category colour (objects without one keep their own), follow a category's new
colour, go back when it is off, and the choice is remembered for the next window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from annotator.domain import Mask, Project, Provenance, RecolourCategory, SetMask
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import moving_square_frames

RED, BLUE = (220, 30, 30), (30, 60, 220)


def block(x0: int) -> Mask:
    array = np.zeros((96, 128), bool)
    array[20:60, x0 : x0 + 30] = True
    return Mask.from_array(array)


@pytest.fixture
def labelled(bare_window: MainWindow) -> tuple[MainWindow, list[int]]:
    """Two 'car' objects (red category) and one 'person' (blue), each with a mask on frame 0."""
    win = bare_window
    project = win.project
    car = project.add_category("car", RED)
    person = project.add_category("person", BLUE)
    tracks = []
    for x0, category in ((5, car), (45, car), (85, person)):
        win.view.set_category(category.id)
        track = win.controller.add_object()
        win.controller.execute(SetMask(1, 0, track, block(x0), Provenance.EDITED))
        tracks.append(track)
    return win, tracks


def shown_colours(win: MainWindow) -> dict[int, tuple[int, int, int]]:
    return {layer.track_id: layer.colour for layer in win.canvas.masks.layers}


def lane_colours(win: MainWindow) -> dict[int, tuple[int, int, int]]:
    return {lane.track_id: lane.colour for lane in win.timeline.lanes}


def pixel(win: MainWindow, x: float, y: float) -> tuple[int, int, int]:
    colour = win.canvas.grab().toImage().pixelColor(win.canvas.frame_to_widget(x, y).toPoint())
    return colour.red(), colour.green(), colour.blue()


def test_alt_c_draws_objects_in_their_category_colour_and_back(qtbot, labelled) -> None:
    win, (car1, car2, person) = labelled
    own = {t.id: t.colour for t in win.project.tracks()}
    assert len(set(own.values())) == 3  # each object its own colour by default
    qtbot.waitUntil(lambda: lane_colours(win) == own)
    before = pixel(win, 20, 40), pixel(win, 60, 40)

    qtbot.keyClick(win.focusWidget() or win, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert win.registry["overlay_by_category"].isChecked()
    by_category = {car1: RED, car2: RED, person: BLUE}
    assert shown_colours(win) == by_category
    qtbot.waitUntil(lambda: lane_colours(win) == by_category)
    second_car = pixel(win, 60, 40)  # over the dark background
    assert second_car != before[1] and second_car[0] > 2 * max(second_car[1:])  # red now
    assert win.canvas.masks.active_colour == BLUE  # the active object (its edits, clicks)

    green = (20, 200, 40)
    win.controller.execute(RecolourCategory(win.project.track(car1).category_id, green))
    qtbot.waitUntil(lambda: shown_colours(win)[car1] == green)
    qtbot.waitUntil(lambda: lane_colours(win)[car2] == green)

    win.registry["overlay_by_category"].trigger()
    assert not win.view.colour_by_category
    assert shown_colours(win) == own
    qtbot.waitUntil(lambda: lane_colours(win) == own)
    assert (pixel(win, 20, 40), pixel(win, 60, 40)) == before


def test_the_choice_is_remembered_by_the_next_window(qtbot, bare_window: MainWindow) -> None:
    bare_window.registry["overlay_by_category"].trigger()
    assert bare_window.settings.colour_by_category()
    again = MainWindow(moving_square_frames(), project=Project())
    qtbot.addWidget(again)
    try:
        assert again.view.colour_by_category
        assert again.registry["overlay_by_category"].isChecked()
    finally:
        again.shutdown()
