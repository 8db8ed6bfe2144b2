"""The timeline: a ruler with in/out markers and one lane per object over a zoomable time
axis. Click or drag to scrub, click a lane to jump there and select its object, drag a marker
on the ruler to move it; Ctrl+wheel zooms at the cursor and the wheel pans.

set_*() in, *Requested signals out. Lanes and markers are painted once into cached pixmaps;
moving the playhead only blits them, so scrubbing a 10,000-frame, 20-object video stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.ui.widgets.time_axis import TimeAxis, timecode
from annotator.ui.widgets.timeline_paint import (
    BACKGROUND,
    Lane,
    paint_lane,
    paint_markers,
    paint_ruler,
)

LANE_HEIGHT = 12
LANE_GAP = 4
RULER_HEIGHT = 30
HIDDEN_VEIL = QColor(30, 30, 34, 170)  # over a hidden object's lane
GUTTER = 26  # left: each lane's colour swatch and object id
MARGIN = 6  # right, so the last frame can be hit
HANDLE_PX = 5  # how near a marker a press on the ruler grabs it
WHEEL_PAN = 0.1  # of the visible span per wheel notch
ZOOM_STEP = 1.25


class Timeline(QWidget):
    """Scrub bar over `num_frames` frames at `fps`; see the module docstring."""

    frameRequested = Signal(int)
    objectSelected = Signal(int)  # a lane was clicked: its track id
    rangeChanged = Signal(object)  # (in, out) frames, or None when cleared

    def __init__(
        self,
        num_frames: int,
        parent: QWidget | None = None,
        fps: float = 25.0,
        visible_lanes: int | None = None,
    ) -> None:
        """`visible_lanes`: a fixed height for that many lanes, the others a Shift+wheel away
        under a ruler that stays (None: the height follows the lanes)."""
        super().__init__(parent)
        if num_frames < 1:
            raise ValueError("the timeline needs at least one frame")
        self.axis = TimeAxis(num_frames, GUTTER, 800 - GUTTER - MARGIN)
        self.fps = fps
        self._current = 0
        self._lanes: list[Lane] = []
        self._active: int | None = None
        self._in_out: tuple[int, int] | None = None
        self._drag: str | None = None  # "scrub", "in" or "out"
        self._layers: tuple[QPixmap, QPixmap] | None = None
        self.visible_lanes = visible_lanes
        self.first_lane = 0  # the lane row shown at the top (scrolled with Shift+wheel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit_height()

    # --- state in ------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return self.axis.num_frames

    @property
    def current(self) -> int:
        return self._current

    @property
    def lanes(self) -> list[Lane]:
        return list(self._lanes)

    @property
    def in_out(self) -> tuple[int, int] | None:
        return self._in_out

    def set_current(self, frame: int) -> None:
        """Move the playhead (no signal: the window already shows `frame`), keeping it in
        view when zoomed."""
        self._current = min(max(int(frame), 0), self.num_frames - 1)
        before = (self.axis.first, self.axis.span)
        self.axis.ensure_visible(self._current)
        if (self.axis.first, self.axis.span) != before:
            self._invalidate()
        self.update()

    def set_lanes(self, lanes: Sequence[Lane]) -> None:
        """Replace the object lanes (one per visible track)."""
        for lane in lanes:
            if lane.num_frames != self.num_frames:
                raise ValueError(f"lane of track {lane.track_id} is not {self.num_frames} long")
        self._lanes = list(lanes)
        self._fit_height()
        self.scroll_lanes(0)  # clamp: lanes may be fewer now
        self._invalidate()

    def set_active(self, track_id: int | None) -> None:
        """Highlight the active object's lane (scrolled into view)."""
        if track_id != self._active:
            self._active = track_id
            rows = [i for i, lane in enumerate(self._lanes) if lane.track_id == track_id]
            if rows and self.visible_lanes is not None:
                last = self.first_lane + self.visible_lanes - 1
                if rows[0] < self.first_lane:
                    self.scroll_lanes(rows[0] - self.first_lane)
                elif rows[0] > last:
                    self.scroll_lanes(rows[0] - last)
            self._invalidate()

    def scroll_lanes(self, rows: int) -> None:
        """Show the lanes `rows` further down (negative: up), within the lanes there are."""
        shown = self.visible_lanes if self.visible_lanes is not None else len(self._lanes)
        first = min(max(0, self.first_lane + rows), max(0, len(self._lanes) - shown))
        if first != self.first_lane:
            self.first_lane = first
            self._invalidate()

    def set_in_out(self, in_out: tuple[int, int] | None) -> None:
        """Set (or clear with None) the in/out range; announced by `rangeChanged`."""
        if in_out is not None:
            a, b = sorted(min(max(int(f), 0), self.num_frames - 1) for f in in_out)
            in_out = (a, b)
        if in_out != self._in_out:
            self._in_out = in_out
            self._invalidate()
            self.rangeChanged.emit(in_out)

    def mark_in(self, frame: int | None = None) -> None:
        """Put the in marker on `frame` (default: the current one); out follows if before."""
        f = self._current if frame is None else frame
        out = self._in_out[1] if self._in_out else self.num_frames - 1
        self.set_in_out((f, max(f, out)))

    def mark_out(self, frame: int | None = None) -> None:
        """Put the out marker on `frame` (default: the current one); in follows if after."""
        f = self._current if frame is None else frame
        first = self._in_out[0] if self._in_out else 0
        self.set_in_out((min(f, first), f))

    # --- zoom and pan --------------------------------------------------------------------
    def zoom(self, factor: float, at_x: float | None = None) -> None:
        """Zoom the time axis at widget x (default: the playhead)."""
        x = self.axis.x_of(self._current + 0.5) if at_x is None else at_x
        self.axis.zoom(factor, x)
        self._invalidate()

    def pan(self, frames: float) -> None:
        self.axis.pan(frames)
        self._invalidate()

    def fit(self) -> None:
        self.axis.fit()
        self._invalidate()

    # --- geometry ------------------------------------------------------------------------
    def frame_at(self, x: float) -> int:
        """The frame under widget x (clamped to the video)."""
        return self.axis.frame_at(x)

    def x_of(self, frame: float) -> float:
        """Left edge of `frame` in widget x."""
        return self.axis.x_of(frame)

    def lane_rect(self, row: int) -> QRectF:
        top = RULER_HEIGHT + (row - self.first_lane) * (LANE_HEIGHT + LANE_GAP) + LANE_GAP
        return QRectF(GUTTER, top, self.axis.width, LANE_HEIGHT)

    def lane_at(self, y: float) -> int | None:
        """Index of the lane at widget y, or None (ruler, gaps below the last lane)."""
        if y < RULER_HEIGHT:
            return None
        row = int((y - RULER_HEIGHT) // (LANE_HEIGHT + LANE_GAP)) + self.first_lane
        return row if 0 <= row < len(self._lanes) and row in self._shown_rows() else None

    def _shown_rows(self) -> range:
        if self.visible_lanes is None:
            return range(len(self._lanes))
        return range(self.first_lane, min(len(self._lanes), self.first_lane + self.visible_lanes))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(800, self.height())

    @staticmethod
    def height_for(lanes: int) -> int:
        """The height that shows the ruler and `lanes` lanes."""
        return RULER_HEIGHT + max(1, lanes) * (LANE_HEIGHT + LANE_GAP) + LANE_GAP + 2

    def _fit_height(self) -> None:
        lanes = len(self._lanes) if self.visible_lanes is None else self.visible_lanes
        self.setFixedHeight(self.height_for(lanes))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        self.axis.width = max(1.0, float(self.width() - GUTTER - MARGIN))
        self._invalidate()
        super().resizeEvent(event)

    # --- input ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        self._drag = "scrub"
        if pos.y() < RULER_HEIGHT and self._in_out is not None:
            for name, frame in (("in", self._in_out[0]), ("out", self._in_out[1] + 1)):
                if abs(self.axis.x_of(frame) - pos.x()) <= HANDLE_PX:
                    self._drag = name
        row = self.lane_at(pos.y())
        if row is not None:
            self.objectSelected.emit(self._lanes[row].track_id)
        self._drag_to(pos.x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if self._drag is not None:
            self._drag_to(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        self._drag = None

    def _drag_to(self, x: float) -> None:
        frame = self.frame_at(x)
        if self._drag == "in" and self._in_out is not None:
            self.set_in_out((frame, self._in_out[1]))
        elif self._drag == "out" and self._in_out is not None:
            self.set_in_out((self._in_out[0], self.frame_at(x - 1)))
        else:
            self._request(frame)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt naming)
        notches = event.angleDelta().y() / 120 or event.angleDelta().x() / 120
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.scroll_lanes(-round(notches) or (-1 if notches > 0 else 1))
        elif event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(ZOOM_STEP**notches, event.position().x())
        else:
            self.pan(-notches * WHEEL_PAN * self.axis.span)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}
        if key in steps:
            self._request(self._current + steps[Qt.Key(key)] * (10 if shift else 1))
        elif key == Qt.Key.Key_Home:
            self._request(0)
        elif key == Qt.Key.Key_End:
            self._request(self.num_frames - 1)
        elif key == Qt.Key.Key_I:
            self.mark_in()
        elif key == Qt.Key.Key_O:
            self.mark_out()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / ZOOM_STEP)
        else:
            super().keyPressEvent(event)

    def _request(self, frame: int) -> None:
        frame = min(max(frame, 0), self.num_frames - 1)
        if frame != self._current:
            self.set_current(frame)
            self.frameRequested.emit(frame)

    # --- painting ------------------------------------------------------------------------
    def _invalidate(self) -> None:
        self._layers = None
        self.update()

    def _render_layers(self) -> tuple[QPixmap, QPixmap]:
        """(lanes under the playhead, markers over it), painted at the widget's size."""
        ratio = self.devicePixelRatioF()
        size = self.size() * ratio
        under, over = QPixmap(size), QPixmap(size)
        for pixmap in (under, over):
            pixmap.setDevicePixelRatio(ratio)
        under.fill(BACKGROUND)
        over.fill(Qt.GlobalColor.transparent)
        p = QPainter(under)
        paint_ruler(p, self.axis, RULER_HEIGHT, self._in_out)
        q = QPainter(over)
        q.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = p.font()
        font.setPixelSize(9)
        p.setFont(font)
        for row in self._shown_rows():
            lane = self._lanes[row]
            rect = self.lane_rect(row)
            active = lane.track_id == self._active
            p.fillRect(QRectF(2, rect.top(), 6, rect.height()), QColor(*lane.colour))
            p.setPen(QColor(255, 255, 255) if active else QColor(170, 170, 178))
            p.drawText(QRectF(9, rect.top() - 1, GUTTER - 9, rect.height() + 2), 0, str(lane.name))
            p.setClipRect(QRectF(GUTTER, 0, self.axis.width, self.height()))
            paint_lane(p, self.axis, lane, rect, active)
            if lane.hidden:  # dimmed, so the eye skips it
                p.fillRect(rect, HIDDEN_VEIL)
            p.setClipping(False)
            paint_markers(q, self.axis, lane, rect)
        shown = self._shown_rows()
        hidden_above, hidden_below = shown.start, len(self._lanes) - shown.stop
        p.setPen(QColor(200, 200, 210))
        if hidden_above:
            p.drawText(QRectF(0, RULER_HEIGHT - 11, GUTTER, 10), 0, f"▲{hidden_above}")
        if hidden_below:
            p.drawText(QRectF(0, self.height() - 10, GUTTER, 10), 0, f"▼{hidden_below}")
        if self._in_out is not None:
            a, b = self._in_out
            x0, x1 = self.axis.x_of(a), self.axis.x_of(b + 1)
            p.fillRect(QRectF(x0, RULER_HEIGHT, x1 - x0, self.height()), QColor(90, 140, 255, 28))
        p.end()
        q.end()
        return under, over

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        if self._layers is None:
            self._layers = self._render_layers()
        under, over = self._layers
        painter = QPainter(self)
        painter.drawPixmap(0, 0, under)
        x0, x1 = self.axis.x_of(self._current), self.axis.x_of(self._current + 1)
        band = QRectF(x0, 0, max(2.0, x1 - x0), self.height())
        painter.fillRect(band, QColor(255, 255, 255, 70))
        painter.setPen(QPen(QColor(255, 255, 255), 1))
        mid = band.center().x()
        painter.drawLine(QPointF(mid, 0), QPointF(mid, self.height()))
        painter.drawPixmap(0, 0, over)
        self._paint_readout(painter)
        painter.end()

    def _paint_readout(self, painter: QPainter) -> None:
        """Frame number and timecode of the playhead, at the ruler's right end."""
        text = f" frame {self._current}  {timecode(self._current, self.fps)} "
        font = painter.font()
        font.setPixelSize(10)
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(text)
        box = QRectF(self.width() - MARGIN - width, 0, width, 12)
        painter.fillRect(box, QColor(20, 20, 24, 220))
        painter.setPen(QColor(235, 235, 240))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
