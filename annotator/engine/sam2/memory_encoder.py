"""Memory encoder: turns a frame's features and its predicted mask into a memory entry.

The mask (1024², already sigmoid-scaled by the caller) is downsampled 16× by strided convs,
added to a 1×1 projection of the frame's 64² features, mixed by ConvNeXt-style blocks and
projected to the memory width (64). Checkpoint keys: ``memory_encoder.mask_downsampler.encoder.*``,
``pix_feat_proj``, ``fuser.layers.{i}.*``, ``out_proj``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from annotator.engine.sam2.common import LayerNorm2d, Linear, linear
from annotator.engine.sam2.config import MemoryEncoderConfig


class SinePositionEncoding2d(nn.Module):
    """DETR-style normalised sine/cosine position encoding of a (B, C, H, W) map.

    Returns (B, num_pos_feats, H, W): the first half encodes rows, the second columns, each
    as interleaved sin/cos at geometric frequencies. Cached per (H, W, device).
    """

    def __init__(self, *, num_pos_feats: int = 64, temperature: float = 10000.0) -> None:
        super().__init__()
        if num_pos_feats % 2:
            raise ValueError("num_pos_feats must be even")
        self.num_half = num_pos_feats // 2
        self.temperature = temperature
        self._cache: dict[tuple[int, int, str], Tensor] = {}

    def _encode_axis(self, positions: Tensor) -> Tensor:
        steps = torch.arange(self.num_half, dtype=torch.float32, device=positions.device)
        freqs = self.temperature ** (2 * torch.div(steps, 2, rounding_mode="floor") / self.num_half)
        phase = positions[..., None] / freqs
        return torch.stack((phase[..., 0::2].sin(), phase[..., 1::2].cos()), dim=-1).flatten(-2)

    @torch.no_grad()
    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2], x.shape[-1]
        key = (h, w, str(x.device))
        if key not in self._cache:
            scale, eps = 2 * math.pi, 1e-6
            rows = torch.arange(1, h + 1, dtype=torch.float32, device=x.device)
            cols = torch.arange(1, w + 1, dtype=torch.float32, device=x.device)
            rows = rows / (rows[-1] + eps) * scale
            cols = cols / (cols[-1] + eps) * scale
            pos_y = self._encode_axis(rows)[:, None, :].expand(h, w, self.num_half)
            pos_x = self._encode_axis(cols)[None, :, :].expand(h, w, self.num_half)
            self._cache[key] = torch.cat((pos_y, pos_x), dim=-1).permute(2, 0, 1).contiguous()
        return self._cache[key][None].expand(x.shape[0], -1, -1, -1)


class MaskDownSampler(nn.Module):
    """Downsample a (B, 1, H, W) mask by ``total_stride`` to (B, embed_dim, H/16, W/16).

    Each step: conv(stride) → channel LayerNorm → GELU, channels ×stride²; then a 1×1 conv.
    Module indices in ``encoder`` follow the checkpoint (conv, norm, act, ..., final conv).
    """

    def __init__(
        self,
        *,
        embed_dim: int = 256,
        kernel_size: int = 3,
        stride: int = 2,
        padding: int = 1,
        total_stride: int = 16,
    ) -> None:
        super().__init__()
        num_steps = round(math.log(total_stride, stride))
        if stride**num_steps != total_stride:
            raise ValueError("total_stride must be a power of stride")
        layers: list[nn.Module] = []
        channels = 1
        for _ in range(num_steps):
            out_channels = channels * stride**2
            layers += [
                nn.Conv2d(channels, out_channels, kernel_size, stride=stride, padding=padding),
                LayerNorm2d(out_channels),
                nn.GELU(),
            ]
            channels = out_channels
        layers.append(nn.Conv2d(channels, embed_dim, kernel_size=1))
        self.encoder = nn.Sequential(*layers)

    def forward(self, mask: Tensor) -> Tensor:
        return self.encoder(mask)


class ConvNeXtBlock(nn.Module):
    """Residual block: 7×7 depthwise conv → channel LayerNorm → MLP (×4) → layer scale."""

    def __init__(self, *, dim: int = 256, kernel_size: int = 7, padding: int = 3) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size, padding=padding, groups=dim)
        self.norm = LayerNorm2d(dim)
        self.pwconv1 = Linear(dim, 4 * dim)
        self.pwconv2 = Linear(4 * dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), 1e-6))

    def forward(self, x: Tensor) -> Tensor:
        y = self.norm(self.dwconv(x)).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(linear(self.pwconv1, y, "gelu"))
        return x + y.permute(0, 3, 1, 2)


class Fuser(nn.Module):
    """A stack of ConvNeXt blocks (keys ``fuser.layers.{i}.*``)."""

    def __init__(self, *, dim: int = 256, num_layers: int = 2, kernel_size: int = 7) -> None:
        super().__init__()
        pad = (kernel_size - 1) // 2
        self.layers = nn.ModuleList(
            ConvNeXtBlock(dim=dim, kernel_size=kernel_size, padding=pad) for _ in range(num_layers)
        )

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


class MemoryEncoding(NamedTuple):
    """A frame's memory: features (B, out_dim, h, w) and their position encoding (same shape)."""

    vision_features: Tensor
    vision_pos_enc: Tensor


