"""Interactive single-image segmentation: encode an image once, then decode each click cheaply.

Behaves like Meta's ``SAM2ImagePredictor`` (same preprocessing, prompt layout and outputs),
returning numpy results at the image's own size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from annotator.engine.preprocess import (
    EngineInputError,
    InvalidPromptError,
    check_box,
    check_points,
    check_rgb_image,
    logits_to_masks,
    preprocess_image,
    prompt_points_for_model,
)
from annotator.engine.sam2.model import SAM2Model

LOW_RES_LOGIT_LIMIT = 32.0  # returned low-res logits are clamped to +-32, as in SAM2


class ImageNotSetError(EngineInputError):
    """predict() was called before set_image()."""


@dataclass(frozen=True)
class ImagePrediction:
    """K candidate masks for one prompt (K = 3 with multimask, else 1).

    masks: bool (K, H, W) at the image's size (only the best one, (1, H, W), when predicted
    with `best_only`); scores: float32 (K,) predicted IoU;
    low_res_logits: float32 (K, 256, 256), clamped to +-32, usable as a later mask_input."""

    masks: np.ndarray
    scores: np.ndarray
    low_res_logits: np.ndarray

    def best(self) -> int:
        """Index of the mask with the highest predicted IoU."""
        return int(np.argmax(self.scores))


@dataclass
class _ImageEmbedding:
    image_embed: Tensor  # [1, C, S/16, S/16], with no_mem_embed added
    high_res_feats: list[Tensor]  # [1, C/8, S/4, S/4], [1, C/4, S/8, S/8]
    height: int
    width: int


class ImagePredictor:
    """Wraps a `SAM2Model` (put in eval mode) for interactive prediction on one image."""

    def __init__(self, model: SAM2Model) -> None:
        self.model = model.eval()
        self._embedding: _ImageEmbedding | None = None

    @property
    def device(self) -> torch.device:
        return self.model.device

    @property
    def is_image_set(self) -> bool:
        return self._embedding is not None

    @property
    def image_hw(self) -> tuple[int, int]:
        """(height, width) of the current image."""
        emb = self._require_image()
        return emb.height, emb.width

    def reset(self) -> None:
        """Forget the current image's embedding."""
        self._embedding = None

    @torch.inference_mode()
    def set_image(self, image: np.ndarray) -> None:
        """Encode an RGB uint8 (H, W, 3) image; later predictions reuse this embedding."""
        check_rgb_image(image)
        self._embedding = None
        model = self.model
        x = preprocess_image(image, size=model.image_size, device=self.device)
        backbone_out = model.forward_image(x)
        _, feats, _, sizes = model.prepare_backbone_features(backbone_out)
        if model.config.directly_add_no_mem_embed:
            feats[-1] = feats[-1] + model.no_mem_embed
        maps = [f.permute(1, 2, 0).reshape(1, -1, *hw) for f, hw in zip(feats, sizes, strict=True)]
        self._embedding = _ImageEmbedding(
            image_embed=maps[-1],
            high_res_feats=maps[:-1],
            height=int(image.shape[0]),
            width=int(image.shape[1]),
        )

    def _require_image(self) -> _ImageEmbedding:
        if self._embedding is None:
            raise ImageNotSetError("call set_image(image) before predict()")
        return self._embedding

    def _mask_prompt(self, mask_input: np.ndarray | Tensor | None) -> Tensor | None:
        if mask_input is None:
            return None
        size = self.model.sam_prompt_encoder.mask_input_size
        arr = torch.as_tensor(
            np.asarray(mask_input) if not isinstance(mask_input, Tensor) else mask_input
        )
        if arr.ndim == 2:
            arr = arr.unsqueeze(0)
        if arr.ndim != 3 or arr.shape[0] != 1 or tuple(arr.shape[1:]) != tuple(size):
            raise InvalidPromptError(
                f"mask_input must be low-res logits of shape (1, {size[0]}, {size[1]}) or "
                f"({size[0]}, {size[1]}), got {tuple(arr.shape)}"
            )
        if not arr.dtype.is_floating_point and arr.dtype != torch.bool:
            raise InvalidPromptError(f"mask_input must be float logits, got {arr.dtype}")
        arr = arr.to(device=self.device, dtype=torch.float32)
        if not torch.isfinite(arr).all():
            raise InvalidPromptError("mask_input contains NaN or infinite values")
        return arr.unsqueeze(0)  # [1, 1, 4h, 4w]

    @torch.inference_mode()
    def predict(
        self,
        points: Sequence[Sequence[float]] | np.ndarray | None = None,
        labels: Sequence[int] | np.ndarray | None = None,
        box: Sequence[float] | np.ndarray | None = None,
        mask_input: np.ndarray | Tensor | None = None,
        multimask: bool = True,
        *,
        best_only: bool = False,
    ) -> ImagePrediction:
        """Masks for clicks (x, y in image pixels; labels 1 positive / 0 negative), an optional
        box (x0, y0, x1, y1) and an optional low-res mask prompt (a previous low_res_logits).
        `best_only`: upsample only the mask of highest predicted IoU (the same mask as without
        it; each upsampled mask costs ~4 ms at 3 MP), scores and logits of all K kept."""
        emb = self._require_image()
        clicks = check_points(points, labels)
        box_arr = check_box(box)
        mask = self._mask_prompt(mask_input)
        if clicks is None and box_arr is None and mask is None:
            raise InvalidPromptError("give at least one click, a box or a mask_input")
        model = self.model
        prompt = prompt_points_for_model(
            points=None if clicks is None else clicks[0],
            labels=None if clicks is None else clicks[1],
            box=box_arr,
            image_hw=(emb.height, emb.width),
            size=model.image_size,
            device=self.device,
        )
        sparse, dense = model.sam_prompt_encoder(points=prompt, boxes=None, masks=mask)
        out = model.sam_mask_decoder(
            image_embeddings=emb.image_embed,
            image_pe=model.sam_prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask,
            repeat_image=False,
            high_res_features=emb.high_res_feats,
        )
        low_res = out.masks[0].float()  # [K, 4h, 4w]
        scores = out.iou_pred[0].float()
        shown = low_res[int(torch.argmax(scores))][None] if best_only else low_res
        masks = logits_to_masks(shown, emb.height, emb.width)
        return ImagePrediction(
            masks=masks.cpu().numpy(),
            scores=scores.cpu().numpy(),
            low_res_logits=low_res.clamp(-LOW_RES_LOGIT_LIMIT, LOW_RES_LOGIT_LIMIT).cpu().numpy(),
        )
