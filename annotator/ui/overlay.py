"""Paints object masks into one RGBA image (numpy only), drawn by the canvas over the frame.

Qt-free so it is tested and timed without a window; the canvas wraps the result in a QImage.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from annotator.domain import Colour

FILL_ALPHA = 110  # of 255: the frame stays readable under the mask
OUTLINE_ALPHA = 255


def mask_outline(mask: np.ndarray, width: int = 1) -> np.ndarray:
    """The border pixels of a bool (H, W) mask: in the mask, next to a pixel outside it."""
    if not mask.any():
        return np.zeros_like(mask, dtype=bool)
    kernel = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    eroded = cv2.erode(mask.astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return mask & (eroded == 0)


def render_overlay(
    masks: Sequence[tuple[np.ndarray, Colour]],
    size: tuple[int, int],
    *,
    highlight: int | None = None,
) -> np.ndarray:
    """An RGBA uint8 (H, W, 4) image of `masks` (bool (H, W) each, with its RGB colour),
    filled translucent with an opaque outline; later masks paint over earlier ones.
    `size` is (H, W); `highlight` is the index of a mask drawn with a thicker outline
    (the active object)."""
    height, width = size
    out = np.zeros((height, width, 4), np.uint8)
    for index, (mask, colour) in enumerate(masks):
        if mask.shape != (height, width):
            raise ValueError(f"mask of shape {mask.shape} on a {width}x{height} frame")
        rows = np.flatnonzero(mask.any(axis=1))
        if rows.size == 0:
            continue
        cols = np.flatnonzero(mask[rows[0] : rows[-1] + 1].any(axis=0))
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        crop = mask[y0:y1, x0:x1]  # the work is on the mask's bounding box only
        region = out[y0:y1, x0:x1]
        fill = np.array([*colour, FILL_ALPHA], np.uint8)
        np.copyto(region, fill, where=crop[..., None])
        edge = mask_outline(crop, 2 if index == highlight else 1)
        region[..., 3][edge] = OUTLINE_ALPHA
    return out