class MemoryEncoder(nn.Module):
    """SAM2's memory encoder (``memory_encoder.*`` in checkpoints)."""

    def __init__(
        self,
        *,
        in_dim: int = 256,
        out_dim: int = 64,
        mask_kernel_size: int = 3,
        mask_stride: int = 2,
        mask_padding: int = 1,
        mask_total_stride: int = 16,
        fuser_num_layers: int = 2,
        fuser_kernel_size: int = 7,
    ) -> None:
        super().__init__()
        self.mask_downsampler = MaskDownSampler(
            embed_dim=in_dim,
            kernel_size=mask_kernel_size,
            stride=mask_stride,
            padding=mask_padding,
            total_stride=mask_total_stride,
        )
        self.pix_feat_proj = nn.Conv2d(in_dim, in_dim, kernel_size=1)
        self.fuser = Fuser(dim=in_dim, num_layers=fuser_num_layers, kernel_size=fuser_kernel_size)
        self.out_proj: nn.Module = (
            nn.Conv2d(in_dim, out_dim, kernel_size=1) if out_dim != in_dim else nn.Identity()
        )
        self.position_encoding = SinePositionEncoding2d(num_pos_feats=out_dim)

    @classmethod
    def from_config(cls, cfg: MemoryEncoderConfig) -> MemoryEncoder:
        """Build from the model config."""
        return cls(
            in_dim=cfg.in_dim,
            out_dim=cfg.out_dim,
            mask_kernel_size=cfg.downsampler_kernel_size,
            mask_stride=cfg.downsampler_stride,
            mask_padding=cfg.downsampler_padding,
            mask_total_stride=cfg.downsampler_total_stride,
            fuser_num_layers=cfg.fuser_num_layers,
            fuser_kernel_size=cfg.fuser_kernel_size,
        )

    def forward(
        self, pix_feat: Tensor, masks: Tensor, skip_mask_sigmoid: bool = False
    ) -> MemoryEncoding:
        """pix_feat (B, 256, 64, 64), masks (B, 1, 1024, 1024) → features + pos (B, 64, 64, 64).

        ``skip_mask_sigmoid``: the masks are already probabilities (SAM2Model scales them).
        """
        if not skip_mask_sigmoid:
            masks = torch.sigmoid(masks)
        mask_feat = self.mask_downsampler(masks)
        x = self.pix_feat_proj(pix_feat.to(mask_feat.device)) + mask_feat
        x = self.out_proj(self.fuser(x))
        pos = self.position_encoding(x).to(x.dtype)
        return MemoryEncoding(x, pos)
