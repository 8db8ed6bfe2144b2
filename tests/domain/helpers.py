"""Shared helpers for domain and store tests: canonical dumps and small masks."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import numpy as np

from annotator.domain import FrameMask, Mask, Project


def mask_key_dump(rec: FrameMask) -> tuple[Any, ...]:
    prompt = None
    if rec.prompt is not None:
        prompt = (rec.prompt.points, rec.prompt.labels, rec.prompt.box)
    return (
        rec.video_id,
        rec.frame,
        rec.track_id,
        rec.mask.size,
        rec.mask.counts,
        rec.provenance.value,
        rec.score,
        prompt,
    )


def dump(project: Project) -> dict[str, Any]:
    """Every record of the project as plain tuples: equal dumps mean equal projects."""
    return {
        "categories": [astuple(c) for c in project.categories],
        "videos": [astuple(v) for v in project.videos],
        "tracks": [astuple(t) for t in project.tracks()],
        "masks": [mask_key_dump(r) for v in project.videos for r in project.masks(v.id)],
        "frames": {v.id: project.frames_with_masks(v.id) for v in project.videos},
        "keyframes": {t.id: project.keyframes(t.video_id, t.id) for t in project.tracks()},
    }


def rect_mask(h: int, w: int, x0: int, y0: int, x1: int, y1: int) -> Mask:
    """A mask with the rectangle [y0:y1, x0:x1] set."""
    a = np.zeros((h, w), dtype=bool)
    a[y0:y1, x0:x1] = True
    return Mask.from_array(a)


def blob_mask(
    h: int, w: int, cx: float, cy: float, rx: float, ry: float, hole: bool = True
) -> Mask:
    """An ellipse, optionally with a smaller elliptical hole: a realistic-looking RLE."""
    yy, xx = np.mgrid[0:h, 0:w]
    d = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    a = d <= 1.0
    if hole:
        a &= d > 0.15
    return Mask.from_array(a)
