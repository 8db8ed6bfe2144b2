"""The canvas that shows one video frame, scaled to fit while keeping its aspect ratio."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

_QIMAGE_FORMATS = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}


def array_to_qimage(pixels: np.ndarray) -> QImage:
    """An owned QImage copy of an RGB (H, W, 3) or RGBA (H, W, 4) uint8 array."""
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in _QIMAGE_FORMATS:
        raise ValueError(
            f"expected an RGB or RGBA uint8 (H, W, 3|4) image, got {pixels.dtype} {pixels.shape}"
        )
    pixels = np.ascontiguousarray(pixels)
    height, width, channels = pixels.shape
    image_format = _QIMAGE_FORMATS[channels]
    return QImage(pixels.data, width, height, channels * width, image_format).copy()


class FrameView(QWidget):
    """Paints the current frame centred and letter-boxed; knows nothing of videos."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._frame_size: tuple[int, int] | None = None  # (width, height) of the real frame
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)

    @property
    def image(self) -> QImage | None:
        """The frame on screen, at its full resolution."""
        return self._image

    def set_frame(self, frame: np.ndarray) -> None:
        """Show an RGB uint8 (H, W, 3) frame (or a smaller proxy of it)."""
        self._image = array_to_qimage(frame)
        self.update()

    def set_frame_size(self, width: int, height: int) -> None:
        """The video's real frame size: a smaller proxy is stretched to it, so the drawn
        rectangle (and the frame coordinates of clicks) never depend on what is shown."""
        self._frame_size = (int(width), int(height))
        self.update()

    @property
    def frame_size(self) -> tuple[int, int] | None:
        """(width, height) of the real frame: the set size, else the shown image's."""
        if self._frame_size is not None:
            return self._frame_size
        if self._image is None:
            return None
        return (self._image.width(), self._image.height())

    def image_rect(self) -> QRectF:
        """Where the frame is drawn in widget coordinates (letter-boxed, centred)."""
        size = self.frame_size
        if size is None or self._image is None or min(size) <= 0:
            return QRectF()
        scale = min(self.width() / size[0], self.height() / size[1])
        w, h = size[0] * scale, size[1] * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(960, 540)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
        self.paint_over(painter)
        painter.end()

    def paint_over(self, painter: QPainter) -> None:
        """Hook for subclasses: draw on top of the frame (the painter is still open)."""
