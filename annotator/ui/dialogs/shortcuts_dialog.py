"""Help > Keyboard shortcuts (F1): every shortcut of the window, and rebinding them.

The dialog is given the actions as (name, key sequence or sequences) pairs, optionally
with labels and sections (the action registry's text and section), and never looks at the
window: it shows them, lets the user pick new keys for one (a key another action uses is
refused with a message saying which), and hands back the whole new mapping by name
(`mapping()`, the `rebound` signal, or the `on_rebind` callback) when the user saves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

Keys = tuple[str, ...]
Shortcuts = dict[str, Keys]
"""Action name -> its key sequences in Qt's portable text ("Ctrl+Shift+Z"), primary first."""


class ShortcutConflict(ValueError):
    """A key sequence is already bound to another action."""


def normalise(key: str | QKeySequence) -> str:
    """A key sequence in Qt's portable text, so "shift+ctrl+z" equals "Ctrl+Shift+Z"."""
    sequence = key if isinstance(key, QKeySequence) else QKeySequence(key)
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def shortcut_table(actions: Iterable[tuple[str, str | Sequence[str]]]) -> Shortcuts:
    """(name, key or keys) pairs as a Shortcuts mapping; repeated names gather their keys."""
    table: dict[str, list[str]] = {}
    for name, keys in actions:
        listed = [keys] if isinstance(keys, str) else list(keys)
        bucket = table.setdefault(name, [])
        bucket.extend(k for k in map(normalise, listed) if k and k not in bucket)
    return {name: tuple(keys) for name, keys in table.items()}


def rebind(
    table: Mapping[str, Keys],
    name: str,
    keys: Sequence[str],
    labels: Mapping[str, str] | None = None,
) -> Shortcuts:
    """`table` with `name` bound to `keys` (empty ones dropped); ShortcutConflict (naming the
    other action by its label) if another action has one of them."""
    if name not in table:
        raise KeyError(name)
    wanted: list[str] = []
    for key in map(normalise, keys):
        if key and key not in wanted:
            wanted.append(key)
    for other, bound in table.items():
        taken = [k for k in wanted if k in bound and other != name]
        if taken:
            label = (labels or {}).get(other, other)
            raise ShortcutConflict(
                f"{taken[0]} is already the shortcut of \u201c{label}\u201d: choose another "
                "key, or give that action another key first."
            )
    new = dict(table)
    new[name] = tuple(wanted)
    return new


def _section_row(title: str) -> QTreeWidgetItem:
    """A bold, unselectable heading row grouping a section's actions."""
    item = QTreeWidgetItem([title])
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    font = item.font(0)
    font.setBold(True)
    item.setFont(0, font)
    return item


