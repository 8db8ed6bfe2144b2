"""Joining a fragmented mask into one polygon (YOLO-seg, CVAT, labelme): ms per mask.

    python bench/bridging.py

Noise masks at 1280x720 crops of growing size give masks of a few dozen to a few thousand
rings (parts, holes and islands), as a model's mask of foliage or a crowd can be; each line
prints rings, vertices and the milliseconds `mask_to_single_polygon` takes (the tracing and
the bridging), best of three.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotator.io.formats import geometry  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(0)
    for side in (24, 48, 96, 192):
        mask = np.zeros((720, 1280), bool)
        noise = rng.random((side, side)) < 0.5
        mask[100 : 100 + side * 2, 200 : 200 + side * 2] = np.kron(noise, np.ones((2, 2), bool))
        rings = geometry.mask_to_rings(mask)
        count = sum(1 + len(holes) for _, holes in rings)
        vertices = sum(len(o) + sum(len(h) for h in holes) for o, holes in rings)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            geometry.mask_to_single_polygon(mask)
            best = min(best, time.perf_counter() - t0)
        print(f"{count:6d} rings {vertices:8d} vertices: {best * 1000:8.1f} ms per mask")


if __name__ == "__main__":
    main()
