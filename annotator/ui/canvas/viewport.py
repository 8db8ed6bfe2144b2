"""The canvas's zoom/pan transform, Qt-free: widget pixels <-> image pixels.

widget = image * scale + offset. Image coordinates are continuous: pixel (col c, row r)
covers [c, c+1) x [r, r+1). Until the user zooms or pans the view stays fitted (the image
letter-boxed in the widget, following resizes); after that resizes keep the centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_SCALE_OF_FIT = 0.25  # zooming out stops at a quarter of the fitted size
MAX_SCALE = 64.0  # widget pixels per image pixel at the closest zoom
ZOOM_STEP = 1.25  # one wheel notch, one + or -

Point = tuple[float, float]


@dataclass(frozen=True)
class PixelRect:
    """A rectangle of whole image pixels [x0, x1) x [y0, y1)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def is_empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    @property
    def width(self) -> int:
        return max(0, self.x1 - self.x0)

    @property
    def height(self) -> int:
        return max(0, self.y1 - self.y0)


class Viewport:
    """Scale and offset of the image in the widget; see the module docstring."""

    def __init__(self) -> None:
        self.image_size: tuple[int, int] = (0, 0)  # (width, height)
        self.widget_size: tuple[int, int] = (0, 0)
        self.scale = 1.0
        self.offset: Point = (0.0, 0.0)
        self.fitted = True

    # --- sizes --------------------------------------------------------------------------
    def set_image_size(self, width: int, height: int) -> None:
        """A new image size: a different one is fitted again; the same one keeps the view."""
        if (width, height) != self.image_size:
            self.image_size = (int(width), int(height))
            self.fit()

    def set_widget_size(self, width: int, height: int) -> None:
        """The widget was resized: a fitted view is fitted again, else the centre stays."""
        old = self.widget_size
        self.widget_size = (int(width), int(height))
        if self.fitted:
            self.fit()
        else:
            ox, oy = self.offset
            self.offset = (ox + (width - old[0]) / 2, oy + (height - old[1]) / 2)

    @property
    def has_image(self) -> bool:
        return min(self.image_size) > 0 and min(self.widget_size) > 0

    # --- zoom and pan -------------------------------------------------------------------
    def fit_scale(self) -> float:
        """The scale at which the whole image fits the widget."""
        if not self.has_image:
            return 1.0
        (iw, ih), (ww, wh) = self.image_size, self.widget_size
        return min(ww / iw, wh / ih)

    def fit(self) -> None:
        """Show the whole image, centred (letter-boxed)."""
        self.fitted = True
        self._set_scale_centred(self.fit_scale())

    def one_to_one(self) -> None:
        """One image pixel per widget pixel, keeping the widget centre's image point."""
        centre = (self.widget_size[0] / 2, self.widget_size[1] / 2)
        self.zoom_at(1.0 / self.scale, centre)

    def zoom_at(self, factor: float, widget_point: Point) -> None:
        """Multiply the scale by `factor`; the image point under `widget_point` stays put."""
        if not self.has_image or not math.isfinite(factor) or factor <= 0:
            return
        low = min(1.0, self.fit_scale() * MIN_SCALE_OF_FIT)
        new = min(max(self.scale * factor, low), MAX_SCALE)
        ix, iy = self.widget_to_image(widget_point)
        self.scale = new
        self.offset = (widget_point[0] - ix * new, widget_point[1] - iy * new)
        self.fitted = False

    def zoom_in(self, widget_point: Point) -> None:
        self.zoom_at(ZOOM_STEP, widget_point)

    def zoom_out(self, widget_point: Point) -> None:
        self.zoom_at(1.0 / ZOOM_STEP, widget_point)

    def pan(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) widget pixels."""
        self.offset = (self.offset[0] + dx, self.offset[1] + dy)
        self.fitted = False

    def _set_scale_centred(self, scale: float) -> None:
        (iw, ih), (ww, wh) = self.image_size, self.widget_size
        self.scale = scale if scale > 0 else 1.0
        self.offset = ((ww - iw * self.scale) / 2, (wh - ih * self.scale) / 2)

    # --- mapping ------------------------------------------------------------------------
    def widget_to_image(self, point: Point) -> Point:
        """Continuous image coordinates of a widget position (may lie outside the image)."""
        return ((point[0] - self.offset[0]) / self.scale, (point[1] - self.offset[1]) / self.scale)

    def image_to_widget(self, point: Point) -> Point:
        """Widget position of continuous image coordinates."""
        return (point[0] * self.scale + self.offset[0], point[1] * self.scale + self.offset[1])

    def contains_image_point(self, point: Point) -> bool:
        """True when image coordinates fall on the image."""
        return 0 <= point[0] < self.image_size[0] and 0 <= point[1] < self.image_size[1]

    def clamp_to_image(self, point: Point) -> Point:
        """The nearest point on the image (just inside its right and bottom edges)."""
        w, h = self.image_size
        return (min(max(point[0], 0.0), w - 1e-3), min(max(point[1], 0.0), h - 1e-3))

    def image_rect_in_widget(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the whole image in widget coordinates."""
        w, h = self.image_size
        return (self.offset[0], self.offset[1], w * self.scale, h * self.scale)

    def visible_image_rect(self) -> PixelRect:
        """The whole image pixels at least partly visible in the widget (clipped to the
        image): what a paint needs to draw."""
        if not self.has_image:
            return PixelRect(0, 0, 0, 0)
        (iw, ih), (ww, wh) = self.image_size, self.widget_size
        x0, y0 = self.widget_to_image((0.0, 0.0))
        x1, y1 = self.widget_to_image((float(ww), float(wh)))
        return PixelRect(
            max(0, math.floor(x0)),
            max(0, math.floor(y0)),
            min(iw, math.ceil(x1)),
            min(ih, math.ceil(y1)),
        )