class ShortcutsDialog(QDialog):
    """Lists every shortcut; rebinding one at a time, conflicts refused with a message."""

    rebound = Signal(object)

    def __init__(
        self,
        actions: Iterable[tuple[str, str | Sequence[str]]],
        parent: QWidget | None = None,
        *,
        defaults: Iterable[tuple[str, str | Sequence[str]]] | None = None,
        labels: Mapping[str, str] | None = None,
        sections: Mapping[str, str] | None = None,
        on_rebind: Callable[[Shortcuts], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self._table = shortcut_table(actions)
        self._labels = {name: (labels or {}).get(name, name) for name in self._table}
        self._sections = dict(sections or {})
        self._defaults = shortcut_table(defaults) if defaults is not None else None
        self._on_rebind = on_rebind

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Search actions or keys")
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Action", "Shortcut", "Alternate"])
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.currentItemChanged.connect(lambda *_: self._load_editor())
        self.primary_edit = QKeySequenceEdit()
        self.alternate_edit = QKeySequenceEdit()
        self.assign_button = QPushButton("Assign")
        self.assign_button.clicked.connect(self.assign)
        self.clear_button = QPushButton("Remove keys")
        self.clear_button.clicked.connect(self.clear_keys)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.reset_button = QPushButton("Restore defaults")
        self.reset_button.setEnabled(self._defaults is not None)
        self.reset_button.clicked.connect(self.restore_defaults)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        editor = QFormLayout()
        editor.addRow("Shortcut", self.primary_edit)
        editor.addRow("Alternate", self.alternate_edit)
        edit_buttons = QHBoxLayout()
        edit_buttons.addWidget(self.assign_button)
        edit_buttons.addWidget(self.clear_button)
        edit_buttons.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        root = QVBoxLayout(self)
        root.addWidget(self.filter_edit)
        root.addWidget(self.tree, 1)
        root.addLayout(editor)
        root.addLayout(edit_buttons)
        root.addWidget(self.message)
        root.addLayout(buttons)
        self.resize(520, 560)
        self._fill()

    def mapping(self) -> Shortcuts:
        """The shortcuts as edited so far."""
        return dict(self._table)

    def _fill(self) -> None:
        keep = self.selected_action()
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for name, keys in self._table.items():
            item = QTreeWidgetItem(
                [self._labels[name], keys[0] if keys else "", ", ".join(keys[1:])]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            section = self._sections.get(name, "")
            if section:
                if section not in groups:
                    groups[section] = _section_row(section)
                    self.tree.addTopLevelItem(groups[section])
                groups[section].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            if name == keep:
                self.tree.setCurrentItem(item)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self._apply_filter()

    def _items(self) -> list[QTreeWidgetItem]:
        """Every action's row (section rows left out)."""
        found = []
        pending = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while pending:
            item = pending.pop(0)
            if item is None:
                continue
            pending.extend(item.child(i) for i in range(item.childCount()))
            if item.data(0, Qt.ItemDataRole.UserRole) is not None:
                found.append(item)
        return found

    def _apply_filter(self) -> None:
        needle = self.filter_edit.text().strip().lower()
        for item in self._items():
            text = " ".join(item.text(c) for c in range(3)).lower()
            item.setHidden(bool(needle) and needle not in text)
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group is not None and group.childCount():
                children = [group.child(k) for k in range(group.childCount())]
                group.setHidden(all(c is None or c.isHidden() for c in children))

    def select_action(self, name: str) -> None:
        """Select an action's row by name (KeyError if there is none)."""
        for item in self._items():
            if item.data(0, Qt.ItemDataRole.UserRole) == name:
                self.tree.setCurrentItem(item)
                return
        raise KeyError(name)

    def selected_action(self) -> str | None:
        """The name of the selected action, or None."""
        item = self.tree.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def _load_editor(self) -> None:
        name = self.selected_action()
        keys = self._table.get(name, ()) if name else ()
        self.primary_edit.setKeySequence(QKeySequence(keys[0] if keys else ""))
        self.alternate_edit.setKeySequence(QKeySequence(", ".join(keys[1:2])))

    def assign(self) -> None:
        """Bind the selected action to the editor's keys, unless another action has one."""
        name = self.selected_action()
        if name is None:
            return
        edited = [normalise(e.keySequence()) for e in (self.primary_edit, self.alternate_edit)]
        self._set(name, [*edited, *self._table[name][2:]])

    def clear_keys(self) -> None:
        """Leave the selected action without a shortcut."""
        name = self.selected_action()
        if name is not None:
            self._set(name, [])

    def _set(self, name: str, keys: Sequence[str]) -> None:
        try:
            self._table = rebind(self._table, name, keys, self._labels)
        except ShortcutConflict as exc:
            self.message.setStyleSheet("color: #b00020;")
            self.message.setText(str(exc))
            self._load_editor()
            return
        self.message.setStyleSheet("")
        bound = ", ".join(self._table[name]) or "no shortcut"
        self.message.setText(f"\u201c{self._labels[name]}\u201d: {bound}")
        self._fill()

    def restore_defaults(self) -> None:
        """Put every shortcut back to the defaults given."""
        if self._defaults is not None:
            self._table = dict(self._defaults)
            self.message.setText("Defaults restored (not saved yet).")
            self._fill()

    def save(self) -> None:
        """Hand the new mapping on (callback and `rebound`) and close."""
        if self._on_rebind is not None:
            self._on_rebind(self.mapping())
        self.rebound.emit(self.mapping())
        self.accept()
