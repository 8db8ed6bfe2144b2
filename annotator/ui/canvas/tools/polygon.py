"""The polygon tool: click vertices, then close to add the polygon to the active mask or,
with Shift held, to subtract it.

Closing: a click on the first vertex, a double click, or Enter. Backspace drops the last
vertex, Esc drops the polygon. The closed polygon goes to the canvas's `maskEdited` signal as
one `PolygonFill` edit (one command, one undo step).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from annotator.domain.mask_edit import PolygonFill
from annotator.ui.canvas.tools.base import BaseTool, Point, Pointer

CLOSE_HIT_PX = 8  # a click this close to the first vertex closes the polygon


class PolygonTool(BaseTool):
    """See the module docstring."""

    name = "polygon"

    def __init__(self, canvas) -> None:  # noqa: ANN001 - an AnnotationCanvas
        super().__init__(canvas)
        self.vertices: list[Point] = []  # image coordinates
        self._hover: Point | None = None  # widget position of the cursor

    def press(self, pointer: Pointer) -> bool:
        if pointer.button != Qt.MouseButton.LeftButton:
            return False
        view = self.canvas.viewport
        if len(self.vertices) >= 3:
            fx, fy = view.image_to_widget(self.vertices[0])
            if math.hypot(fx - pointer.widget[0], fy - pointer.widget[1]) <= CLOSE_HIT_PX:
                self.close(subtract=pointer.shift)
                return True
        self.vertices.append(view.clamp_to_image(pointer.image))
        self.canvas.update()
        return True

    def double_click(self, pointer: Pointer) -> bool:
        """A double click closes the polygon (its first click added the last vertex)."""
        if len(self.vertices) >= 3:
            self.close(subtract=pointer.shift)
            return True
        return False

    def move(self, pointer: Pointer) -> bool:
        self._hover = pointer.widget
        if self.vertices:
            self.canvas.update()
        return False

    def wants_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        keys = (Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        return bool(self.vertices) and key in keys

    def key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        if not self.vertices:
            return False
        if key == Qt.Key.Key_Escape:
            self.cancel()
        elif key == Qt.Key.Key_Backspace:
            self.vertices.pop()
            self.canvas.update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if len(self.vertices) >= 3:
                self.close(subtract=bool(modifiers & Qt.KeyboardModifier.ShiftModifier))
        else:
            return False
        return True

    def close(self, *, subtract: bool) -> None:
        """Hand the polygon to the canvas as one edit and start a new one."""
        vertices, self.vertices = tuple(self.vertices), []
        self.canvas.update()
        if self.canvas.begin_mask_edit():
            self.canvas.finish_mask_edit(PolygonFill(vertices, subtract=subtract))

    def cancel(self) -> None:
        if self.vertices:
            self.vertices = []
            self.canvas.update()

    def paint(self, painter: QPainter) -> None:
        if not self.vertices:
            return
        view = self.canvas.viewport
        points = [QPointF(*view.image_to_widget(v)) for v in self.vertices]
        if self._hover is not None:
            points.append(QPointF(*self._hover))
        painter.setBrush(QColor(255, 255, 255, 40))
        painter.setPen(QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine))
        painter.drawPolygon(QPolygonF(points))
        painter.setPen(QPen(QColor(0, 0, 0), 1))
        painter.setBrush(QColor(255, 255, 255))
        for point in points[: len(self.vertices)]:
            painter.drawEllipse(point, 3.5, 3.5)
