"""Hand edits of one bool (H, W) mask, in numpy: brush and eraser strokes, polygons, fill
holes, keep the largest part, remove small parts, grow and shrink.

Coordinates are continuous frame pixels: pixel (col c, row r) covers [c, c+1) x [r, r+1), so
its centre is (c + 0.5, r + 0.5). A stroke covers the pixels whose centre lies within
`radius` of the polyline through its samples; a polygon the pixels whose centre is inside
it (even-odd rule). Each edit is a small immutable value with a `label`, so the canvas can
preview it and an undoable command can replay it on the stored mask.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.domain.errors import InvalidValueError
from annotator.domain.mask_components import (
    border_components,
    component_areas,
    label_runs,
    row_runs,
)

Point = tuple[float, float]


# --- strokes ----------------------------------------------------------------------------
def paint_segment(mask: np.ndarray, a: Point, b: Point, radius: float, value: bool) -> None:
    """Set to `value`, in place, the pixels of `mask` whose centre is within `radius` of
    the segment a-b (a disc when a == b). Only the segment's bounding box is touched."""
    h, w = mask.shape
    x0 = max(0, math.floor(min(a[0], b[0]) - radius))
    x1 = min(w, math.ceil(max(a[0], b[0]) + radius) + 1)
    y0 = max(0, math.floor(min(a[1], b[1]) - radius))
    y1 = min(h, math.ceil(max(a[1], b[1]) + radius) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    px = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - a[0]
    py = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - a[1]
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0)
        px = px - t * dx
        py = py - t * dy
    inside = px * px + py * py <= radius * radius
    region = mask[y0:y1, x0:x1]
    region[inside] = value


def paint_stroke(mask: np.ndarray, points: Sequence[Point], radius: float, value: bool) -> None:
    """Paint (`value` True) or erase (False) a whole stroke in place."""
    if not points:
        return
    previous = points[0]
    paint_segment(mask, previous, previous, radius, value)
    for point in points[1:]:
        paint_segment(mask, previous, point, radius, value)
        previous = point


# --- polygons ---------------------------------------------------------------------------
def polygon_mask(shape: tuple[int, int], vertices: Sequence[Point]) -> np.ndarray:
    """A bool (H, W) mask of the pixels whose centre is inside the closed polygon."""
    h, w = shape
    out = np.zeros((h, w), bool)
    if len(vertices) < 3:
        return out
    xy = np.asarray(vertices, np.float64)
    xa, ya = xy[:, 0], xy[:, 1]
    xb, yb = np.roll(xa, -1), np.roll(ya, -1)
    r0 = max(0, math.floor(ya.min() - 0.5))
    r1 = min(h, math.ceil(ya.max() + 0.5))
    for r in range(r0, r1):
        y = r + 0.5
        crossing = (ya <= y) != (yb <= y)  # half-open: a vertex row is counted once
        if not crossing.any():
            continue
        t = (y - ya[crossing]) / (yb[crossing] - ya[crossing])
        xs = np.sort(xa[crossing] + t * (xb[crossing] - xa[crossing]))
        # pixel c is inside a span [xl, xr) when xl <= c + 0.5 < xr
        left = np.clip(np.ceil(xs[0::2] - 0.5), 0, w).astype(np.int64)
        right = np.clip(np.ceil(xs[1::2] - 0.5), 0, w).astype(np.int64)
        for c0, c1 in zip(left, right, strict=True):
            out[r, c0:c1] = True
    return out


# --- whole-mask operations ---------------------------------------------------------------
def fill_holes(mask: np.ndarray) -> np.ndarray:
    """The mask with every hole filled: background parts (4-connected) off the border."""
    background = row_runs(~mask)
    labels = label_runs(background, connectivity=4)
    outside = np.isin(labels, border_components(background, labels))
    return mask | background.paint(~outside)


def keep_largest_part(mask: np.ndarray) -> np.ndarray:
    """Only the largest 8-connected part of the mask (the first one on a tie)."""
    runs = row_runs(mask)
    labels = label_runs(runs)
    if labels.size == 0:
        return mask.copy()
    return runs.paint(labels == int(np.argmax(component_areas(runs, labels))))


