"""The pan tool: drag the image. The canvas also lends it the middle button and Space+drag
whatever tool is active."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.ui.canvas.tools.base import BaseTool, Point, Pointer


class PanTool(BaseTool):
    """A drag moves the image with the cursor."""

    name = "pan"
    cursor = Qt.CursorShape.OpenHandCursor

    _last: Point | None = None  # widget position of the drag so far

    @property
    def dragging(self) -> bool:
        return self._last is not None

    def press(self, pointer: Pointer) -> bool:
        self._last = pointer.widget
        self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)
        return True

    def move(self, pointer: Pointer) -> bool:
        if self._last is None:
            return False
        dx, dy = pointer.widget[0] - self._last[0], pointer.widget[1] - self._last[1]
        self._last = pointer.widget
        self.canvas.pan_by(dx, dy)
        return True

    def release(self, pointer: Pointer) -> bool:
        if self._last is None:
            return False
        self.cancel()
        return True

    def cancel(self) -> None:
        self._last = None
        self.canvas.restore_cursor()
