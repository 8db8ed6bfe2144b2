"""The category list: one row a category (colour swatch, "key · name"), in export order;
buttons to add, rename, recolour, move up/down, merge into another and delete.

A plain view: `set_categories()` in, `*Requested` signals out. The questions it asks (a new
name, a colour, a merge target) go through replaceable functions, so tests answer them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import Category
from annotator.domain.categories import KEYED_CATEGORIES
from annotator.ui.widgets.object_panel import swatch
from annotator.ui.widgets.questions import (
    AskChoice,
    AskColour,
    AskText,
    ask_choice,
    ask_colour,
    ask_text,
)

_ID_ROLE = Qt.ItemDataRole.UserRole


class CategoryPanel(QWidget):
    """Lists the project's categories; the selected row is the current category."""

    currentChanged = Signal(int)  # category id
    addRequested = Signal()
    renameRequested = Signal(int, str)
    recolourRequested = Signal(int, object)  # id, (r, g, b)
    moveRequested = Signal(int, int)  # id, -1 up / +1 down
    mergeRequested = Signal(int, int)  # source id, target id
    deleteRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ask_text: AskText = ask_text
        self.ask_colour: AskColour = ask_colour
        self.ask_choice: AskChoice = ask_choice
        self._categories: list[Category] = []
        self.setFixedWidth(240)
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay the window's
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for index, (name, text, tip) in enumerate(
            (
                ("add", "Add", "New category"),
                ("rename", "Rename", "Rename the selected category"),
                ("colour", "Colour", "Change the selected category's colour"),
                ("up", "Up", "Earlier in the export order (and a lower key)"),
                ("down", "Down", "Later in the export order"),
                ("merge", "Merge…", "Move its objects to another category, then delete it"),
                ("delete", "Delete", "Delete it; its objects move to the first other category"),
            )
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            self.buttons[name] = button
            grid.addWidget(button, index // 4, index % 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Categories (keys 1–9)"))
        layout.addWidget(self.list, 1)
        layout.addLayout(grid)

        self.list.currentItemChanged.connect(self._on_current)
        self.list.itemDoubleClicked.connect(lambda _item: self._rename())
        self.buttons["add"].clicked.connect(self.addRequested)
        self.buttons["rename"].clicked.connect(self._rename)
        self.buttons["colour"].clicked.connect(self._recolour)
        self.buttons["up"].clicked.connect(lambda: self._move(-1))
        self.buttons["down"].clicked.connect(lambda: self._move(1))
        self.buttons["merge"].clicked.connect(self._merge)
        self.buttons["delete"].clicked.connect(self._delete)

    @property
    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(_ID_ROLE))

    def category_ids(self) -> list[int]:
        return [c.id for c in self._categories]

    def set_categories(self, categories: Sequence[Category], current: int | None) -> None:
        """Show `categories` (export order) and select `current` (emits nothing)."""
        self._categories = list(categories)
        with QSignalBlocker(self.list):
            self.list.clear()
            for position, category in enumerate(categories):
                key = f"{position + 1} · " if position < KEYED_CATEGORIES else ""
                item = QListWidgetItem(swatch(category.colour), f"{key}{category.name}")
                item.setData(_ID_ROLE, category.id)
                self.list.addItem(item)
                if category.id == current:
                    self.list.setCurrentItem(item)
        single = len(self._categories) <= 1
        for name in ("merge", "delete"):
            self.buttons[name].setEnabled(not single)

    def _selected(self) -> Category | None:
        current = self.current_id
        return next((c for c in self._categories if c.id == current), None)

    def _on_current(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.currentChanged.emit(int(item.data(_ID_ROLE)))

    def _rename(self) -> None:
        category = self._selected()
        if category is not None:
            name = self.ask_text(self, f"New name for {category.name}:", category.name)
            if name and name != category.name:
                self.renameRequested.emit(category.id, name)

    def _recolour(self) -> None:
        category = self._selected()
        if category is not None:
            colour = self.ask_colour(self, category.colour)
            if colour is not None and colour != category.colour:
                self.recolourRequested.emit(category.id, colour)

    def _move(self, step: int) -> None:
        category = self._selected()
        if category is not None:
            self.moveRequested.emit(category.id, step)

    def _merge(self) -> None:
        category = self._selected()
        if category is None:
            return
        targets = [c for c in self._categories if c.id != category.id]
        index = self.ask_choice(self, f"Merge {category.name} into:", [c.name for c in targets])
        if index is not None:
            self.mergeRequested.emit(category.id, targets[index].id)

    def _delete(self) -> None:
        category = self._selected()
        if category is not None:
            self.deleteRequested.emit(category.id)
