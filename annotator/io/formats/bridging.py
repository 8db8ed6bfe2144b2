"""Several rings joined into one polygon by zero-width bridges (YOLO rows, CVAT and labelme
shapes hold one polygon per object, holes and parts included).

A bridge is travelled once each way, so it encloses no area: filled with the even-odd rule,
the joined polygon equals the rings' XOR whichever vertices the bridges join (parts stay
filled, holes stay empty). Short bridges only keep it tidy in an editor, so they are chosen
as a minimum spanning tree over the rings (Prim's, on evenly spaced samples of each ring,
refined to close vertices), the way Ultralytics' `merge_multi_segment` links the parts of
an object, at O(rings x samples²) numpy work per ring rather than a Python loop over every
pair of rings: a mask of a few hundred fragments joins in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Polygon = NDArray[np.float64]
"""An (N, 2) array of x, y vertices, implicitly closed (first vertex not repeated)."""

SAMPLES = 16  # vertices per ring the tree is chosen on


def _samples(rings: Sequence[Polygon]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """(R, SAMPLES, 2) evenly spaced vertices of each ring and their (R, SAMPLES) indices
    (short rings repeat vertices)."""
    index = np.stack([np.linspace(0, len(r) - 1, SAMPLES).round().astype(np.intp) for r in rings])
    points = np.stack([r[i] for r, i in zip(rings, index, strict=True)])
    return points, index


def _nearest(points: Polygon, to: NDArray[np.float64]) -> int:
    """Index of the vertex of `points` nearest to the point `to`."""
    d = points - to
    return int(np.argmin(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]))


def _update(
    samples: NDArray[np.float64],
    others: NDArray[np.float64],
    rest: NDArray[np.intp],
    newest: int,
    best: NDArray[np.float64],
    link: NDArray[np.intp],
) -> None:
    """Prim's update: rings `rest` (their samples `others`, (n, S, 2)) that are nearer to the
    tree's newest ring (its `samples`, (S, 2)) than to the tree so far now link to it."""
    dx = samples[:, None, None, 0] - others[None, :, :, 0]  # (S, n, S)
    dy = samples[:, None, None, 1] - others[None, :, :, 1]
    flat = (dx * dx + dy * dy).transpose(1, 0, 2).reshape(len(rest), -1)
    arg = flat.argmin(axis=1)
    dist = flat[np.arange(len(rest)), arg]
    closer = dist < best[rest]
    hit = rest[closer]
    best[hit] = dist[closer]
    link[hit, 0] = newest
    link[hit, 1] = arg[closer] % SAMPLES  # arg = newest's sample * SAMPLES + its own


def spanning_bridges(rings: Sequence[Polygon]) -> list[tuple[int, int, int, int]]:
    """The bridges of a spanning tree over the rings from ring 0, as (parent, i, child, j):
    vertex i of ring `parent` joins vertex j of ring `child`; every child comes after its
    parent in the list."""
    points, index = _samples(rings)
    count = len(rings)
    low = np.stack([r.min(axis=0) for r in rings])  # (R, 2) bounding boxes
    high = np.stack([r.max(axis=0) for r in rings])
    best = np.full(count, np.inf)  # squared distance of each ring to the tree so far
    link = np.zeros((count, 2), np.intp)  # (the tree ring it is nearest, its own sample)
    outside = np.ones(count, bool)
    outside[0] = False
    bridges: list[tuple[int, int, int, int]] = []
    newest = 0
    for _ in range(count - 1):
        left = np.flatnonzero(outside)
        # only rings whose bounding box is nearer than their best so far can get nearer
        gap = np.maximum(0.0, np.maximum(low[left] - high[newest], low[newest] - high[left]))
        rest = left[(gap * gap).sum(axis=1) < best[left]]
        if rest.size:
            _update(points[newest], points[rest], rest, newest, best, link)
        newest = int(left[np.argmin(best[left])])
        outside[newest] = False
        parent, sample = (int(v) for v in link[newest])
        # refine the sampled pair: the parent's vertex nearest the child's sample, then back
        i = _nearest(rings[parent], rings[newest][index[newest, sample]])
        j = _nearest(rings[newest], rings[parent][i])
        bridges.append((parent, i, newest, j))
    return bridges


def bridge_rings(rings: Sequence[Polygon]) -> Polygon:
    """Join several rings into one polygon by zero-width bridges (see the module doc),
    starting from the longest ring."""
    if not rings:
        raise ValueError("no rings to bridge")
    order = sorted(range(len(rings)), key=lambda k: -len(rings[k]))
    ordered = [rings[k] for k in order]
    if len(ordered) == 1:
        return ordered[0]
    bridges = spanning_bridges(ordered)
    entry = [0] * len(ordered)  # where each ring is entered (the root from its vertex 0)
    children: list[list[tuple[int, int]]] = [[] for _ in ordered]  # (vertex, child)
    for parent, i, child, j in bridges:
        entry[child] = j
        children[parent].append((i, child))
    pieces: list[list[Polygon]] = [[] for _ in ordered]
    # children before parents: each ring is walked from its entry, each child spliced in at
    # its vertex (there the walk crosses over, goes once round the child, and comes back)
    for ring in [0, *(child for _, _, child, _ in bridges)][::-1]:
        base = np.roll(ordered[ring], -entry[ring], axis=0)
        n = len(base)
        parts: list[Polygon] = []
        start = 0
        for at, child in sorted(((i - entry[ring]) % n, c) for i, c in children[ring]):
            parts.append(base[start : at + 1])
            parts.extend(pieces[child])
            parts.append(pieces[child][0][:1])  # back on the child's entry vertex
            start = at
        parts.append(base[start:])
        pieces[ring] = parts
        for _, child in children[ring]:
            pieces[child] = []  # spliced in: free it
    return np.concatenate(pieces[0])
