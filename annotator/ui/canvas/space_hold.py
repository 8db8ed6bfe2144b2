"""Space over the canvas: held, a left drag pans (as in image editors); tapped, it is the
window's Space shortcut (play / pause) as anywhere else.

Space is a window-wide shortcut, so the canvas never sees it as a key. This filter, on the
application, takes Space while the pointer is over the canvas of the active window, whatever
has focus, and decides on release: if the hold panned it was a pan, else it was a tap.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

KEY_EVENTS = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.KeyRelease)


class SpaceHold(QObject):
    """Whether Space is held over `canvas`; `tapped` when it is let go without a pan."""

    tapped = Signal()

    def __init__(self, canvas: QWidget, on_change: Callable[[bool], None]) -> None:
        super().__init__(canvas)
        self._canvas = canvas
        self._on_change = on_change  # told True when the hold starts, False when it ends
        self.pointer_inside = False  # kept by the canvas from its mouse moves and leave
        self.held = False
        self.panned = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # removed by Qt when this object goes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() not in KEY_EVENTS:
            return False
        key_event: QKeyEvent = event  # type: ignore[assignment]
        if key_event.key() != Qt.Key.Key_Space or key_event.modifiers() not in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            return False
        if not self.held and not self._over_canvas():
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut: the key press comes here next
        elif event.type() == QEvent.Type.KeyPress:
            if not self.held:
                self.held, self.panned = True, False
                self._on_change(True)
        elif not key_event.isAutoRepeat():
            self.held = False
            self._on_change(False)
            if not self.panned:
                self.tapped.emit()
        return True

    def _over_canvas(self) -> bool:
        canvas = self._canvas
        return self.pointer_inside and canvas.isVisible() and canvas.window().isActiveWindow()
