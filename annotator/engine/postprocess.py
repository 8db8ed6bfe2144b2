"""Post-processing of low-resolution mask logits (the reference's ``fill_hole_area``)."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import Tensor

HOLE_FILL_LOGIT = 0.1


def fill_small_holes(logits: Tensor, max_area: int) -> Tensor:
    """Set holes (8-connected background components, logit ≤ 0, area ≤ max_area) to 0.1.

    logits: (N, 1, H, W) float; returns a new tensor (the input is left alone). Runs
    OpenCV's connected components on the CPU, as the reference's CUDA kernel does on GPU.
    """
    if max_area <= 0:
        return logits
    background = (logits <= 0).to("cpu", torch.uint8).numpy()
    fill = np.zeros(background.shape, dtype=bool)
    for i in range(background.shape[0]):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(background[i, 0], connectivity=8)
        if count <= 1:
            continue
        small = stats[:, cv2.CC_STAT_AREA] <= max_area
        small[0] = False  # label 0 is the foreground (not background) here
        if small.any():
            fill[i, 0] = small[labels]
    if not fill.any():
        return logits
    where = torch.from_numpy(fill).to(logits.device)
    return torch.where(where, torch.tensor(HOLE_FILL_LOGIT, dtype=logits.dtype), logits)
