"""SAM2 mask decoder: a two-way transformer over image tokens and output/prompt tokens, then
hypernetwork MLPs that turn mask tokens into low-res (4x the embedding) mask logits.

Output tokens, in order: object-score token (when predicting object scores), IoU token, then
four mask tokens (0: single-mask output, 1-3: multimask outputs). Keys follow Meta's
``sam_mask_decoder.*`` layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
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


def _deconv_as_matrix(deconv: nn.Module) -> tuple[Tensor, Tensor]:
    """A kernel-2 stride-2 ConvTranspose2d as (Cin, 4*Cout) weights and a (4*Cout,) bias,
    columns ordered (dy, dx, Cout): each input pixel writes its own 2x2 output block."""
    if not isinstance(deconv, nn.ConvTranspose2d) or deconv.kernel_size != (2, 2):
        raise TypeError("the mask upscaling needs 2x2 stride-2 ConvTranspose2d layers")
    cin, cout = deconv.weight.shape[:2]
    weight = deconv.weight.permute(0, 2, 3, 1).reshape(cin, 4 * cout)
    bias = deconv.bias if deconv.bias is not None else deconv.weight.new_zeros(cout)
    return weight, bias.repeat(4)


def _as_blocks(feat: Tensor, levels: int) -> Tensor:
    """View a [B, C, H, W] map in the block order the upscaling produces (no copy):
    [B, H/2^L, W/2^L, (dy, dx) x L, C], where row = sum dy_k * 2^(L-k) over the levels."""
    b, c, hh, ww = feat.shape
    x = feat.permute(0, 2, 3, 1)
    x = x.unflatten(1, (hh >> levels,) + (2,) * levels)
    x = x.unflatten(2 + levels, (ww >> levels,) + (2,) * levels)
    # dims now: b, i, dy_1..dy_L, j, dx_1..dx_L, c -> b, i, j, dy_1, dx_1, ..., dy_L, dx_L, c
    order = [0, 1, 2 + levels]
    for k in range(levels):
        order += [2 + k, 3 + levels + k]
    return x.permute(*order, x.dim() - 1)


def upscale_with_skips(
    tokens: Tensor,
    size: tuple[int, int],
    upscaling: nn.Sequential,
    feat_s1: Tensor,
    feat_s0: Tensor,
) -> Tensor:
    """The decoder's 4x upscaling with the high-res skip features, channels last.

    tokens [B, h*w, C] -> [B, 16*h*w, C/8], pixels in block order (i, j, dy1, dx1, dy2, dx2)
    for row 4i+2dy1+dy2, column 4j+2dx1+dx2. Same arithmetic as deconv, add, LayerNorm2d,
    GELU, deconv, add, GELU on [B, C, H, W] maps, without the layout copies between them
    (about 10 ms of a 60 ms click at 1024 px on a CPU).
    """
    up1, norm1, act1, up2, act2 = upscaling
    if not isinstance(norm1, LayerNorm2d):
        raise TypeError("the mask upscaling needs a LayerNorm2d between its deconvolutions")
    b, (h, w) = tokens.shape[0], size
    w1, b1 = _deconv_as_matrix(up1)
    w2, b2 = _deconv_as_matrix(up2)
    c1, c2 = w1.shape[1] // 4, w2.shape[1] // 4
    x = torch.addmm(b1, tokens.reshape(b * h * w, -1), w1).view(b, h, w, 2, 2, c1)
    x += _as_blocks(feat_s1, 1)
    x = act1(F.layer_norm(x, (c1,), norm1.weight, norm1.bias, norm1.eps))
    y = torch.addmm(b2, x.reshape(-1, c1), w2).view(b, h, w, 2, 2, 2, 2, c2)
    y += _as_blocks(feat_s0, 2)
    return act2(y).view(b, -1, c2)


def blocks_to_image(masks: Tensor, size: tuple[int, int]) -> Tensor:
    """[B, M, 16*h*w] in `upscale_with_skips`'s block order -> [B, M, 4h, 4w]."""
    b, m, _ = masks.shape
    h, w = size
    grid = masks.view(b, m, h, w, 2, 2, 2, 2)  # i, j, dy1, dx1, dy2, dx2
    return grid.permute(0, 1, 2, 4, 6, 3, 5, 7).reshape(b, m, 4 * h, 4 * w)


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

        hyper_in = torch.stack(
            [mlp(mask_tokens_out[:, i]) for i, mlp in enumerate(self.output_hypernetworks_mlps)],
            dim=1,
        )  # [B, 4, C/8]
        if self.use_high_res_features:
            if high_res_features is None:
                raise ValueError("this decoder needs the high-resolution features")
            feat_s0, feat_s1 = high_res_features
            upscaled = upscale_with_skips(
                src_tokens, (h, w), self.output_upscaling, feat_s1, feat_s0
            )
            masks = blocks_to_image(hyper_in @ upscaled.transpose(1, 2), (h, w))
        else:
            src = src_tokens.transpose(1, 2).reshape(b, c, h, w)
            upscaled = self.output_upscaling(src)
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
