"""Rings joined into one polygon: exact under even-odd fill however many rings there are,
with each ring bridged to a near neighbour rather than to a far one."""

from __future__ import annotations

import numpy as np

from annotator.io.formats import geometry
from annotator.io.formats.bridging import bridge_rings, spanning_bridges


def square(x: float, y: float, side: float = 2.0) -> np.ndarray:
    return np.array([[x, y], [x + side, y], [x + side, y + side], [x, y + side]], float)


def test_a_mask_of_hundreds_of_fragments_and_holes_is_one_exact_polygon() -> None:
    rng = np.random.default_rng(7)
    mask = rng.random((120, 160)) < 0.5  # noise: hundreds of parts, holes and islands
    rings = geometry.mask_to_rings(mask)
    assert sum(1 + len(holes) for _, holes in rings) > 300
    single = geometry.mask_to_single_polygon(mask)
    assert single is not None
    assert np.array_equal(geometry.polygons_to_mask([single], *mask.shape), mask)


def test_each_ring_is_bridged_once_to_a_near_neighbour() -> None:
    # squares along a line, listed out of order: the tree links neighbours only (10 apart)
    xs = [0, 40, 10, 30, 20, 50]
    rings = [square(x, 0) for x in xs]
    bridges = spanning_bridges(rings)
    assert sorted(child for _, _, child, _ in bridges) == list(range(1, len(rings)))
    for parent, i, child, j in bridges:
        assert abs(xs[parent] - xs[child]) == 10
        assert np.hypot(*(rings[parent][i] - rings[child][j])) <= 8.0 + 1e-9  # facing corners


def test_the_joined_polygon_walks_every_ring_and_each_bridge_both_ways() -> None:
    rings = [square(0, 0, 6), square(10, 0), square(20, 0), square(10, 10)]
    poly = bridge_rings(rings)
    # every ring vertex is on it, and only ring vertices: bridges add no new points
    on = {tuple(p) for p in poly}
    assert on == {tuple(p) for r in rings for p in r}
    # each bridge (an edge between two rings) is travelled once each way
    ring_of = {tuple(p): k for k, r in enumerate(rings) for p in r}
    crossings: dict[tuple[tuple[float, ...], tuple[float, ...]], int] = {}
    for a, b in zip(poly, np.roll(poly, -1, axis=0), strict=True):
        if ring_of[tuple(a)] != ring_of[tuple(b)]:
            crossings[(tuple(a), tuple(b))] = crossings.get((tuple(a), tuple(b)), 0) + 1
    assert len(crossings) == 2 * (len(rings) - 1)
    assert all((b, a) in crossings for a, b in crossings)
