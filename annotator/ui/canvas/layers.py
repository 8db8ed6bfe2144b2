"""Mask layers rendered at screen resolution for what the viewport shows (numpy, Qt-free).

Each widget pixel takes the mask pixel under its centre (nearest), so a mask stays exact and
its outline is one or two *screen* pixels wide at any zoom, instead of a frame-size overlay
stretched into blurry or blocky edges. Only the visible part of each mask is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.domain import Colour
from annotator.domain.mask_edit import shrink
from annotator.ui.canvas.viewport import PixelRect, Viewport

OUTLINE_ALPHA = 255


@dataclass(frozen=True)
class OverlayOptions:
    """How masks are drawn: fill opacity (0..1), outline only, only the active object."""

    opacity: float = 0.45
    outline_only: bool = False
    only_active: bool = False


class MaskLayer:
    """One object's bool (H, W) mask on the frame, its colour, and its bounding box (a
    superset is fine: it only saves work)."""

    __slots__ = ("bbox", "colour", "mask", "track_id")

    def __init__(
        self, track_id: int, mask: np.ndarray, colour: Colour, bbox: PixelRect | None = None
    ) -> None:
        self.track_id, self.mask, self.colour = track_id, mask, colour
        self.bbox = mask_bbox(mask) if bbox is None else bbox


def mask_bbox(mask: np.ndarray) -> PixelRect:
    """The smallest PixelRect holding every True pixel (empty when none)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return PixelRect(0, 0, 0, 0)
    cols = np.flatnonzero(mask[rows[0] : rows[-1] + 1].any(axis=0))
    return PixelRect(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def union(a: PixelRect, b: PixelRect) -> PixelRect:
    """The smallest rectangle holding both (an empty one counts as nothing)."""
    if a.is_empty:
        return b
    if b.is_empty:
        return a
    return PixelRect(min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))


def screen_rect(viewport: Viewport, rect: PixelRect) -> PixelRect:
    """The widget pixels (clipped to the widget) whose centres fall on image pixels `rect`."""
    if rect.is_empty:
        return PixelRect(0, 0, 0, 0)
    x0, y0 = viewport.image_to_widget((rect.x0, rect.y0))
    x1, y1 = viewport.image_to_widget((rect.x1, rect.y1))
    ww, wh = viewport.widget_size
    return PixelRect(
        max(0, int(np.ceil(x0 - 0.5))),
        max(0, int(np.ceil(y0 - 0.5))),
        min(ww, int(np.ceil(x1 - 0.5))),
        min(wh, int(np.ceil(y1 - 0.5))),
    )


def _packed(colour: Colour, alpha: int) -> np.uint32:
    """R, G, B, A bytes in memory order as one native 32-bit word."""
    return np.frombuffer(bytes((*colour, alpha)), np.uint32)[0]


def render_layers(
    layers: Sequence[MaskLayer],
    viewport: Viewport,
    options: OverlayOptions,
    clip: PixelRect,
    active_track: int | None = None,
) -> np.ndarray:
    """RGBA uint8 (clip.height, clip.width, 4) of the layers over widget pixels `clip`:
    filled translucent (unless outline_only) with an opaque outline, 2 px for the active
    object; later layers paint over earlier ones."""
    out = np.zeros((clip.height, clip.width, 4), np.uint8)
    if clip.is_empty or not viewport.has_image:
        return out
    pixels = out.view(np.uint32)[..., 0]  # one 32-bit word per pixel: R, G, B, A bytes
    iw, ih = viewport.image_size
    # image column/row under each widget pixel centre of the clip, with a 2 px margin so an
    # outline at the clip's edge sees its neighbours
    margin = 2
    xs = np.arange(clip.x0 - margin, clip.x1 + margin) + 0.5
    ys = np.arange(clip.y0 - margin, clip.y1 + margin) + 0.5
    cols = np.floor((xs - viewport.offset[0]) / viewport.scale).astype(np.int64)
    rows = np.floor((ys - viewport.offset[1]) / viewport.scale).astype(np.int64)
    fill_alpha = int(round(255 * min(max(options.opacity, 0.0), 1.0)))
    for layer in layers:
        if options.only_active and layer.track_id != active_track:
            continue
        box = layer.bbox
        cx = np.flatnonzero((cols >= box.x0) & (cols < box.x1) & (cols >= 0) & (cols < iw))
        cy = np.flatnonzero((rows >= box.y0) & (rows < box.y1) & (rows >= 0) & (rows < ih))
        if cx.size == 0 or cy.size == 0:
            continue
        # widget pixels of this layer's box: a contiguous span of the (margin-padded) clip
        sx0, sx1, sy0, sy1 = cx[0], cx[-1] + 1, cy[0], cy[-1] + 1
        # nearest sample: whole rows first (a cheap take), then the columns of those rows
        box_rows = layer.mask[box.y0 : box.y1, box.x0 : box.x1]
        picked = np.take(box_rows, rows[sy0:sy1] - box.y0, axis=0)
        sample = np.take(np.ascontiguousarray(picked), cols[sx0:sx1] - box.x0, axis=1)
        padded = np.zeros((sample.shape[0] + 2, sample.shape[1] + 2), bool)
        padded[1:-1, 1:-1] = sample  # outside the box is outside the mask
        inner = shrink(padded, 2 if layer.track_id == active_track else 1)[1:-1, 1:-1]
        # back to the clip without its margin
        ox0, oy0 = max(sx0, margin), max(sy0, margin)
        ox1, oy1 = min(sx1, margin + clip.width), min(sy1, margin + clip.height)
        if ox0 >= ox1 or oy0 >= oy1:
            continue
        part = (slice(oy0 - sy0, oy1 - sy0), slice(ox0 - sx0, ox1 - sx0))
        region = pixels[oy0 - margin : oy1 - margin, ox0 - margin : ox1 - margin]
        inside, edge = sample[part], sample[part] & ~inner[part]
        if not options.outline_only and fill_alpha > 0:
            region[inside] = _packed(layer.colour, fill_alpha)
        region[edge] = _packed(layer.colour, OUTLINE_ALPHA)
    return out
