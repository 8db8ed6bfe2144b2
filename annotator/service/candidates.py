"""The model's three candidate masks for a single click on a frame (SAM's multimask output),
so the user can pick another reading of an ambiguous click (part, object, whole).

The session tracks with the best candidate only; this decodes the same click again on the
frame's cached image features, as a first click on a frame sees them (no memory: the image
features plus the no-memory embedding), and returns all three. Engine thread only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from annotator.engine.feature_cache import FrameFeatures
from annotator.engine.postprocess import fill_small_holes
from annotator.engine.preprocess import logits_to_frame_size, prompt_points_for_model


@torch.inference_mode()
def candidate_masks(
    model: Any,
    features: FrameFeatures,
    point: tuple[float, float],
    label: int,
    frame_hw: tuple[int, int],
    fill_hole_area: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """(masks bool (3, H, W) at frame size, predicted IoU float32 (3,)) for one click
    (x, y frame pixels; label 1 positive, 0 negative)."""
    sizes = features.feat_sizes
    maps = [
        f.float().permute(1, 2, 0).reshape(1, -1, *hw)
        for f, hw in zip(features.vision_feats, sizes, strict=True)
    ]  # (HW, 1, C) sequence-first -> [1, C, H, W]
    if model.config.directly_add_no_mem_embed:
        top = features.vision_feats[-1].float() + model.no_mem_embed
        maps[-1] = top.permute(1, 2, 0).reshape(1, -1, *sizes[-1])
    prompt = prompt_points_for_model(
        points=np.asarray([point], np.float32),
        labels=np.asarray([label], np.int32),
        box=None,
        image_hw=frame_hw,
        size=model.image_size,
        device=maps[-1].device,
    )
    sparse, dense = model.sam_prompt_encoder(points=prompt, boxes=None, masks=None)
    out = model.sam_mask_decoder(
        image_embeddings=maps[-1],
        image_pe=model.sam_prompt_encoder.get_dense_pe(),
        sparse_prompt_embeddings=sparse,
        dense_prompt_embeddings=dense,
        multimask_output=True,
        repeat_image=False,
        high_res_features=maps[:-1],
    )
    low = out.masks[0].float()[:, None]  # [3, 1, h, w]
    if fill_hole_area > 0:
        low = fill_small_holes(low, fill_hole_area)
    masks = logits_to_frame_size(low[:, 0], *frame_hw) > 0
    return masks.cpu().numpy(), out.iou_pred[0].float().cpu().numpy()