def remove_small_parts(mask: np.ndarray, min_area: int) -> np.ndarray:
    """The mask without its 8-connected parts of fewer than `min_area` pixels."""
    runs = row_runs(mask)
    labels = label_runs(runs)
    if labels.size == 0:
        return mask.copy()
    big = component_areas(runs, labels) >= min_area
    return runs.paint(big[labels])


def grow(mask: np.ndarray, pixels: int = 1) -> np.ndarray:
    """Dilate by `pixels` with a 3x3 square per step (8-neighbours join the mask)."""
    out = mask.copy()
    for _ in range(pixels):
        out = _neighbourhood(out, np.logical_or)
    return out


def shrink(mask: np.ndarray, pixels: int = 1) -> np.ndarray:
    """Erode by `pixels` with a 3x3 square per step (pixels beyond the image count as
    background, so a mask touching the border shrinks from it too)."""
    out = mask.copy()
    for _ in range(pixels):
        out = _neighbourhood(out, np.logical_and)
    return out


def _neighbourhood(mask: np.ndarray, combine: np.ufunc) -> np.ndarray:
    """`combine` over each pixel's 3x3 neighbourhood (outside the image: False)."""
    h, w = mask.shape
    padded = np.zeros((h + 2, w + 2), bool)
    padded[1:-1, 1:-1] = mask
    rows = combine(combine(padded[:-2], padded[1:-1]), padded[2:])
    return combine(combine(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])


# --- edits as values ---------------------------------------------------------------------
class MaskEdit:
    """One hand edit of a mask: `apply(mask)` returns the edited bool (H, W) copy."""

    label = "Edit mask"

    def apply(self, mask: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Stroke(MaskEdit):
    """A brush (erase=False) or eraser stroke through `points` with `radius` pixels."""

    points: tuple[Point, ...]
    radius: float
    erase: bool = False

    def __post_init__(self) -> None:
        if not self.points:
            raise InvalidValueError("a stroke needs at least one point")
        if not (math.isfinite(self.radius) and self.radius > 0):
            raise InvalidValueError(f"brush radius must be a positive number, got {self.radius}")

    @property
    def label(self) -> str:  # type: ignore[override]
        return "Erase" if self.erase else "Brush"

    def apply(self, mask: np.ndarray) -> np.ndarray:
        out = mask.copy()
        paint_stroke(out, self.points, self.radius, not self.erase)
        return out


@dataclass(frozen=True)
class PolygonFill(MaskEdit):
    """Add the polygon's pixels to the mask (subtract=True: take them out)."""

    vertices: tuple[Point, ...]
    subtract: bool = False

    def __post_init__(self) -> None:
        if len(self.vertices) < 3:
            raise InvalidValueError(f"a polygon needs 3 or more vertices, got {len(self.vertices)}")

    @property
    def label(self) -> str:  # type: ignore[override]
        return "Subtract polygon" if self.subtract else "Add polygon"

    def apply(self, mask: np.ndarray) -> np.ndarray:
        inside = polygon_mask(mask.shape, self.vertices)
        return mask & ~inside if self.subtract else mask | inside


@dataclass(frozen=True)
class FillHoles(MaskEdit):
    label = "Fill holes"

    def apply(self, mask: np.ndarray) -> np.ndarray:
        return fill_holes(mask)


@dataclass(frozen=True)
class KeepLargestPart(MaskEdit):
    label = "Keep largest part"

    def apply(self, mask: np.ndarray) -> np.ndarray:
        return keep_largest_part(mask)


@dataclass(frozen=True)
class RemoveSmallParts(MaskEdit):
    """Drop parts smaller than `min_area` pixels."""

    min_area: int

    def __post_init__(self) -> None:
        if not isinstance(self.min_area, int) or self.min_area < 1:
            raise InvalidValueError(f"minimum part size must be an int >= 1, got {self.min_area}")

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"Remove parts < {self.min_area} px"

    def apply(self, mask: np.ndarray) -> np.ndarray:
        return remove_small_parts(mask, self.min_area)


@dataclass(frozen=True)
class GrowMask(MaskEdit):
    label = "Grow 1 px"

    def apply(self, mask: np.ndarray) -> np.ndarray:
        return grow(mask, 1)


@dataclass(frozen=True)
class ShrinkMask(MaskEdit):
    label = "Shrink 1 px"

    def apply(self, mask: np.ndarray) -> np.ndarray:
        return shrink(mask, 1)
