"""The small protocol every canvas tool follows: press, move, release, key, paint.

The canvas turns Qt events into `Pointer` records (widget and image positions, button,
modifiers) and offers each to the active tool first; a tool returns True when it used it.
A tool talks back only through the canvas it was given (signals, repaint, shared state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter

if TYPE_CHECKING:
    from annotator.ui.canvas.view import AnnotationCanvas

Point = tuple[float, float]


@dataclass(frozen=True)
class Pointer:
    """One mouse event: `widget` position, continuous `image` position (may be outside the
    image), the button that changed (NoButton on a move), the buttons held, the modifiers."""

    widget: Point
    image: Point
    button: Qt.MouseButton
    buttons: Qt.MouseButton
    modifiers: Qt.KeyboardModifier

    @property
    def shift(self) -> bool:
        return bool(self.modifiers & Qt.KeyboardModifier.ShiftModifier)


class Tool(Protocol):
    """What the canvas calls on its active tool."""

    name: str
    cursor: Qt.CursorShape

    def press(self, pointer: Pointer) -> bool: ...

    def move(self, pointer: Pointer) -> bool: ...

    def release(self, pointer: Pointer) -> bool: ...

    def wants_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool: ...

    def key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool: ...

    def paint(self, painter: QPainter) -> None: ...

    def cancel(self) -> None: ...


class BaseTool:
    """Does nothing; tools override what they use."""

    name = "tool"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: AnnotationCanvas) -> None:
        self.canvas = canvas

    def press(self, pointer: Pointer) -> bool:
        return False

    def move(self, pointer: Pointer) -> bool:
        return False

    def release(self, pointer: Pointer) -> bool:
        return False

    def wants_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        """True when `key` means something to the tool right now: it then wins over the
        window's shortcuts (Esc, Backspace, Enter, Tab while drawing or choosing)."""
        return False

    def key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        return False

    def paint(self, painter: QPainter) -> None:
        return None

    def cancel(self) -> None:
        return None
