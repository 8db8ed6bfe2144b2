"""Hand edits give exactly the pixels they promise (checked against a brute-force rule)."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.domain import InvalidValueError
from annotator.domain.mask_components import component_areas, label_runs, row_runs
from annotator.domain.mask_edit import (
    FillHoles,
    GrowMask,
    KeepLargestPart,
    PolygonFill,
    RemoveSmallParts,
    ShrinkMask,
    Stroke,
    paint_stroke,
    polygon_mask,
)


def centres(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w]
    return xs + 0.5, ys + 0.5


def brute_capsule(h: int, w: int, a, b, radius: float) -> np.ndarray:
    """Pixel centres within `radius` of segment a-b, computed point by point in float64."""
    cx, cy = centres(h, w)
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    t = (
        np.zeros_like(cx)
        if length2 == 0
        else np.clip(((cx - ax) * dx + (cy - ay) * dy) / length2, 0, 1)
    )
    return (cx - ax - t * dx) ** 2 + (cy - ay - t * dy) ** 2 <= radius**2


def test_a_dab_covers_the_pixels_whose_centre_is_within_the_radius() -> None:
    mask = np.zeros((9, 9), bool)
    paint_stroke(mask, [(4.5, 4.5)], 1.0, True)
    expected = np.zeros((9, 9), bool)
    expected[4, 3:6] = expected[3:6, 4] = True  # the centre and its 4 neighbours (distance 1)
    np.testing.assert_array_equal(mask, expected)


def test_a_stroke_is_the_union_of_capsules_between_its_samples() -> None:
    points = [(3.2, 4.0), (20.7, 9.1), (25.0, 30.5), (24.0, 30.0)]
    mask = np.zeros((40, 50), bool)
    paint_stroke(mask, points, 3.5, True)
    expected = np.zeros_like(mask)
    for a, b in zip(points[:-1], points[1:], strict=True):
        expected |= brute_capsule(40, 50, a, b, 3.5)
    np.testing.assert_array_equal(mask, expected)


def test_eraser_removes_exactly_what_the_brush_added_and_clips_at_the_border() -> None:
    base = np.zeros((30, 30), bool)
    base[20:, 20:] = True
    stroke = Stroke(((1.0, 1.0), (12.0, 1.0), (29.9, 29.9)), 4.0)
    painted = stroke.apply(base)
    assert painted[0, 0] and painted[29, 29] and painted.sum() > base.sum()
    erased = Stroke(stroke.points, 4.0, erase=True).apply(painted)
    np.testing.assert_array_equal(erased, base & ~stroke.apply(np.zeros_like(base)))
    assert stroke.label == "Brush" and Stroke(stroke.points, 4.0, erase=True).label == "Erase"


def test_polygon_fills_the_pixel_centres_inside_it() -> None:
    square = polygon_mask((10, 10), [(2, 2), (7, 2), (7, 6), (2, 6)])
    expected = np.zeros((10, 10), bool)
    expected[2:6, 2:7] = True
    np.testing.assert_array_equal(square, expected)
    # a triangle against the even-odd rule evaluated at every centre
    tri = [(1.3, 1.1), (18.6, 4.2), (6.1, 14.9)]
    cx, cy = centres(16, 20)
    inside = np.zeros_like(cx, dtype=bool)
    for (xa, ya), (xb, yb) in zip(tri, tri[1:] + tri[:1], strict=True):
        crosses = (ya <= cy) != (yb <= cy)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = xa + (cy - ya) / (yb - ya) * (xb - xa)
        inside ^= crosses & (cx < x_at)
    np.testing.assert_array_equal(polygon_mask((16, 20), tri), inside)


def test_polygon_add_and_subtract() -> None:
    base = np.zeros((10, 10), bool)
    base[:, :5] = True
    poly = ((0.0, 0.0), (10.0, 0.0), (10.0, 2.0), (0.0, 2.0))
    added = PolygonFill(poly).apply(base)
    assert added[:2].all() and added[2:, :5].all() and not added[2:, 5:].any()
    cut = PolygonFill(poly, subtract=True).apply(base)
    assert not cut[:2].any() and cut[2:, :5].all()
    with pytest.raises(InvalidValueError, match="3 or more vertices"):
        PolygonFill(((0.0, 0.0), (1.0, 1.0)))


def test_fill_holes_fills_enclosed_background_only() -> None:
    mask = np.zeros((12, 12), bool)
    mask[2:9, 2:9] = True
    mask[4:6, 4:7] = False  # a hole
    mask[2:9, 8] = True
    mask[0:2, 10:12] = False  # background at the border stays
    mask[5, 2] = False  # a notch open to the outside is not a hole
    filled = FillHoles().apply(mask)
    expected = mask.copy()
    expected[4:6, 4:7] = True
    np.testing.assert_array_equal(filled, expected)
    # background touching a corner only diagonally is outside (4-connected background)
    ring = np.ones((5, 5), bool)
    ring[1:4, 1:4] = False
    ring[0, 0] = False
    ring[1, 1] = True
    assert FillHoles().apply(ring)[1:4, 1:4].all()


def test_components_keep_largest_and_remove_small() -> None:
    mask = np.zeros((20, 20), bool)
    mask[0:5, 0:5] = True  # 25 px
    mask[10:12, 10:12] = True  # 4 px
    mask[12, 12] = True  # diagonal: joins the 4 px part (8-connected) -> 5 px
    mask[18, 0] = True  # 1 px
    runs = row_runs(mask)
    labels = label_runs(runs)
    assert sorted(component_areas(runs, labels).tolist()) == [1, 5, 25]
    assert sorted(component_areas(runs, label_runs(runs, connectivity=4)).tolist()) == [1, 1, 4, 25]
    largest = KeepLargestPart().apply(mask)
    assert largest.sum() == 25 and largest[0:5, 0:5].all()
    cleaned = RemoveSmallParts(5).apply(mask)
    assert cleaned.sum() == 30 and not cleaned[18, 0]
    assert RemoveSmallParts(5).label == "Remove parts < 5 px"
    empty = np.zeros((4, 4), bool)
    assert not KeepLargestPart().apply(empty).any() and not RemoveSmallParts(2).apply(empty).any()


def test_a_snake_shaped_mask_is_one_component() -> None:
    mask = np.zeros((21, 21), bool)
    for r in range(0, 21, 2):
        mask[r, :] = True
        mask[r + 1 if r < 20 else r, 20 if (r // 2) % 2 == 0 else 0] = True
    runs = row_runs(mask)
    assert component_areas(runs, label_runs(runs, connectivity=4)).tolist() == [int(mask.sum())]


def test_grow_and_shrink_by_one_pixel() -> None:
    mask = np.zeros((7, 7), bool)
    mask[3, 3] = True
    grown = GrowMask().apply(mask)
    expected = np.zeros_like(mask)
    expected[2:5, 2:5] = True
    np.testing.assert_array_equal(grown, expected)
    np.testing.assert_array_equal(ShrinkMask().apply(grown), mask)
    full = np.ones((4, 4), bool)
    shrunk = ShrinkMask().apply(full)
    assert shrunk[1:3, 1:3].all() and shrunk.sum() == 4  # the border counts as background


def test_bad_strokes_are_refused_with_a_message() -> None:
    with pytest.raises(InvalidValueError, match="at least one point"):
        Stroke((), 2.0)
    with pytest.raises(InvalidValueError, match="positive"):
        Stroke(((1.0, 1.0),), 0.0)
    with pytest.raises(InvalidValueError, match="int >= 1"):
        RemoveSmallParts(0)
