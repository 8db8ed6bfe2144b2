"""The small questions panels ask (a name, a colour, one of a list), as plain functions a
widget holds in an attribute, so tests replace them with their answers."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QInputDialog, QWidget

from annotator.domain import Colour

AskText = Callable[[QWidget, str, str], str | None]  # parent, question, current -> answer
AskColour = Callable[[QWidget, Colour], Colour | None]
AskChoice = Callable[[QWidget, str, list[str]], int | None]  # index of the chosen item


def ask_text(parent: QWidget, question: str, current: str) -> str | None:
    text, ok = QInputDialog.getText(parent, "annotator", question, text=current)
    return text.strip() if ok and text.strip() else None


def ask_colour(parent: QWidget, current: Colour) -> Colour | None:
    colour = QColorDialog.getColor(QColor(*current), parent, "Category colour")
    return (colour.red(), colour.green(), colour.blue()) if colour.isValid() else None


def ask_choice(parent: QWidget, question: str, items: list[str]) -> int | None:
    item, ok = QInputDialog.getItem(parent, "annotator", question, items, 0, False)
    return items.index(item) if ok and item in items else None
