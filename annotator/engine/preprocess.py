"""Canonical SAM2 input/output transforms shared by the image predictor and the video session.

Image: RGB uint8 [H, W, 3] -> float32 in [0, 1] -> bilinear resize (antialiased, corners not
aligned) to S x S -> ImageNet normalisation -> [1, 3, S, S]. Prompts: pixel coordinates of
the original image -> model-input pixels. Output: low-res logits -> bilinear resize to the
frame size -> mask where logit > 0. These match the parity goldens' preprocessing exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
VALID_CLICK_LABELS = (0, 1)  # negative, positive (2/3 are box corners, -1 padding)
BOX_LABELS = (2, 3)


class EngineInputError(ValueError):
    """Bad input handed to the engine (image, prompt or mask); the message says what."""


class InvalidImageError(EngineInputError):
    """The image is not an RGB uint8 array of shape (H, W, 3)."""


class InvalidPromptError(EngineInputError):
    """Points, labels, box or mask prompt have a wrong shape, value or type."""


def check_rgb_image(image: Any) -> np.ndarray:
    """Return `image` if it is a non-empty RGB uint8 numpy array (H, W, 3); raise otherwise."""
    if not isinstance(image, np.ndarray):
        raise InvalidImageError(
            f"expected an RGB image as a numpy array, got {type(image).__name__}"
        )
    if image.ndim != 3 or image.shape[2] != 3:
        raise InvalidImageError(f"expected an RGB image of shape (H, W, 3), got {image.shape}")
    if image.dtype != np.uint8:
        raise InvalidImageError(f"expected a uint8 image, got dtype {image.dtype}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InvalidImageError(f"the image is empty: shape {image.shape}")
    return image


def preprocess_image(
    image: np.ndarray,
    *,
    size: int = 1024,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """RGB uint8 (H, W, 3) -> normalised model input [1, 3, size, size] on `device`."""
    check_rgb_image(image)
    if not image.flags.writeable:  # the io layer hands out read-only frames; torch wants to own
        image = image.copy()
    pixels = torch.from_numpy(np.ascontiguousarray(image)).to(device)
    x = pixels.permute(2, 0, 1).unsqueeze(0).to(torch.float32).div_(255.0)
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
    return ((x - mean) / std).to(dtype)


def logits_to_frame_size(logits: Tensor, height: int, width: int) -> Tensor:
    """Low-res logits [..., h, w] -> float32 logits [..., height, width] (bilinear)."""
    lead = logits.shape[:-2]
    x = logits.float().reshape(-1, 1, *logits.shape[-2:])
    x = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)
    return x.reshape(*lead, height, width)


def logits_to_masks(logits: Tensor, height: int, width: int) -> Tensor:
    """Low-res logits [..., h, w] -> boolean masks [..., height, width] (logit > 0)."""
    return logits_to_frame_size(logits, height, width) > 0


def _as_float_array(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidPromptError(f"{name} must be numbers, got {value!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise InvalidPromptError(f"{name} must be finite numbers, got {value!r}")
    return arr


def check_points(
    points: Sequence[Sequence[float]] | np.ndarray | None,
    labels: Sequence[int] | np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate clicks -> (float64 [N, 2] (x, y) pixels, int32 [N] labels in {0, 1}) or None."""
    if points is None and labels is None:
        return None
    if points is None or labels is None:
        raise InvalidPromptError("points and labels must be given together")
    pts = _as_float_array(points, "points")
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] == 0:
        raise InvalidPromptError(f"points must have shape (N, 2) with N >= 1, got {pts.shape}")
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.shape[0] != pts.shape[0]:
        raise InvalidPromptError(
            f"labels must have shape ({pts.shape[0]},) to match the points, got {lab.shape}"
        )
    if lab.dtype.kind not in "iub" and not (
        lab.dtype.kind == "f" and np.all(np.isfinite(lab)) and np.all(lab == np.round(lab))
    ):
        raise InvalidPromptError(f"labels must be integers, got {labels!r}")
    lab = lab.astype(np.int64)
    bad = sorted(set(lab.tolist()) - set(VALID_CLICK_LABELS))
    if bad:
        raise InvalidPromptError(
            f"click labels must be 1 (positive) or 0 (negative); got {bad} "
            "(boxes are given with `box`, not as labels 2/3)"
        )
    return pts, lab.astype(np.int32)


def check_box(box: Sequence[float] | np.ndarray | None) -> np.ndarray | None:
    """Validate a box (x0, y0, x1, y1) in pixels -> float64 [4] or None."""
    if box is None:
        return None
    arr = _as_float_array(box, "box").reshape(-1) if np.size(box) == 4 else None
    if arr is None:
        raise InvalidPromptError(f"box must be 4 numbers (x0, y0, x1, y1), got {box!r}")
    if arr[2] < arr[0] or arr[3] < arr[1]:
        raise InvalidPromptError(
            f"box corners must be (x0, y0, x1, y1) with x0<=x1, y0<=y1: {box!r}"
        )
    return arr


def prompt_points_for_model(
    *,
    points: np.ndarray | None,
    labels: np.ndarray | None,
    box: np.ndarray | None,
    image_hw: tuple[int, int],
    size: int = 1024,
    device: torch.device | str = "cpu",
) -> tuple[Tensor, Tensor] | None:
    """Image-pixel clicks and box -> model-input point prompt ([1, N, 2] float32, [1, N] int32).

    The box becomes two corner points (labels 2, 3) placed before the clicks, as in SAM2.
    Coordinates are scaled x * size / W, y * size / H (in float32, like the reference)."""
    coords: list[Tensor] = []
    labs: list[Tensor] = []
    if box is not None:
        coords.append(torch.as_tensor(box, dtype=torch.float32, device=device).reshape(2, 2))
        labs.append(torch.tensor(BOX_LABELS, dtype=torch.int32, device=device))
    if points is not None and labels is not None:
        coords.append(torch.as_tensor(points, dtype=torch.float32, device=device))
        labs.append(torch.as_tensor(labels, dtype=torch.int32, device=device))
    if not coords:
        return None
    xy = torch.cat(coords, dim=0)
    h, w = image_hw
    xy = torch.stack((xy[:, 0] / w, xy[:, 1] / h), dim=-1) * size
    return xy.unsqueeze(0), torch.cat(labs).unsqueeze(0)
