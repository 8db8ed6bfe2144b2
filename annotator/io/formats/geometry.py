"""Mask <-> polygon geometry shared by the COCO-polygon and YOLO formats.

Coordinates are COCO continuous pixel coordinates: pixel (x, y) covers [x, x+1) x [y, y+1) and a
polygon covers a pixel when it contains the pixel centre (x + 0.5, y + 0.5), which is the rule
pycocotools rasterises polygons with. Contours are traced on a 2x nearest-upsampled crop, which
puts every vertex a quarter pixel inside the mask's outline; the polygons therefore rasterise back
to exactly the source mask (holes included, via zero-width "keyhole" bridges under the even-odd
rule), rather than losing the usual half-pixel rim of pixel-centre contours.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray
from pycocotools import mask as mask_utils

from annotator.io.formats.bridging import Polygon, bridge_rings


def mask_to_rings(mask: NDArray[np.bool_]) -> list[tuple[Polygon, list[Polygon]]]:
    """Outer rings of a binary (H, W) mask, each with the hole rings inside it.

    Returns one (outer, holes) pair per connected part (8-connectivity). An island inside a hole
    is a part of its own. Empty masks give an empty list.
    """
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {mask.shape}")
    ys = np.flatnonzero(mask.any(axis=1))
    if ys.size == 0:
        return []
    xs = np.flatnonzero(mask.any(axis=0))
    y0, y1, x0, x1 = int(ys[0]), int(ys[-1]) + 1, int(xs[0]), int(xs[-1]) + 1
    return crop_to_rings(mask[y0:y1, x0:x1], x0, y0)


def crop_to_rings(
    crop: NDArray[np.bool_], x0: int, y0: int, *, transposed: bool = False
) -> list[tuple[Polygon, list[Polygon]]]:
    """`mask_to_rings` of a mask given as a crop whose top-left pixel is (x0, y0).

    transposed=True: `crop` is (width, height) (column-major data, traced as is, since the
    contours of a transposed image are the transposed contours).
    """
    h, w = crop.shape
    bits = crop if crop.dtype == np.bool_ else crop != 0
    small = np.ascontiguousarray(bits).view(np.uint8)
    up = cv2.resize(small, (2 * w, 2 * h), interpolation=cv2.INTER_NEAREST)
    padded = cv2.copyMakeBorder(up, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=0)
    return upsampled_to_rings(padded.astype(np.uint8, copy=False), x0, y0, transposed=transposed)


def upsampled_to_rings(
    up: NDArray[np.uint8], x0: int, y0: int, *, transposed: bool = False
) -> list[tuple[Polygon, list[Polygon]]]:
    """Rings of a crop already upsampled 2x (nearest) and padded by 2 zero pixels a side.

    The padding keeps contours off the border; (x0, y0) is the original crop's top-left.
    """
    contours, hierarchy = cv2.findContours(up, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    # upsampled pixel u has its centre at u/2 + 0.25 in padded coords; undo pad and crop offset
    offset = np.array([x0 - 1 + 0.25, y0 - 1 + 0.25])
    order = [1, 0] if transposed else [0, 1]
    rings = [c.reshape(-1, 2)[:, order].astype(np.float64) / 2.0 + offset for c in contours]
    parts: dict[int, tuple[Polygon, list[Polygon]]] = {}
    for i, (_next, _prev, _child, parent) in enumerate(hierarchy[0]):
        if parent < 0:
            parts[i] = (rings[i], [])
    for i, (_next, _prev, _child, parent) in enumerate(hierarchy[0]):
        if parent >= 0:
            parts[int(parent)][1].append(rings[i])
    return list(parts.values())


def simplify_ring(ring: Polygon, tolerance: float) -> Polygon:
    """Douglas-Peucker simplification within `tolerance` px (0: unchanged, exact).

    Rings that would fall below 3 vertices are kept as they are.
    """
    if tolerance <= 0 or len(ring) <= 3:
        return ring
    out = cv2.approxPolyDP(ring.astype(np.float32).reshape(-1, 1, 2), tolerance, True)
    return ring if len(out) < 3 else out.reshape(-1, 2).astype(np.float64)


def rings_to_polygons(
    rings: list[tuple[Polygon, list[Polygon]]], *, keep_holes: bool = True, tolerance: float = 0.0
) -> list[Polygon]:
    """One polygon per part, its holes bridged in (or dropped when keep_holes is False).

    tolerance > 0 simplifies every ring first (smaller files, no longer pixel-exact).
    """
    polys = []
    for outer, holes in rings:
        outer = simplify_ring(outer, tolerance)
        holes = [simplify_ring(h, tolerance) for h in holes] if keep_holes else []
        poly = bridge_rings([outer, *holes]) if holes else outer
        polys.append(_at_least_three(poly))
    return polys


def rings_to_single_polygon(
    rings: list[tuple[Polygon, list[Polygon]]], *, keep_holes: bool = True, tolerance: float = 0.0
) -> Polygon | None:
    """All parts (and holes) bridged into one polygon; None when there are no rings."""
    flat: list[Polygon] = []
    for outer, holes in rings:
        flat.append(simplify_ring(outer, tolerance))
        if keep_holes:
            flat.extend(simplify_ring(h, tolerance) for h in holes)
    return _at_least_three(bridge_rings(flat)) if flat else None


def mask_to_polygons(mask: NDArray[np.bool_], *, keep_holes: bool = True) -> list[Polygon]:
    """One polygon per connected part, holes bridged in (or dropped when keep_holes is False).

    Every polygon has at least 3 distinct vertices: even a single pixel traces as a
    quarter-pixel-inset square, so no part is lost.
    """
    return rings_to_polygons(mask_to_rings(mask), keep_holes=keep_holes)


def mask_to_single_polygon(mask: NDArray[np.bool_], *, keep_holes: bool = True) -> Polygon | None:
    """The whole mask as one polygon (parts and holes bridged), None for an empty mask."""
    return rings_to_single_polygon(mask_to_rings(mask), keep_holes=keep_holes)


def _at_least_three(poly: Polygon) -> Polygon:
    """Drop consecutive duplicate vertices; pad a degenerate ring up to 3 vertices."""
    keep = np.ones(len(poly), bool)
    keep[1:] = np.any(poly[1:] != poly[:-1], axis=1)
    poly = poly[keep]
    if len(poly) > 1 and np.array_equal(poly[0], poly[-1]):
        poly = poly[:-1]
    while len(poly) < 3:  # cannot happen for traced contours; keeps the invariant anyway
        poly = np.concatenate([poly, poly[-1:]])
    return poly


def polygons_to_mask(polygons: Sequence[Polygon], height: int, width: int) -> NDArray[np.bool_]:
    """Rasterise polygons (each even-odd filled, then united) to a (H, W) bool mask.

    Uses pycocotools' rasteriser, the one COCO tools decode polygon annotations with.
    """
    flat = [np.asarray(p, np.float64).reshape(-1).tolist() for p in polygons if len(p) >= 3]
    if not flat:
        return np.zeros((height, width), bool)
    rles = mask_utils.frPyObjects(flat, height, width)
    return mask_utils.decode(mask_utils.merge(rles)).astype(bool)


def clip_polygon_coords(poly: Polygon, width: float, height: float) -> Polygon:
    """Clamp vertices into the image rectangle [0, width] x [0, height]."""
    out = np.array(poly, np.float64, copy=True)
    np.clip(out[:, 0], 0.0, width, out=out[:, 0])
    np.clip(out[:, 1], 0.0, height, out=out[:, 1])
    return out


def polygon_area(poly: Polygon) -> float:
    """Absolute shoelace area of a closed polygon, in square pixels."""
    x, y = poly[:, 0], poly[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)
