"""The canvas that shows one video frame, scaled to fit while keeping its aspect ratio."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


def rgb_to_qimage(frame: np.ndarray) -> QImage:
    """An owned QImage copy of an RGB uint8 (H, W, 3) array."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 (H, W, 3) frame, got {frame.dtype} {frame.shape}")
    frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    return QImage(frame.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class FrameView(QWidget):
    """Paints the current frame centred and letter-boxed; knows nothing of videos."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)

    @property
    def image(self) -> QImage | None:
        """The frame on screen, at its full resolution."""
        return self._image

    def set_frame(self, frame: np.ndarray) -> None:
        """Show an RGB uint8 (H, W, 3) frame."""
        self._image = rgb_to_qimage(frame)
        self.update()

    def image_rect(self) -> QRectF:
        """Where the frame is drawn in widget coordinates."""
        if self._image is None:
            return QRectF()
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        w, h = self._image.width() * scale, self._image.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(960, 540)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
        painter.end()
