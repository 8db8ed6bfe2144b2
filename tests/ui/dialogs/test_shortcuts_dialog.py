"""The shortcuts dialog lists what it is given, rebinds, refuses conflicts, hands back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from annotator.ui.dialogs.shortcuts_dialog import (
    ShortcutConflict,
    ShortcutsDialog,
    rebind,
    shortcut_table,
)

ACTIONS = [
    ("Undo", "Ctrl+Z"),
    ("Redo", ("Ctrl+Shift+Z", "Ctrl+Y")),
    ("Next frame", ["D", "Right"]),
    ("Previous frame", ["A", "Left"]),
    ("New object", "N"),
    ("Keyboard shortcuts", "F1"),
]


def make_dialog(qtbot, saved: list) -> ShortcutsDialog:
    dialog = ShortcutsDialog(ACTIONS, defaults=ACTIONS, on_rebind=saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def shown(dialog: ShortcutsDialog) -> list[tuple[str, str, str]]:
    items = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    return [(it.text(0), it.text(1), it.text(2)) for it in items if it is not None]


def test_every_shortcut_is_listed(qtbot) -> None:
    dialog = make_dialog(qtbot, [])
    assert shown(dialog) == [
        ("Undo", "Ctrl+Z", ""),
        ("Redo", "Ctrl+Shift+Z", "Ctrl+Y"),
        ("Next frame", "D", "Right"),
        ("Previous frame", "A", "Left"),
        ("New object", "N", ""),
        ("Keyboard shortcuts", "F1", ""),
    ]
    dialog.filter_edit.setText("frame")
    visible = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    assert [it.text(0) for it in visible if it is not None and not it.isHidden()] == [
        "Next frame",
        "Previous frame",
    ]


def test_rebind_and_save_hands_back_the_mapping(qtbot) -> None:
    saved: list = []
    dialog = make_dialog(qtbot, saved)
    dialog.select_action("New object")
    dialog.primary_edit.clear()
    qtbot.keyClick(dialog.primary_edit, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert dialog.mapping()["New object"] == ("Shift+B",)
    dialog.select_action("Undo")
    dialog.alternate_edit.setKeySequence(QKeySequence("Alt+Backspace"))
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    expected = dict(shortcut_table(ACTIONS))
    expected["New object"] = ("Shift+B",)
    expected["Undo"] = ("Ctrl+Z", "Alt+Backspace")
    assert saved == [expected]
    assert not dialog.isVisible()


def test_a_conflict_is_refused_with_a_message(qtbot) -> None:
    dialog = make_dialog(qtbot, [])
    dialog.select_action("New object")
    dialog.primary_edit.setKeySequence(QKeySequence("Ctrl+Y"))
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == (
        "Ctrl+Y is already the shortcut of \u201cRedo\u201d: choose another key, or give "
        "that action another key first."
    )
    assert dialog.mapping() == shortcut_table(ACTIONS)
    assert dialog.primary_edit.keySequence().toString() == "N"  # the editor shows N again


def test_clear_and_restore_defaults(qtbot) -> None:
    saved: list = []
    dialog = make_dialog(qtbot, saved)
    dialog.select_action("Next frame")
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    assert dialog.mapping()["Next frame"] == ()
    dialog.select_action("New object")
    dialog.primary_edit.setKeySequence(QKeySequence("Right"))  # free now
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert dialog.mapping()["New object"] == ("Right",)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert dialog.mapping() == shortcut_table(ACTIONS)


def test_keys_compare_in_one_spelling() -> None:
    table = shortcut_table(ACTIONS)
    with pytest.raises(ShortcutConflict, match="Redo"):
        rebind(table, "Undo", ["shift+ctrl+z"])
    assert rebind(table, "Redo", ["ctrl+shift+z", "Ctrl+Shift+Z", ""])["Redo"] == ("Ctrl+Shift+Z",)
    with pytest.raises(KeyError):
        rebind(table, "Fly", ["F"])


def test_labels_and_sections_of_the_action_registry(qtbot) -> None:
    saved: list = []
    names = [("edit.undo", "Ctrl+Z"), ("edit.redo", ("Ctrl+Shift+Z", "Ctrl+Y")), ("help", "F1")]
    dialog = ShortcutsDialog(
        names,
        labels={"edit.undo": "Undo", "edit.redo": "Redo", "help": "Keyboard shortcuts"},
        sections={"edit.undo": "Edit", "edit.redo": "Edit"},
        on_rebind=saved.append,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    edit = dialog.tree.topLevelItem(0)
    assert edit is not None and edit.text(0) == "Edit"
    assert [edit.child(i).text(0) for i in range(edit.childCount())] == ["Undo", "Redo"]
    assert dialog.tree.topLevelItem(1).text(0) == "Keyboard shortcuts"
    dialog.select_action("help")
    dialog.primary_edit.setKeySequence(QKeySequence("Ctrl+Y"))
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text().startswith("Ctrl+Y is already the shortcut of \u201cRedo\u201d")
    dialog.primary_edit.setKeySequence(QKeySequence("Shift+F1"))
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    dialog.filter_edit.setText("shift+f1")
    edit, helps = dialog.tree.topLevelItem(0), dialog.tree.topLevelItem(1)  # rows rebuilt
    assert edit.isHidden() and not helps.isHidden() and helps.text(1) == "Shift+F1"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved[0]["help"] == ("Shift+F1",) and saved[0]["edit.undo"] == ("Ctrl+Z",)
