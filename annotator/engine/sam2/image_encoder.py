"""SAM2 image encoder: Hiera trunk plus FPN neck (keys ``image_encoder.{trunk,neck}.*``)."""

from __future__ import annotations

from dataclasses import dataclass

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

    def forward(self, trunk_outputs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """Trunk maps (highest resolution first) -> (features, position encodings), same order."""
        n = len(self.convs)
        if len(trunk_outputs) != n:
            raise ValueError(f"neck expects {n} trunk levels, got {len(trunk_outputs)}")
        feats: list[Tensor] = [trunk_outputs[0]] * n
        pos: list[Tensor] = [trunk_outputs[0]] * n
        coarser: Tensor | None = None
        for level in range(n - 1, -1, -1):  # coarse to fine; conv i serves level n-1-i
            lateral = self.convs[n - 1 - level](trunk_outputs[level])
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

    def forward(self, image: Tensor) -> ImageFeatures:
        """Normalised image [B, 3, S, S] -> multi-level features (see `ImageFeatures`)."""
        feats, pos = self.neck(self.trunk(image))
        if self.scalp > 0:
            feats, pos = feats[: -self.scalp], pos[: -self.scalp]
        return ImageFeatures(vision_features=feats[-1], vision_pos_enc=pos, backbone_fpn=feats)
