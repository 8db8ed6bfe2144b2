"""A one-line label that shortens its text with "…" to fit its width, the whole text in its
tooltip: a long status ("Propagation cancelled after 9 frames in 7.9 s (Shift+R resumes
from there)") beside a button is not cut off mid-word."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """QLabel whose `full_text` is shown elided at the right to the label's current width."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        """Show `text` (elided to fit; whole in the tooltip when it had to be shortened)."""
        self.full_text = text
        self._fit()
        self.updateGeometry()  # its size hint follows the whole text

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As wide as the whole text: a layout with room shows all of it."""
        hint = super().sizeHint()
        margins = self.contentsMargins()
        # +2: elidedText can shorten a text given exactly its (rounded) advance
        wanted = self.fontMetrics().horizontalAdvance(self.full_text) + 2
        return QSize(wanted + margins.left() + margins.right(), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.minimumWidth(), super().minimumSizeHint().height())

    def _elided(self) -> str:
        width = max(0, self.contentsRect().width())
        return self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, width)

    def _fit(self) -> None:
        shown = self._elided()
        if shown != self.text():
            self.setText(shown)
        self.setToolTip(self.full_text if shown != self.full_text else "")
