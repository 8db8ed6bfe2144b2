"""The prompt tool: clicks, boxes and their corrections for the active object.

Left click: positive point (Shift: negative); right click: negative point; a left drag: a
box. A click on an existing point removes it; dragging a point moves it; dragging a box's
corner or edge adjusts it. After a single click, Tab asks for the model's three candidate
masks (candidatesRequested) and then cycles them, Enter keeps the one shown, Esc keeps the
mask as it was (or drops a drag in progress).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from annotator.domain import Colour, Prompt
from annotator.ui.canvas.tools.base import BaseTool, Point, Pointer

DRAG_THRESHOLD_PX = 6  # widget pixels a press must travel before it becomes a drag
POINT_HIT_PX = 8  # a press this close to a point's centre grabs it
HANDLE_HIT_PX = 7  # ... to a box corner or edge grabs that handle

_CANDIDATE_KEYS = (Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return, Qt.Key.Key_Enter)

# a box handle: which of (x0, y0, x1, y1) it moves
Handle = tuple[bool, bool, bool, bool]


class PromptTool(BaseTool):
    """See the module docstring."""

    name = "prompt"

    def __init__(self, canvas) -> None:  # noqa: ANN001 - an AnnotationCanvas
        super().__init__(canvas)
        self._press: Point | None = None  # widget position of the press
        self._drag_to: Point | None = None  # widget position once it became a drag
        self._point: int | None = None  # index of the point grabbed
        self._handle: Handle | None = None  # box handle grabbed

    # --- hit tests (widget pixels) -----------------------------------------------------
    def point_at(self, widget: Point) -> int | None:
        """Index of the active prompt's point nearest `widget`, within POINT_HIT_PX."""
        prompt = self.canvas.prompt
        if prompt is None:
            return None
        best, best_d = None, float(POINT_HIT_PX)
        for i, (x, y) in enumerate(prompt.points):
            wx, wy = self.canvas.viewport.image_to_widget((x, y))
            d = math.hypot(wx - widget[0], wy - widget[1])
            if d <= best_d:
                best, best_d = i, d
        return best

    def handle_at(self, widget: Point) -> Handle | None:
        """The box corner or edge under `widget` (corners win), or None."""
        prompt = self.canvas.prompt
        if prompt is None or prompt.box is None:
            return None
        view = self.canvas.viewport
        x0, y0 = view.image_to_widget(prompt.box[:2])
        x1, y1 = view.image_to_widget(prompt.box[2:])
        px, py = widget
        inside_x = x0 - HANDLE_HIT_PX <= px <= x1 + HANDLE_HIT_PX
        inside_y = y0 - HANDLE_HIT_PX <= py <= y1 + HANDLE_HIT_PX
        left, right = abs(px - x0) <= HANDLE_HIT_PX, abs(px - x1) <= HANDLE_HIT_PX
        top, bottom = abs(py - y0) <= HANDLE_HIT_PX, abs(py - y1) <= HANDLE_HIT_PX
        handle = (left and inside_y, top and inside_x, right and inside_y, bottom and inside_x)
        return handle if any(handle) else None

    # --- events ------------------------------------------------------------------------
    def press(self, pointer: Pointer) -> bool:
        canvas = self.canvas
        if not canvas.viewport.contains_image_point(pointer.image):
            return False  # outside the image: ignored
        if pointer.button == Qt.MouseButton.RightButton:
            index = self.point_at(pointer.widget)
            if index is not None:
                canvas.pointRemoved.emit(index)
            else:
                canvas.pointClicked.emit(*pointer.image, False)
            return True
        if pointer.button != Qt.MouseButton.LeftButton:
            return False
        self._press, self._drag_to = pointer.widget, None
        self._point = self.point_at(pointer.widget)
        self._handle = None if self._point is not None else self.handle_at(pointer.widget)
        return True

    def move(self, pointer: Pointer) -> bool:
        if self._press is None:
            return False
        moved = abs(pointer.widget[0] - self._press[0]) + abs(pointer.widget[1] - self._press[1])
        if self._drag_to is not None or moved >= DRAG_THRESHOLD_PX:
            self._drag_to = pointer.widget
            self.canvas.update()
        return True

    def release(self, pointer: Pointer) -> bool:
        if self._press is None or pointer.button != Qt.MouseButton.LeftButton:
            return False
        start, end, point, handle = self._press, self._drag_to, self._point, self._handle
        self.cancel()
        canvas = self.canvas
        view = canvas.viewport
        if point is not None:
            if end is None:
                canvas.pointRemoved.emit(point)
            else:
                canvas.pointMoved.emit(point, *view.clamp_to_image(view.widget_to_image(end)))
            return True
        if handle is not None and end is not None:
            box = self._adjusted_box(handle, end)
            canvas.boxAdjusted.emit(*box)
            return True
        if end is None:
            canvas.pointClicked.emit(*view.widget_to_image(start), not pointer.shift)
            return True
        (x0, y0) = view.clamp_to_image(view.widget_to_image(start))
        (x1, y1) = view.clamp_to_image(view.widget_to_image(end))
        canvas.boxDrawn.emit(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        return True

    def wants_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        if key == Qt.Key.Key_Escape:
            return self._press is not None or self.canvas.candidate_count > 1
        if key == Qt.Key.Key_Tab and self._single_click():
            return True
        return key in _CANDIDATE_KEYS and self.canvas.candidate_count > 1

    def _single_click(self) -> bool:
        """The active prompt is one click: the model has candidates for it."""
        prompt = self.canvas.prompt
        return prompt is not None and len(prompt.points) == 1 and prompt.box is None

    def key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        canvas = self.canvas
        if key == Qt.Key.Key_Escape and self._press is not None:
            self.cancel()
            return True
        if key == Qt.Key.Key_Escape and canvas.candidate_count > 1:
            canvas.set_candidates(None)  # keep the mask as it is
            return True
        if key == Qt.Key.Key_Tab and canvas.candidate_count <= 1 and self._single_click():
            canvas.candidatesRequested.emit()
            return True
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and canvas.candidate_count > 1:
            step = -1 if key == Qt.Key.Key_Backtab else 1
            canvas.show_candidate((canvas.candidate_index + step) % canvas.candidate_count)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and canvas.candidate_count > 1:
            canvas.candidateChosen.emit(canvas.candidate_index)
            return True
        return False

    def cancel(self) -> None:
        self._press = self._drag_to = None
        self._point = None
        self._handle = None
        self.canvas.update()

    def _adjusted_box(self, handle: Handle, end: Point) -> tuple[float, float, float, float]:
        prompt = self.canvas.prompt
        assert prompt is not None and prompt.box is not None
        x, y = self.canvas.viewport.clamp_to_image(self.canvas.viewport.widget_to_image(end))
        old = prompt.box
        box = [x if handle[0] else old[0], y if handle[1] else old[1],
               x if handle[2] else old[2], y if handle[3] else old[3]]  # fmt: skip
        return (min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3]))

    # --- painting ----------------------------------------------------------------------
    def preview(self) -> tuple[int | None, Point | None, QRectF | None]:
        """(grabbed point index, its dragged widget position, box preview in widget coords)."""
        if self._press is None or self._drag_to is None:
            return (None, None, None)
        if self._point is not None:
            return (self._point, self._drag_to, None)
        if self._handle is not None:
            view = self.canvas.viewport
            x0, y0, x1, y1 = self._adjusted_box(self._handle, self._drag_to)
            return (None, None, QRectF(QPointF(*view.image_to_widget((x0, y0))),
                                       QPointF(*view.image_to_widget((x1, y1)))))  # fmt: skip
        return (None, None, QRectF(QPointF(*self._press), QPointF(*self._drag_to)).normalized())

    def paint_prompt(self, painter: QPainter, prompt: Prompt, colour: Colour) -> None:
        """The prompt's box and points, a grabbed point or handle where it is dragged."""
        view = self.canvas.viewport
        grabbed, dragged_to, box_preview = self.preview()
        if prompt.box is not None and box_preview is None:
            corner0, corner1 = (
                view.image_to_widget(prompt.box[:2]),
                view.image_to_widget(prompt.box[2:]),
            )
            painter.setPen(QPen(QColor(*colour), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(QPointF(*corner0), QPointF(*corner1)))
        for i, (point, label) in enumerate(zip(prompt.points, prompt.labels, strict=True)):
            centre = dragged_to if i == grabbed and dragged_to else view.image_to_widget(point)
            painter.setPen(QPen(QColor(255, 255, 255), 1.5))
            painter.setBrush(QColor(40, 200, 60) if label == 1 else QColor(220, 40, 40))
            painter.drawEllipse(QPointF(*centre), 5.0, 5.0)

    def paint(self, painter: QPainter) -> None:
        _, _, rect = self.preview()
        if rect is not None:
            painter.setPen(QPen(QColor(255, 255, 255), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
