"""SAM prompt encoder: points/box corners -> sparse tokens, a low-res mask -> dense embedding.

Point labels: -1 padding (not a point), 0 negative click, 1 positive click, 2 box top-left,
3 box bottom-right. Keys: ``pe_layer.positional_encoding_gaussian_matrix``,
``point_embeddings.{0..3}``, ``not_a_point_embed``, ``mask_downscaling.{0,1,3,4,6}``,
``no_mask_embed``.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import Tensor, nn

from annotator.engine.sam2.common import LayerNorm2d
from annotator.engine.sam2.position_encoding import RandomFourierEncoding

NUM_POINT_LABELS = 4  # negative, positive, box top-left, box bottom-right


class PromptEncoder(nn.Module):
    """Embeds prompts for the mask decoder (embedding width `embed_dim`)."""

    def __init__(
        self,
        *,
        embed_dim: int,
        image_embedding_size: tuple[int, int],
        input_image_size: tuple[int, int],
        mask_in_chans: int = 16,
    ) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.image_embedding_size = image_embedding_size
        self.input_image_size = input_image_size
        self.pe_layer = RandomFourierEncoding(num_pos_feats=embed_dim // 2)
        self.point_embeddings = nn.ModuleList(
            nn.Embedding(1, embed_dim) for _ in range(NUM_POINT_LABELS)
        )
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        self.mask_input_size = (4 * image_embedding_size[0], 4 * image_embedding_size[1])
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_in_chans // 4, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans // 4),
            nn.GELU(),
            nn.Conv2d(mask_in_chans // 4, mask_in_chans, kernel_size=2, stride=2),
            LayerNorm2d(mask_in_chans),
            nn.GELU(),
            nn.Conv2d(mask_in_chans, embed_dim, kernel_size=1),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim)
        self._dense_pe_cache: tuple[tuple[object, ...], Tensor] | None = None

    def get_dense_pe(self) -> Tensor:
        """Prompt-space encoding of every image-embedding cell -> [1, C, h, w].

        Without autograd it is cached until the Gaussian matrix changes (tensor version)."""
        h, w = self.image_embedding_size
        if torch.is_grad_enabled():
            return self.pe_layer.dense(h, w).unsqueeze(0)
        matrix = self.pe_layer.positional_encoding_gaussian_matrix
        key = (h, w, matrix.device, matrix.dtype, matrix.data_ptr(), matrix._version)
        if self._dense_pe_cache is None or self._dense_pe_cache[0] != key:
            self._dense_pe_cache = (key, self.pe_layer.dense(h, w).unsqueeze(0))
        return self._dense_pe_cache[1]

    def label_embedding(self, label: int) -> Tensor:
        """Learned embedding [1, C] added to points of `label` (0..3)."""
        return cast(nn.Embedding, self.point_embeddings[label]).weight

    def embed_points(self, coords: Tensor, labels: Tensor, *, pad: bool) -> Tensor:
        """Points [B, N, 2] (x, y, model-input pixels) with labels [B, N] -> [B, N(+1), C].

        With `pad`, one padding point (label -1) is appended, as SAM does without a box.
        """
        coords = coords.float() + 0.5  # centre of the pixel
        if pad:
            b = coords.shape[0]
            coords = torch.cat((coords, coords.new_zeros(b, 1, 2)), dim=1)
            labels = torch.cat((labels, labels.new_full((b, 1), -1)), dim=1)
        emb = self.pe_layer.encode_pixels(coords, self.input_image_size)
        labels = labels.unsqueeze(-1)
        emb = torch.where(labels == -1, self.not_a_point_embed.weight.expand_as(emb), emb)
        for value in range(NUM_POINT_LABELS):
            emb = torch.where(labels == value, emb + self.label_embedding(value), emb)
        return emb

    def embed_boxes(self, boxes: Tensor) -> Tensor:
        """Boxes [B, 4] (x0, y0, x1, y1 model-input pixels) -> corner tokens [B, 2, C]."""
        corners = boxes.float().reshape(-1, 2, 2) + 0.5
        emb = self.pe_layer.encode_pixels(corners, self.input_image_size)
        offset = torch.cat((self.label_embedding(2), self.label_embedding(3)))
        return emb + offset

    def embed_mask(self, masks: Tensor) -> Tensor:
        """Mask logits [B, 1, 4h, 4w] -> dense embedding [B, C, h, w]."""
        return self.mask_downscaling(masks)

    def forward(
        self,
        points: tuple[Tensor, Tensor] | None,
        boxes: Tensor | None,
        masks: Tensor | None,
    ) -> tuple[Tensor, Tensor]:
        """-> (sparse [B, N, C], dense [B, C, h, w]); a missing mask uses `no_mask_embed`."""
        if points is not None:
            b = points[0].shape[0]
        elif boxes is not None:
            b = boxes.shape[0]
        elif masks is not None:
            b = masks.shape[0]
        else:
            b = 1
        device = self.no_mask_embed.weight.device
        parts = [torch.empty(b, 0, self.embed_dim, device=device)]
        if points is not None:
            parts.append(self.embed_points(points[0], points[1], pad=boxes is None))
        if boxes is not None:
            parts.append(self.embed_boxes(boxes))
        sparse = torch.cat(parts, dim=1)
        if masks is not None:
            dense = self.embed_mask(masks)
        else:
            h, w = self.image_embedding_size
            dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(b, -1, h, w)
        return sparse, dense
