"""SAM2 image encoder: Hiera trunk plus FPN neck (keys ``image_encoder.{trunk,neck}.*``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from annotator.engine.sam2.config import HieraConfig, NeckConfig
from annotator.engine.sam2.hiera import Hiera
from annotator.engine.sam2.position_encoding import SineGridEncoding


@dataclass
class ImageFeatures:
    """Neck outputs, highest resolution first (after the scalp).

    ``backbone_fpn[i]`` and ``vision_pos_enc[i]`` are [B, d_model, H_i, W_i]; for a 1024 px
    image with scalp 1: 256x256, 128x128, 64x64. ``vision_features`` is the last level.
    """

    vision_features: Tensor
    vision_pos_enc: list[Tensor]
    backbone_fpn: list[Tensor]


class FpnNeck(nn.Module):
    """Feature pyramid: 1x1 lateral convs to d_model, nearest-neighbour top-down fusion on the
    levels listed in ``fpn_top_down_levels`` (the others keep their lateral features only)."""

    def __init__(self, config: NeckConfig) -> None:
        super().__init__()
        self.d_model = config.d_model
        self.backbone_channel_list = tuple(config.backbone_channel_list)
        self.top_down_levels = frozenset(config.fpn_top_down_levels)
        self.interp_mode = config.fpn_interp_mode
        self.position_encoding = SineGridEncoding(num_pos_feats=config.d_model)
        self.convs = nn.ModuleList()
        for channels in config.backbone_channel_list:
            lateral = nn.Sequential()
            lateral.add_module("conv", nn.Conv2d(channels, config.d_model, kernel_size=1))
            self.convs.append(lateral)

    def lateral_only(self, level: int) -> bool:
        """True if `level`'s output is its lateral conv alone and feeds no finer level."""
        return level not in self.top_down_levels and (level - 1) not in self.top_down_levels

    def forward(
        self,
        trunk_outputs: list[Tensor],
        *,
        output_proj: Mapping[int, nn.Conv2d] | None = None,
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Trunk maps (highest resolution first) -> (features, position encodings), same order.

        `output_proj` maps lateral-only levels to a 1x1 conv applied to their output; it is
        folded into the lateral conv (one small matmul instead of a d_model-wide map)."""
        n = len(self.convs)
        if len(trunk_outputs) != n:
            raise ValueError(f"neck expects {n} trunk levels, got {len(trunk_outputs)}")
        feats: list[Tensor] = [trunk_outputs[0]] * n
        pos: list[Tensor] = [trunk_outputs[0]] * n
        coarser: Tensor | None = None
        for level in range(n - 1, -1, -1):  # coarse to fine; conv i serves level n-1-i
            conv = cast(nn.Conv2d, self.convs[n - 1 - level].conv)
            proj = None if output_proj is None else output_proj.get(level)
            if proj is not None:
                if not self.lateral_only(level):
                    raise ValueError(f"level {level} has top-down features; cannot fold a conv")
                feats[level] = _folded_1x1(trunk_outputs[level], conv, proj)
                pos[level] = self.position_encoding(feats[level]).to(feats[level].dtype)
                coarser = None
                continue
            lateral = conv(trunk_outputs[level])
            if coarser is not None and level in self.top_down_levels:
                align = None if self.interp_mode == "nearest" else False
                top_down = F.interpolate(
                    coarser.float(), scale_factor=2.0, mode=self.interp_mode, align_corners=align
                )
                coarser = lateral + top_down
            else:
                coarser = lateral
            feats[level] = coarser
            pos[level] = self.position_encoding(coarser).to(coarser.dtype)
        return feats, pos


def _folded_1x1(x: Tensor, first: nn.Conv2d, second: nn.Conv2d) -> Tensor:
    """second(first(x)) for two 1x1 convs, as one channel matmul: [B, Cin, H, W] -> [B, Cout, H, W].

    Runs on the channels-last layout the trunk produces (no copy of x)."""
    w1, w2 = first.weight[:, :, 0, 0], second.weight[:, :, 0, 0]  # [Cmid, Cin], [Cout, Cmid]
    weight = w2 @ w1
    bias = second.bias if second.bias is not None else torch.zeros_like(w2[:, 0])
    if first.bias is not None:
        bias = bias + w2 @ first.bias
    out = F.linear(x.permute(0, 2, 3, 1), weight, bias)  # [B, H, W, Cout]
    return out.permute(0, 3, 1, 2)


class ImageEncoder(nn.Module):
    """Hiera trunk then FPN neck; drops the ``scalp`` lowest-resolution levels."""

    def __init__(self, *, trunk: HieraConfig, neck: NeckConfig) -> None:
        super().__init__()
        self.trunk = Hiera(trunk)
        self.neck = FpnNeck(neck)
        self.scalp = neck.scalp
        if self.trunk.channel_list != self.neck.backbone_channel_list:
            raise ValueError(
                f"trunk channels {self.trunk.channel_list} do not match the neck's "
                f"{self.neck.backbone_channel_list}"
            )

    def forward(
        self, image: Tensor, *, output_proj: Mapping[int, nn.Conv2d] | None = None
    ) -> ImageFeatures:
        """Normalised image [B, 3, S, S] -> multi-level features (see `ImageFeatures`).

        `output_proj`: 1x1 convs folded into lateral-only neck levels (see FpnNeck)."""
        feats, pos = self.neck(self.trunk(image), output_proj=output_proj)
        if self.scalp > 0:
            feats, pos = feats[: -self.scalp], pos[: -self.scalp]
        return ImageFeatures(vision_features=feats[-1], vision_pos_enc=pos, backbone_fpn=feats)
