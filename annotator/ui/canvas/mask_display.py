"""What the canvas shows of the masks: the frame's layers, the active object, a candidate or
an edit in progress standing in for its mask, and the rendered widget-size image (cached
until something changes; an edit re-renders only the pixels it touched)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtGui import QImage

from annotator.domain import Colour
from annotator.ui.canvas.layers import MaskLayer, OverlayOptions, render_layers, screen_rect, union
from annotator.ui.canvas.viewport import PixelRect, Viewport


class MaskDisplay:
    """See the module docstring."""

    def __init__(self) -> None:
        self.options = OverlayOptions()
        self.layers: list[MaskLayer] = []
        self.active_track: int | None = None
        self.active_colour: Colour = (255, 255, 255)
        self.candidates: list[np.ndarray] = []
        self.candidate = 0
        self.working: MaskLayer | None = None  # the active mask while an edit previews
        self._buffer: np.ndarray | None = None  # rendered masks, widget size RGBA
        self._image: QImage | None = None  # shares _buffer's memory
        self._view: tuple[tuple[float, tuple[int, int]], tuple[float, float]] | None = None

    def invalidate(self) -> None:
        self._buffer = self._image = None

    def set_masks(
        self, masks: Sequence[tuple[int, np.ndarray, Colour]], active_track: int | None
    ) -> None:
        self.layers = [MaskLayer(tid, mask, colour) for tid, mask, colour in masks]
        self.active_track = active_track
        for tid, _, colour in masks:
            if tid == active_track:
                self.active_colour = colour
        self.working = None
        self.invalidate()

    def begin_edit(self, size: tuple[int, int]) -> bool:
        """Copy the active mask (or an empty one of `size` (w, h)) to edit; False without an
        active object."""
        if self.active_track is None:
            return False
        current = next((la for la in self.layers if la.track_id == self.active_track), None)
        w, h = size
        mask = np.zeros((h, w), bool) if current is None else current.mask.copy()
        bbox = PixelRect(0, 0, 0, 0) if current is None else current.bbox
        self.working = MaskLayer(self.active_track, mask, self.active_colour, bbox)
        return True

    def edit_changed(self, dirty: PixelRect, viewport: Viewport) -> PixelRect | None:
        """The working mask changed in frame pixels `dirty`: re-render those widget pixels
        and return them (None: everything must be redrawn)."""
        if self.working is None:
            return None
        w, h = viewport.image_size
        dirty = PixelRect(max(0, dirty.x0), max(0, dirty.y0), min(w, dirty.x1), min(h, dirty.y1))
        self.working.bbox = union(self.working.bbox, dirty)
        clip = screen_rect(viewport, dirty)
        ww, wh = viewport.widget_size
        clip = PixelRect(
            max(0, clip.x0 - 3), max(0, clip.y0 - 3), min(ww, clip.x1 + 3), min(wh, clip.y1 + 3)
        )  # 3 px: the outline of the pixels around
        if self._buffer is None or clip.is_empty:
            self.invalidate()
            return None
        part = render_layers(self.shown_layers(), viewport, self.options, clip, self.active_track)
        self._buffer[clip.y0 : clip.y1, clip.x0 : clip.x1] = part
        return clip

    def shown_layers(self) -> list[MaskLayer]:
        """The layers as drawn: the working or the candidate mask stands in for the active
        object's own (and is drawn on top)."""
        stand_in = self.working
        if stand_in is None and self.candidates and self.active_track is not None:
            mask = self.candidates[self.candidate]
            stand_in = MaskLayer(self.active_track, mask, self.active_colour)
        if stand_in is None:
            return self.layers
        return [la for la in self.layers if la.track_id != stand_in.track_id] + [stand_in]

    def track_at(self, x: float, y: float) -> int | None:
        """The object drawn on top at frame pixel (x, y), or None where no mask is shown."""
        col, row = math.floor(x), math.floor(y)
        for layer in reversed(self.shown_layers()):
            if self.options.only_active and layer.track_id != self.active_track:
                continue
            h, w = layer.mask.shape
            if 0 <= row < h and 0 <= col < w and layer.mask[row, col]:
                return layer.track_id
        return None

    def image(self, viewport: Viewport) -> QImage | None:
        """The masks rendered for the whole widget, or None when there are none. After a
        pan by whole pixels the last image is shifted and only the uncovered strips are
        rendered; a zoom or resize renders everything."""
        if not self.layers and self.working is None and not self.candidates:
            return None
        view = (viewport.scale, viewport.widget_size)
        if self._buffer is not None and self._view is not None and self._view[0] == view:
            dx = viewport.offset[0] - self._view[1][0]
            dy = viewport.offset[1] - self._view[1][1]
            if (dx, dy) != (0, 0) and dx.is_integer() and dy.is_integer():
                self._shift(viewport, int(dx), int(dy))
            elif (dx, dy) != (0, 0):
                self.invalidate()
        elif self._buffer is not None:
            self.invalidate()
        if self._buffer is None:
            ww, wh = viewport.widget_size
            self._buffer = np.zeros((wh, ww, 4), np.uint8)
            self._render(viewport, PixelRect(0, 0, ww, wh))
        self._view = (view, viewport.offset)
        if self._image is None:
            ww, wh = viewport.widget_size
            data = self._buffer.data
            self._image = QImage(data, ww, wh, 4 * ww, QImage.Format.Format_RGBA8888)
        return self._image

    def _render(self, viewport: Viewport, clip: PixelRect) -> None:
        """Render the layers into the buffer over widget pixels `clip`."""
        assert self._buffer is not None
        clip = _intersect(clip, screen_rect(viewport, viewport.visible_image_rect()))
        if clip.is_empty:
            return
        part = render_layers(self.shown_layers(), viewport, self.options, clip, self.active_track)
        self._buffer[clip.y0 : clip.y1, clip.x0 : clip.x1] = part

    def _shift(self, viewport: Viewport, dx: int, dy: int) -> None:
        """Move the buffer's pixels by (dx, dy) and render the strips left uncovered."""
        assert self._buffer is not None
        buffer = self._buffer
        wh, ww = buffer.shape[:2]
        moved = np.zeros_like(buffer)
        src_x, dst_x = (
            (slice(0, ww - dx), slice(dx, ww)) if dx >= 0 else (slice(-dx, ww), slice(0, ww + dx))
        )
        src_y, dst_y = (
            (slice(0, wh - dy), slice(dy, wh)) if dy >= 0 else (slice(-dy, wh), slice(0, wh + dy))
        )
        moved[dst_y, dst_x] = buffer[src_y, src_x]
        buffer[...] = moved  # in place: the QImage shares this memory
        # uncovered columns and rows, plus 3 px inside them for the outlines there
        cols = PixelRect(0, 0, dx + 3, wh) if dx >= 0 else PixelRect(ww + dx - 3, 0, ww, wh)
        rows = PixelRect(0, 0, ww, dy + 3) if dy >= 0 else PixelRect(0, wh + dy - 3, ww, wh)
        for strip in (cols, rows):
            self._render(viewport, strip)


def _intersect(a: PixelRect, b: PixelRect) -> PixelRect:
    return PixelRect(max(a.x0, b.x0), max(a.y0, b.y0), min(a.x1, b.x1), min(a.y1, b.y1))
