"""What a video session returns: one object's mask on one frame, and every object's on a
frame; plus the frame source it reads (anything indexable giving RGB arrays)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
import torch

from annotator.engine.preprocess import logits_to_frame_size


class FrameSource(Protocol):
    """Anything indexable by frame number giving RGB uint8 (H, W, 3) arrays."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> np.ndarray: ...


@dataclass(frozen=True)
class ObjectResult:
    """One object's mask on one frame.

    low_res_logits: (h, w) float32 model logits (256² at 1024 px; NO_OBJECT_LOGIT when the
    object has no output on the frame); score: the object score logit (> 0: present), None
    when the object has no output on this frame; frame_size: (H, W). The frame-size `mask`
    is computed on first use: a click changes one object, and upsampling the others' masks
    to 720p again would cost a few ms each for nothing.
    """

    obj_id: int
    low_res_logits: np.ndarray
    score: float | None
    frame_size: tuple[int, int]

    @property
    def present(self) -> bool:
        return self.score is not None and self.score > 0

    @cached_property
    def mask(self) -> np.ndarray:
        """bool (H, W): frame-size logits > 0 (all False when the object has no output)."""
        if self.score is None:
            return np.zeros(self.frame_size, dtype=bool)
        return self.frame_logits() > 0

    def frame_logits(self) -> np.ndarray:
        """Logits at frame size (H, W), float32 (bilinear from the low-res logits)."""
        h, w = self.frame_size
        return logits_to_frame_size(torch.from_numpy(self.low_res_logits), h, w).numpy()


@dataclass(frozen=True)
class FrameResult:
    """Every reported object's mask on one frame."""

    frame: int
    objects: dict[int, ObjectResult]
