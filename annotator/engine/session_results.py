"""What a video session returns: one object's mask on one frame, and every object's on a
frame; plus the frame source it reads (anything indexable giving RGB arrays)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
import torch

from annotator.engine.preprocess import logits_to_frame_size
from annotator.engine.session_errors import NonFiniteOutputError


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


def checked_object_result(
    frame: int, obj_id: int, logits: torch.Tensor, score: torch.Tensor, size: tuple[int, int]
) -> ObjectResult:
    """logits (1, 1, h, w), score (1, 1) tensors -> an ObjectResult for a (H, W) frame.

    Raises NonFiniteOutputError on NaN/inf: such logits would read as "no object" and a
    caller would write (or remove) masks from them."""
    low = logits.detach().float().cpu()[0, 0].clone().numpy()
    value = float(score.reshape(-1)[0])
    if not (math.isfinite(value) and np.isfinite(low).all()):
        raise NonFiniteOutputError(
            f"the model computed NaN or infinite values on frame {frame} for object "
            f"{obj_id}, so nothing was written for that frame; the checkpoint may be "
            "damaged (check it with `annotator models verify FILE`), or fast mode "
            "overflowed (try without it)"
        )
    return ObjectResult(obj_id, low, value, size)
