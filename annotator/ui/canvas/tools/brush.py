"""Brush and eraser: paint or erase the active object's mask with a disc.

A drag is one stroke: each mouse sample paints the segment from the previous one into a
working copy of the mask (only the segment's box is touched and repainted), and the release
hands the whole stroke to the canvas's `maskEdited` signal as one `Stroke` edit (one command,
one undo step). The right button erases with the brush. The disc under the cursor shows the
size; [ and ] change it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from annotator.domain.mask_edit import Stroke, paint_segment
from annotator.ui.canvas.tools.base import BaseTool, Point, Pointer
from annotator.ui.canvas.viewport import PixelRect

MIN_RADIUS, MAX_RADIUS = 0.5, 500.0
RADIUS_STEP = 1.2  # one [ or ]


class BrushTool(BaseTool):
    """Paints (erase=False) or erases the active mask; see the module docstring."""

    cursor = Qt.CursorShape.BlankCursor

    def __init__(self, canvas, *, erase: bool = False) -> None:  # noqa: ANN001 - AnnotationCanvas
        super().__init__(canvas)
        self.erase = erase
        self.name = "eraser" if erase else "brush"
        self._points: list[Point] = []
        self._value = not erase  # what the current stroke writes
        self._hover: Point | None = None  # widget position of the cursor

    @property
    def stroking(self) -> bool:
        return bool(self._points)

    def press(self, pointer: Pointer) -> bool:
        if pointer.button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return False
        if not self.canvas.begin_mask_edit():
            return True  # no active object: the canvas said why
        self._value = (pointer.button == Qt.MouseButton.LeftButton) != self.erase
        self._points = [pointer.image]
        self._paint(pointer.image, pointer.image)
        return True

    def move(self, pointer: Pointer) -> bool:
        old_hover, self._hover = self._hover, pointer.widget
        self._update_cursor(old_hover)
        if not self._points:
            return False
        last = self._points[-1]
        self._points.append(pointer.image)
        self._paint(last, pointer.image)
        return True

    def release(self, pointer: Pointer) -> bool:
        if not self._points:
            return False
        points, self._points = tuple(self._points), []
        radius = self.canvas.brush_radius
        self.canvas.finish_mask_edit(Stroke(points, radius, erase=not self._value))
        return True

    def wants_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        if key == Qt.Key.Key_Escape:
            return self.stroking
        return key in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight)

    def key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        if key in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight):
            factor = RADIUS_STEP if key == Qt.Key.Key_BracketRight else 1 / RADIUS_STEP
            radius = min(max(self.canvas.brush_radius * factor, MIN_RADIUS), MAX_RADIUS)
            self.canvas.set_brush_radius(radius)
            return True
        if key == Qt.Key.Key_Escape and self._points:
            self.cancel()
            return True
        return False

    def cancel(self) -> None:
        if self._points:
            self._points = []
            self.canvas.cancel_mask_edit()

    def leave(self) -> None:
        """The cursor left the canvas: hide the disc."""
        old, self._hover = self._hover, None
        self._update_cursor(old)

    def _paint(self, a: Point, b: Point) -> None:
        mask = self.canvas.working_mask
        if mask is None:
            return
        radius = self.canvas.brush_radius
        paint_segment(mask, a, b, radius, self._value)
        r = radius + 1
        dirty = PixelRect(
            int(min(a[0], b[0]) - r), int(min(a[1], b[1]) - r),
            int(max(a[0], b[0]) + r) + 1, int(max(a[1], b[1]) + r) + 1,
        )  # fmt: skip
        self.canvas.mask_changed(dirty)

    def _update_cursor(self, old: Point | None) -> None:
        """Repaint where the disc was and where it is now."""
        reach = self.canvas.brush_radius * self.canvas.viewport.scale + 3
        for centre in (old, self._hover):
            if centre is not None:
                self.canvas.update(
                    int(centre[0] - reach), int(centre[1] - reach),
                    int(2 * reach) + 2, int(2 * reach) + 2,
                )  # fmt: skip

    def paint(self, painter: QPainter) -> None:
        if self._hover is None:
            return
        reach = self.canvas.brush_radius * self.canvas.viewport.scale
        centre = QPointF(*self._hover)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
        painter.drawEllipse(centre, reach, reach)
        colour = QColor(255, 120, 120) if self.erase else QColor(255, 255, 255)
        painter.setPen(QPen(colour, 1.5))
        painter.drawEllipse(centre, reach, reach)
