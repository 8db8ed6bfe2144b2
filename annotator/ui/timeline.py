"""The timeline scrub bar: one lane per object showing the frames with masks (and prompted
frames as markers), the current-frame cursor; click or drag to scrub, arrow keys to step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.domain import Colour

LANE_HEIGHT = 10
LANE_GAP = 3
RULER_HEIGHT = 12
MARGIN = 6  # horizontal, so the first and last frames can be hit


@dataclass
class Lane:
    """One object's row: which frames hold its mask and which were prompted/edited."""

    track_id: int
    colour: Colour
    masked: np.ndarray = field(repr=False)  # bool (num_frames,)
    keyframes: np.ndarray = field(repr=False)  # bool (num_frames,)


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) inclusive index ranges of the True runs of a bool vector."""
    if flags.size == 0:
        return []
    padded = np.concatenate(([False], flags.astype(bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


class Timeline(QWidget):
    """Scrub bar over `num_frames` frames; emits `frameRequested` on click, drag and keys."""

    frameRequested = Signal(int)

    def __init__(self, num_frames: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if num_frames < 1:
            raise ValueError("the timeline needs at least one frame")
        self._num_frames = num_frames
        self._current = 0
        self._lanes: list[Lane] = []
        self._dragging = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit_height()

    @property
    def num_frames(self) -> int:
        return self._num_frames

    @property
    def current(self) -> int:
        return self._current

    @property
    def lanes(self) -> list[Lane]:
        return list(self._lanes)

    def set_current(self, frame: int) -> None:
        """Move the cursor (no signal: the window already shows `frame`)."""
        self._current = min(max(int(frame), 0), self._num_frames - 1)
        self.update()

    def set_lanes(self, lanes: Sequence[Lane]) -> None:
        """Replace the object lanes (one per visible track)."""
        for lane in lanes:
            if lane.masked.shape != (self._num_frames,) or lane.keyframes.shape != (
                self._num_frames,
            ):
                raise ValueError(f"lane of track {lane.track_id} is not {self._num_frames} long")
        self._lanes = list(lanes)
        self._fit_height()
        self.update()

    def _fit_height(self) -> None:
        lanes = max(1, len(self._lanes))
        self.setFixedHeight(RULER_HEIGHT + lanes * (LANE_HEIGHT + LANE_GAP) + 6)

    # --- geometry ----------------------------------------------------------------------
    def frame_at(self, x: float) -> int:
        """The frame under widget x (clamped to the video)."""
        usable = max(1.0, self.width() - 2 * MARGIN)
        frame = int((x - MARGIN) / usable * self._num_frames)
        return min(max(frame, 0), self._num_frames - 1)

    def x_of(self, frame: float) -> float:
        """Left edge of `frame` in widget x."""
        usable = max(1.0, self.width() - 2 * MARGIN)
        return MARGIN + frame * usable / self._num_frames

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(800, self.height())

    # --- input -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._request(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if self._dragging:
            self._request(self.frame_at(event.position().x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        self._dragging = False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        steps = {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_PageUp: -10,
            Qt.Key.Key_PageDown: 10,
        }
        if event.key() in steps:
            self._request(self._current + steps[Qt.Key(event.key())])
        elif event.key() == Qt.Key.Key_Home:
            self._request(0)
        elif event.key() == Qt.Key.Key_End:
            self._request(self._num_frames - 1)
        else:
            super().keyPressEvent(event)

    def _request(self, frame: int) -> None:
        frame = min(max(frame, 0), self._num_frames - 1)
        if frame != self._current:
            self.set_current(frame)
            self.frameRequested.emit(frame)

    # --- painting ----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(38, 38, 42))
        self._paint_ruler(painter)
        for row, lane in enumerate(self._lanes):
            top = RULER_HEIGHT + row * (LANE_HEIGHT + LANE_GAP) + 3
            self._paint_lane(painter, lane, top)
        x = self.x_of(self._current + 0.5)
        painter.setPen(QPen(QColor(255, 255, 255), 2))
        painter.drawLine(int(x), 0, int(x), self.height())
        painter.end()

    def _paint_ruler(self, painter: QPainter) -> None:
        painter.setPen(QColor(120, 120, 128))
        step = max(1, self._num_frames // 20)
        for frame in range(0, self._num_frames, step):
            x = int(self.x_of(frame))
            painter.drawLine(x, RULER_HEIGHT - 5, x, RULER_HEIGHT - 1)

    def _paint_lane(self, painter: QPainter, lane: Lane, top: int) -> None:
        painter.fillRect(
            QRectF(MARGIN, top, self.width() - 2 * MARGIN, LANE_HEIGHT), QColor(58, 58, 64)
        )
        colour = QColor(*lane.colour)
        for first, last in runs(lane.masked):
            x0, x1 = self.x_of(first), self.x_of(last + 1)
            painter.fillRect(QRectF(x0, top, max(1.0, x1 - x0), LANE_HEIGHT), colour)
        painter.setPen(QPen(QColor(255, 255, 255), 1))
        painter.setBrush(QColor(255, 255, 255))
        for frame in np.flatnonzero(lane.keyframes):
            x = self.x_of(frame + 0.5)
            painter.drawRect(QRectF(x - 1.5, top - 2, 3, LANE_HEIGHT + 4))
