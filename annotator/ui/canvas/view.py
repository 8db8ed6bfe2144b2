"""The annotation canvas: a frame view that turns mouse input into prompts and paints masks.

Left click: positive point; right click or Shift+left click: negative point; a left drag:
a box. Positions are reported in frame pixels (through the letter-box); presses outside the
image are ignored. Masks arrive as one RGBA overlay (see `overlay.py`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from annotator.domain import Colour, Prompt
from annotator.ui.frame_view import FrameView, array_to_qimage

DRAG_THRESHOLD_PX = 6  # widget pixels a press must travel before it becomes a box


class AnnotationCanvas(FrameView):
    """A FrameView with mask overlays, prompt markers and click/box input."""

    pointClicked = Signal(float, float, bool)  # x, y in frame pixels, positive
    boxDrawn = Signal(float, float, float, float)  # x0, y0, x1, y1 in frame pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._overlay: QImage | None = None
        self._prompt: Prompt | None = None
        self._prompt_colour: Colour = (255, 255, 255)
        self._press: QPointF | None = None  # widget position of a press inside the image
        self._drag_to: QPointF | None = None
        self.setMouseTracking(False)
        self.setCursor(Qt.CursorShape.CrossCursor)

    # --- state from the controller -----------------------------------------------------
    @property
    def has_overlay(self) -> bool:
        return self._overlay is not None

    def set_overlay(self, rgba: np.ndarray | None) -> None:
        """Show an RGBA (H, W, 4) mask overlay at frame size (None: no masks)."""
        self._overlay = None if rgba is None else array_to_qimage(rgba)
        self.update()

    def set_prompt(self, prompt: Prompt | None, colour: Colour = (255, 255, 255)) -> None:
        """Draw the active object's clicks and box on this frame (None: nothing)."""
        self._prompt, self._prompt_colour = prompt, colour
        self.update()

    # --- coordinates -------------------------------------------------------------------
    def widget_to_frame(self, pos: QPointF) -> tuple[float, float] | None:
        """Frame pixel coordinates of a widget position, or None outside the image."""
        rect, size = self.image_rect(), self.frame_size
        if size is None or rect.isEmpty() or not rect.contains(pos):
            return None
        x = (pos.x() - rect.x()) * size[0] / rect.width()
        y = (pos.y() - rect.y()) * size[1] / rect.height()
        return (min(max(x, 0.0), size[0] - 1e-3), min(max(y, 0.0), size[1] - 1e-3))

    def frame_to_widget(self, x: float, y: float) -> QPointF:
        """Widget position of a frame pixel coordinate."""
        rect, size = self.image_rect(), self.frame_size
        if size is None or rect.isEmpty():
            return QPointF()
        sx, sy = rect.width() / size[0], rect.height() / size[1]
        return QPointF(rect.x() + x * sx, rect.y() + y * sy)

    def _clamp_to_image(self, pos: QPointF) -> tuple[float, float]:
        rect = self.image_rect()
        inside = QPointF(
            min(max(pos.x(), rect.left()), rect.right() - 1e-3),
            min(max(pos.y(), rect.top()), rect.bottom() - 1e-3),
        )
        point = self.widget_to_frame(inside)
        assert point is not None
        return point

    # --- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        pos = event.position()
        if self.widget_to_frame(pos) is None:
            return  # outside the image: ignored
        if event.button() == Qt.MouseButton.RightButton:
            point = self.widget_to_frame(pos)
            assert point is not None
            self.pointClicked.emit(point[0], point[1], False)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._press, self._drag_to = pos, None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if self._press is None:
            return
        pos = event.position()
        moved = (pos - self._press).manhattanLength()
        if self._drag_to is not None or moved >= DRAG_THRESHOLD_PX:
            self._drag_to = pos
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if self._press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        start, end = self._press, self._drag_to
        self._press = self._drag_to = None
        self.update()
        if end is None:
            point = self.widget_to_frame(start)
            if point is None:
                return
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.pointClicked.emit(point[0], point[1], not shift)
            return
        (x0, y0), (x1, y1) = self._clamp_to_image(start), self._clamp_to_image(end)
        self.boxDrawn.emit(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    # --- painting ----------------------------------------------------------------------
    def paint_over(self, painter: QPainter) -> None:
        rect = self.image_rect()
        if self._overlay is not None and not rect.isEmpty():
            painter.drawImage(rect, self._overlay)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._prompt is not None:
            self._paint_prompt(painter, self._prompt)
        if self._press is not None and self._drag_to is not None:
            painter.setPen(QPen(QColor(255, 255, 255), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self._press, self._drag_to).normalized())

    def _paint_prompt(self, painter: QPainter, prompt: Prompt) -> None:
        colour = QColor(*self._prompt_colour)
        if prompt.box is not None:
            x0, y0, x1, y1 = prompt.box
            painter.setPen(QPen(colour, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.frame_to_widget(x0, y0), self.frame_to_widget(x1, y1)))
        for (x, y), label in zip(prompt.points, prompt.labels, strict=True):
            centre = self.frame_to_widget(x, y)
            fill = QColor(40, 200, 60) if label == 1 else QColor(220, 40, 40)
            painter.setPen(QPen(QColor(255, 255, 255), 1.5))
            painter.setBrush(fill)
            painter.drawEllipse(centre, 5.0, 5.0)
