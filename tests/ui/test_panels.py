"""Objects and categories in the window without an engine: window-wide keys, the panels'
requests as undoable commands, and Edit menu labels that say what will be undone."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from annotator.domain import Mask, Provenance, SetMask
from annotator.ui.main_window import MainWindow


@pytest.fixture
def window(bare_window: MainWindow) -> MainWindow:
    return bare_window


def shift_wheel(widget: QWidget, notches: int) -> None:
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(
        pos, QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ShiftModifier,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(widget, event)


def key(qtbot, win: MainWindow, k: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    target = win.focusWidget() or win
    qtbot.keyClick(target, k, mods)


def test_keys_make_objects_in_categories_and_undo_says_what(qtbot, window) -> None:
    win, project = window, window.project
    key(qtbot, win, Qt.Key.Key_N)
    (track,) = project.tracks()
    (default,) = project.categories
    assert track.category_id == default.id and win.controller.active_track == track.id
    win.categories_panel.buttons["add"].click()
    second = project.categories[1]
    assert win.view.category == second.id
    key(qtbot, win, Qt.Key.Key_1)  # the active object goes back to the first category
    assert project.track(track.id).category_id == default.id
    key(qtbot, win, Qt.Key.Key_2)
    assert project.track(track.id).category_id == second.id
    undo_text = f"Undo make {track.name} {second.name}"
    qtbot.waitUntil(lambda: win.registry["undo"].text() == undo_text, timeout=5000)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.track(track.id).category_id == default.id
    key(qtbot, win, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert project.track(track.id).category_id == second.id
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    key(qtbot, win, Qt.Key.Key_Z, shift_ctrl)
    assert project.track(track.id).category_id == second.id
    key(qtbot, win, Qt.Key.Key_N)  # a new object takes the current category
    assert project.tracks()[-1].category_id == second.id


def test_category_panel_requests_are_undoable(qtbot, window) -> None:
    win, project = window, window.project
    panel = win.categories_panel
    win.controller.add_object()
    panel.buttons["add"].click()
    first, second = project.categories
    panel.list.setCurrentRow(1)
    panel.ask_text = lambda _parent, _question, _current: "vehicle"
    panel.buttons["rename"].click()
    assert project.category(second.id).name == "vehicle"
    panel.ask_colour = lambda _parent, _current: (1, 2, 3)
    panel.buttons["colour"].click()
    assert project.category(second.id).colour == (1, 2, 3)
    panel.buttons["up"].click()
    assert [c.id for c in project.categories] == [second.id, first.id]
    qtbot.waitUntil(lambda: panel.list.item(0).text() == "1 · vehicle", timeout=5000)
    panel.list.setCurrentRow(1)  # the first category, holding the object
    panel.ask_choice = lambda _parent, _question, items: items.index("vehicle")
    panel.buttons["merge"].click()
    (only,) = project.categories
    assert only.id == second.id and project.tracks()[0].category_id == second.id
    assert "Merged" in win.statusBar().currentMessage()
    win.controller.undo()
    assert len(project.categories) == 2 and project.tracks()[0].category_id == first.id
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=5000)
    panel.list.setCurrentRow(1)
    panel.buttons["delete"].click()  # its object moves to the other category
    assert [c.id for c in project.categories] == [second.id]
    assert project.tracks()[0].category_id == second.id
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)
    assert not panel.buttons["delete"].isEnabled()  # the last one stays
    win.controller.categories.delete(second.id)
    assert len(project.categories) == 1
    assert "at least one category" in win.statusBar().currentMessage()


def test_object_panel_rename_lock_hide_delete_and_the_frame_marker(qtbot, window) -> None:
    win, project = window, window.project
    objects = win.objects
    track = win.controller.add_object()
    objects.ask_text = lambda _parent, _question, _current: "cup"
    key(qtbot, win, Qt.Key.Key_F2)
    assert project.track(track).name == "cup"
    qtbot.waitUntil(lambda: objects.list.item(0).text().startswith("○ cup — object"), timeout=5000)
    mask = Mask.from_array(np.pad(np.ones((4, 4), bool), ((10, 82), (10, 114))))
    win.controller.execute(SetMask(1, 0, track, mask, Provenance.EDITED))
    qtbot.waitUntil(lambda: objects.list.item(0).text().startswith("● cup"), timeout=5000)
    key(qtbot, win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert project.track(track).locked
    qtbot.waitUntil(objects.lock_button.isChecked, timeout=5000)
    assert objects.list.item(0).text().endswith("🔒")
    objects.lock_button.click()
    assert not project.track(track).locked
    key(qtbot, win, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert project.track(track).hidden
    qtbot.waitUntil(lambda: not win.canvas.has_overlay, timeout=5000)
    key(qtbot, win, Qt.Key.Key_Delete)
    assert not project.has_track(track)
    assert "Deleted cup" in win.statusBar().currentMessage()
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.track(track).name == "cup" and project.frames_with_masks(1, track) == [0]


def test_frame_keys_work_whatever_has_focus(qtbot, window) -> None:
    win = window
    win.controller.add_object()
    win.controller.add_object()
    active = win.controller.active_track
    assert win.objects.list.focusPolicy() == Qt.FocusPolicy.NoFocus
    for widget in (win.timeline, win.canvas, win.categories_panel.buttons["add"]):
        widget.setFocus()
        start = win.current_frame
        key(qtbot, win, Qt.Key.Key_Right)
        assert win.current_frame == start + 1
        key(qtbot, win, Qt.Key.Key_D)
        key(qtbot, win, Qt.Key.Key_A)
        assert win.current_frame == start + 1
    key(qtbot, win, Qt.Key.Key_Down)  # the window's "next object", not the list's own arrow
    assert win.controller.active_track != active and win.current_frame == start + 1
    assert win.registry["redo"].shortcuts() and len(win.registry.keys_of("redo")) == 2


def test_first_start_without_a_model_offers_tiny(qtbot, window) -> None:
    from annotator.ui.dialogs.first_model import FirstModelOffer

    offer = window.dialogs.offer_first_model()  # the test cache holds no model
    assert isinstance(offer, FirstModelOffer) and offer.isVisible()
    offer.close()


def test_adding_hiding_and_showing_objects_never_moves_the_frame(qtbot, window) -> None:
    win = window
    qtbot.waitUntil(lambda: win.canvas.image is not None, timeout=5000)

    def frame_place() -> tuple:
        corner = win.canvas.frame_to_widget(0.0, 0.0)
        return win.canvas.geometry().getRect(), (corner.x(), corner.y()), win.canvas.viewport.scale

    before = frame_place()
    tracks = [win.controller.add_object() for _ in range(6)]  # more lanes than fit: scrolls
    qtbot.waitUntil(lambda: len(win.timeline.lanes) == 6, timeout=5000)
    assert frame_place() == before
    win.controller.objects.set_visible(tracks[0], False)
    qtbot.waitUntil(lambda: win.timeline.lanes[0].hidden, timeout=5000)
    assert frame_place() == before and len(win.timeline.lanes) == 6  # its lane stays, dimmed
    win.controller.objects.set_visible(tracks[0], True)
    qtbot.waitUntil(lambda: not win.timeline.lanes[0].hidden, timeout=5000)
    assert frame_place() == before
    timeline = win.timeline
    assert timeline.first_lane == 0 and timeline.lane_at(timeline.lane_rect(5).center().y()) is None
    shift_wheel(timeline, -1)  # Shift+wheel down: the lanes move, the ruler stays
    shift_wheel(timeline, -3)  # no further than the last lane
    assert timeline.first_lane == 2 and frame_place() == before
    lane = timeline.lane_rect(5)
    assert lane.top() >= 30 and lane.bottom() <= timeline.height()  # the sixth is shown now
    click = QPoint(int(timeline.x_of(2.5)), int(lane.center().y()))
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=click)
    assert win.controller.active_track == tracks[5]
    win.controller.set_active(tracks[0])  # selected elsewhere: its lane scrolls into view
    assert timeline.first_lane == 0


def test_messages_name_the_undo_key_bound_now(qtbot, window) -> None:
    """'Deleted cup (Ctrl+Z brings it back)' follows a rebinding of undo, and names the menu
    item when no key is left for it."""
    win, project = window, window.project
    first, second = win.controller.add_object(), win.controller.add_object()
    win.controller.objects.remove(first)
    assert win.statusBar().currentMessage().endswith("(Ctrl+Z brings it back)")
    win.dialogs.rebind({"undo": ("Ctrl+Alt+Z",)})
    win.controller.objects.remove(second)
    assert win.statusBar().currentMessage().endswith("(Ctrl+Alt+Z brings it back)")
    key(
        qtbot,
        win,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    assert project.has_track(second)  # the key it named really undoes
    win.dialogs.rebind({"undo": ()})
    win.categories_panel.buttons["add"].click()
    added = project.categories[-1]
    win.controller.categories.delete(added.id)
    assert win.statusBar().currentMessage().endswith("(Undo takes it back)")


def test_merge_moves_one_object_into_another_from_the_panel_and_undoes(qtbot, window) -> None:
    win, project = window, window.project
    objects = win.objects
    mask = Mask.from_array(np.pad(np.ones((4, 4), bool), ((10, 82), (10, 114))))
    first = win.controller.add_object()
    second = win.controller.add_object()
    for frame, track in ((0, first), (3, second), (4, second)):
        win.controller.execute(SetMask(1, frame, track, mask, Provenance.EDITED))
    win.controller.set_active(second)
    qtbot.waitUntil(lambda: objects.active_id == second, timeout=5000)
    asked: list[tuple[str, list[str]]] = []

    def choose(_parent, question: str, items: list[str]) -> int:
        asked.append((question, items))
        return 0

    objects.ask_choice = choose
    assert objects.merge_button.isEnabled()
    qtbot.mouseClick(objects.merge_button, Qt.MouseButton.LeftButton)
    ((question, items),) = asked
    assert question == "Merge object 2 into:"
    assert len(items) == 1 and "object 1" in items[0]  # every other object, by its row
    assert not project.has_track(second) and project.frames_with_masks(1, first) == [0, 3, 4]
    assert win.controller.active_track == first
    assert "Merged object 2 into object 1" in win.statusBar().currentMessage()
    qtbot.waitUntil(lambda: objects.track_ids() == [first], timeout=5000)
    assert not objects.merge_button.isEnabled()  # nothing left to merge into

    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.frames_with_masks(1, second) == [3, 4]
    assert project.frames_with_masks(1, first) == [0]
    win.controller.execute(SetMask(1, 3, first, mask, Provenance.EDITED))  # now both on 3
    win.controller.set_active(second)
    qtbot.waitUntil(lambda: objects.active_id == second, timeout=5000)
    win.refresh_actions()
    win.registry["merge_object"].trigger()  # Edit > Merge object into…, as the button
    assert len(asked) == 2
    assert project.has_track(second)  # refused, and said why
    assert "both have masks on frame 3" in win.statusBar().currentMessage()


def test_the_filter_box_narrows_the_object_list(qtbot, window) -> None:
    win, project = window, window.project
    objects = win.objects
    person = project.add_category("person", (4, 5, 6))
    car = project.add_category("car", (1, 2, 3))
    win.view.set_category(person.id)
    ids = [win.controller.add_object() for _ in range(4)]
    win.view.set_category(car.id)
    ids.append(win.controller.add_object())  # "object 5 — car"
    qtbot.waitUntil(lambda: objects.track_ids() == ids, timeout=5000)
    qtbot.mouseClick(objects.filter_edit, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(objects.filter_edit, "CAR")  # typed into the box, not taken as shortcuts
    assert objects.shown_ids() == [ids[4]] and objects.title.text() == "Objects (1 of 5)"
    assert len(project.tracks()) == 5  # "C", "A", "R" made nothing
    objects.filter_edit.setText("object 2")
    assert objects.shown_ids() == [ids[1]]
    win.controller.add_object()  # a new row is filtered like the others
    assert objects.shown_ids() == [ids[1]] and objects.title.text() == "Objects (1 of 6)"
    qtbot.keyClick(objects.filter_edit, Qt.Key.Key_Return)
    assert win.controller.active_track == ids[1] and not objects.filter_edit.hasFocus()
    key(qtbot, win, Qt.Key.Key_N)  # the window's keys work again
    assert len(project.tracks()) == 7
    objects.filter_edit.clear()
    assert len(objects.shown_ids()) == 7 and objects.title.text() == "Objects"


def test_up_and_down_step_through_the_objects_the_list_shows(qtbot, window) -> None:
    win = window
    ids = [win.controller.add_object() for _ in range(4)]  # the last one is active
    win.canvas.setFocus()
    key(qtbot, win, Qt.Key.Key_Down)
    assert win.controller.active_track == ids[0]  # round from the last to the first
    key(qtbot, win, Qt.Key.Key_Down)
    assert win.controller.active_track == ids[1] and win.objects.active_id == ids[1]
    assert win.statusBar().currentMessage() == "Active object: object 2 (object)"
    key(qtbot, win, Qt.Key.Key_Up)
    key(qtbot, win, Qt.Key.Key_Up)
    assert win.controller.active_track == ids[3]
    win.objects.filter_edit.setText("object 1")  # only objects 1 (and none else) shown
    key(qtbot, win, Qt.Key.Key_Down)
    assert win.controller.active_track == ids[0]
    key(qtbot, win, Qt.Key.Key_Down)
    assert win.controller.active_track == ids[0]
