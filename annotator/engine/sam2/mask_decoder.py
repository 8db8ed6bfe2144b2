"""SAM2 mask decoder: a two-way transformer over image tokens and output/prompt tokens, then
hypernetwork MLPs that turn mask tokens into low-res (4x the embedding) mask logits.

Output tokens, in order: object-score token (when predicting object scores), IoU token, then
four mask tokens (0: single-mask output, 1-3: multimask outputs). Keys follow Meta's
``sam_mask_decoder.*`` layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from annotator.engine.sam2.common import MLP, LayerNorm2d
from annotator.engine.sam2.transformer import TwoWayTransformer


@dataclass
class DecoderOutput:
    """Masks [B, M, 4h, 4w] logits, IoU predictions [B, M], SAM tokens for the object
    pointer [B, M or 1, C], object-score logits [B, 1]."""

    masks: Tensor
    iou_pred: Tensor
    sam_tokens: Tensor
    object_score_logits: Tensor


def upsample_2x2(x: Tensor, deconv: nn.Module) -> Tensor:
    """A kernel-2 stride-2 ConvTranspose2d as one matmul: [B, Cin, h, w] -> [B, Cout, 2h, 2w].

    Each input pixel writes its own 2x2 output block, so the transposed convolution is a
    per-pixel linear map to Cout*4 values (about twice as fast as the convolution on a CPU)."""
    if not isinstance(deconv, nn.ConvTranspose2d) or deconv.kernel_size != (2, 2):
        raise TypeError("upsample_2x2 needs a 2x2 ConvTranspose2d")
    b, c, h, w = x.shape
    out_c = deconv.weight.shape[1]
    y = x.permute(0, 2, 3, 1).reshape(b * h * w, c) @ deconv.weight.reshape(c, out_c * 4)
    y = y.view(b, h, w, out_c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, out_c, 2 * h, 2 * w)
    if deconv.bias is not None:
        y = y.add_(deconv.bias.view(1, out_c, 1, 1))
    return y


class MaskDecoder(nn.Module):
    """Predicts masks, their IoU and an object-presence score from image + prompt embeddings."""

    def __init__(
        self,
        *,
        transformer_dim: int = 256,
        num_multimask_outputs: int = 3,
        iou_head_depth: int = 3,
        iou_head_hidden_dim: int = 256,
        use_high_res_features: bool = True,
        iou_prediction_use_sigmoid: bool = True,
        dynamic_multimask_via_stability: bool = True,
        dynamic_multimask_stability_delta: float = 0.05,
        dynamic_multimask_stability_thresh: float = 0.98,
        pred_obj_scores: bool = True,
        pred_obj_scores_mlp: bool = True,
        use_multimask_token_for_obj_ptr: bool = True,
    ) -> None:
        super().__init__()
        dim = transformer_dim
        self.transformer = TwoWayTransformer(depth=2, embedding_dim=dim, num_heads=8, mlp_dim=2048)
        self.num_mask_tokens = num_multimask_outputs + 1
        self.iou_token = nn.Embedding(1, dim)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, dim)
        self.pred_obj_scores = pred_obj_scores
        if pred_obj_scores:
            self.obj_score_token = nn.Embedding(1, dim)
        self.use_multimask_token_for_obj_ptr = use_multimask_token_for_obj_ptr
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(dim, dim // 4, kernel_size=2, stride=2),
            LayerNorm2d(dim // 4),
            nn.GELU(),
            nn.ConvTranspose2d(dim // 4, dim // 8, kernel_size=2, stride=2),
            nn.GELU(),
        )
        self.use_high_res_features = use_high_res_features
        if use_high_res_features:
            self.conv_s0 = nn.Conv2d(dim, dim // 8, kernel_size=1)
            self.conv_s1 = nn.Conv2d(dim, dim // 4, kernel_size=1)
        self.output_hypernetworks_mlps = nn.ModuleList(
            MLP(in_dim=dim, hidden_dim=dim, out_dim=dim // 8, num_layers=3)
            for _ in range(self.num_mask_tokens)
        )
        self.iou_prediction_head = MLP(
            in_dim=dim,
            hidden_dim=iou_head_hidden_dim,
            out_dim=self.num_mask_tokens,
            num_layers=iou_head_depth,
            sigmoid_output=iou_prediction_use_sigmoid,
        )
        if pred_obj_scores:
            self.pred_obj_score_head: nn.Module = (
                MLP(in_dim=dim, hidden_dim=dim, out_dim=1, num_layers=3)
                if pred_obj_scores_mlp
                else nn.Linear(dim, 1)
            )
        self.dynamic_multimask_via_stability = dynamic_multimask_via_stability
        self.stability_delta = dynamic_multimask_stability_delta
        self.stability_thresh = dynamic_multimask_stability_thresh

    def forward(
        self,
        *,
        image_embeddings: Tensor,
        image_pe: Tensor,
        sparse_prompt_embeddings: Tensor,
        dense_prompt_embeddings: Tensor,
        multimask_output: bool,
        repeat_image: bool,
        high_res_features: list[Tensor] | None = None,
    ) -> DecoderOutput:
        """image [B or 1, C, h, w], image_pe [1, C, h, w], sparse [B, N, C], dense [B, C, h, w];
        high_res_features: [B, C/8, 4h, 4w] and [B, C/4, 2h, 2w] (already projected).

        multimask: the three multimask outputs; otherwise one mask (token 0, or the best
        multimask output when token 0's mask is unstable and dynamic fallback is on).
        """
        masks, iou_pred, mask_tokens_out, obj_logits = self.predict_all(
            image_embeddings=image_embeddings,
            image_pe=image_pe,
            sparse_prompt_embeddings=sparse_prompt_embeddings,
            dense_prompt_embeddings=dense_prompt_embeddings,
            repeat_image=repeat_image,
            high_res_features=high_res_features,
        )
        if multimask_output:
            masks, iou_pred = masks[:, 1:], iou_pred[:, 1:]
        elif self.dynamic_multimask_via_stability and not self.training:
            masks, iou_pred = self._stable_single_mask(masks, iou_pred)
        else:
            masks, iou_pred = masks[:, 0:1], iou_pred[:, 0:1]
        if multimask_output and self.use_multimask_token_for_obj_ptr:
            sam_tokens = mask_tokens_out[:, 1:]
        else:
            sam_tokens = mask_tokens_out[:, 0:1]
        return DecoderOutput(masks, iou_pred, sam_tokens, obj_logits)

    def predict_all(
        self,
        *,
        image_embeddings: Tensor,
        image_pe: Tensor,
        sparse_prompt_embeddings: Tensor,
        dense_prompt_embeddings: Tensor,
        repeat_image: bool,
        high_res_features: list[Tensor] | None,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """All four masks [B, 4, 4h, 4w], IoU [B, 4], mask tokens [B, 4, C], obj logits [B, 1]."""
        token_tables = [self.iou_token.weight, self.mask_tokens.weight]
        if self.pred_obj_scores:
            token_tables.insert(0, self.obj_score_token.weight)
        first = 1 if self.pred_obj_scores else 0
        b = sparse_prompt_embeddings.shape[0]
        output_tokens = torch.cat(token_tables, dim=0).unsqueeze(0).expand(b, -1, -1)
        tokens = torch.cat((output_tokens, sparse_prompt_embeddings), dim=1)

        if repeat_image:
            src = torch.repeat_interleave(image_embeddings, b, dim=0)
        else:
            if image_embeddings.shape[0] != b:
                raise ValueError("image and prompt batch sizes differ")
            src = image_embeddings
        src = src + dense_prompt_embeddings
        pos_src = image_pe.expand(b, -1, -1, -1)
        _, c, h, w = src.shape

        hs, src_tokens = self.transformer(src, pos_src, tokens)
        iou_token_out = hs[:, first]
        mask_tokens_out = hs[:, first + 1 : first + 1 + self.num_mask_tokens]

        src = src_tokens.transpose(1, 2).reshape(b, c, h, w)
        if self.use_high_res_features:
            if high_res_features is None:
                raise ValueError("this decoder needs the high-resolution features")
            up1, norm1, act1, up2, act2 = self.output_upscaling
            feat_s0, feat_s1 = high_res_features
            upscaled = act1(norm1(upsample_2x2(src, up1).add_(feat_s1)))
            upscaled = act2(upsample_2x2(upscaled, up2).add_(feat_s0))
        else:
            upscaled = self.output_upscaling(src)

        hyper_in = torch.stack(
            [mlp(mask_tokens_out[:, i]) for i, mlp in enumerate(self.output_hypernetworks_mlps)],
            dim=1,
        )  # [B, 4, C/8]
        _, c8, uh, uw = upscaled.shape
        masks = (hyper_in @ upscaled.reshape(b, c8, uh * uw)).reshape(b, -1, uh, uw)

        iou_pred = self.iou_prediction_head(iou_token_out)
        if self.pred_obj_scores:
            obj_logits = self.pred_obj_score_head(hs[:, 0])
        else:
            obj_logits = iou_pred.new_full((b, 1), 10.0)
        return masks, iou_pred, mask_tokens_out, obj_logits

    def stability_scores(self, mask_logits: Tensor) -> Tensor:
        """IoU between the masks thresholded at +delta and at -delta: [B, M, H, W] -> [B, M]."""
        flat = mask_logits.flatten(-2)
        inter = (flat > self.stability_delta).sum(-1).float()
        union = (flat > -self.stability_delta).sum(-1).float()
        return torch.where(union > 0, inter / union, torch.ones_like(inter))

    def _stable_single_mask(self, masks: Tensor, iou_pred: Tensor) -> tuple[Tensor, Tensor]:
        """Token 0's mask if it is stable, else the multimask output with the best IoU."""
        multi_masks, multi_iou = masks[:, 1:], iou_pred[:, 1:]
        best = multi_iou.argmax(dim=-1)
        rows = torch.arange(masks.shape[0], device=masks.device)
        best_masks = multi_masks[rows, best].unsqueeze(1)
        best_iou = multi_iou[rows, best].unsqueeze(1)
        single_masks, single_iou = masks[:, 0:1], iou_pred[:, 0:1]
        stable = self.stability_scores(single_masks) >= self.stability_thresh  # [B, 1]
        out_masks = torch.where(stable[..., None, None], single_masks, best_masks)
        out_iou = torch.where(stable, single_iou, best_iou)
        return out_masks, out_iou
