"""Position encodings: 2-D sine maps for the FPN levels, random Fourier features for prompts,
1-D sine codes for temporal offsets of object pointers."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def sine_frequencies(num_feats: int, temperature: float, device: torch.device) -> Tensor:
    """Divisors temperature^(2*floor(i/2)/num_feats) for i < num_feats, float32 [num_feats]."""
    idx = torch.arange(num_feats, dtype=torch.float32, device=device)
    return temperature ** (2 * torch.div(idx, 2, rounding_mode="floor") / num_feats)


class SineGridEncoding(nn.Module):
    """DETR-style 2-D sine encoding of a feature map's grid: [B, C, H, W] -> [B, C, H, W].

    The first C/2 channels encode y, the last C/2 encode x, interleaving sin (even) and cos
    (odd). Coordinates run 1..H (1..W), normalised by the last one and scaled by 2*pi. The
    result depends only on the shape, so it is cached per (H, W, device).
    """

    def __init__(self, *, num_pos_feats: int, temperature: float = 10000.0) -> None:
        super().__init__()
        if num_pos_feats % 2:
            raise ValueError("num_pos_feats must be even")
        self.half_feats = num_pos_feats // 2
        self.temperature = temperature
        self.scale = 2 * math.pi
        self._cache: dict[tuple[int, int, str], Tensor] = {}

    def _grid(self, h: int, w: int, device: torch.device) -> Tensor:
        key = (h, w, str(device))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        eps = 1e-6
        ys = torch.arange(1, h + 1, dtype=torch.float32, device=device)
        xs = torch.arange(1, w + 1, dtype=torch.float32, device=device)
        ys = ys / (ys[-1] + eps) * self.scale
        xs = xs / (xs[-1] + eps) * self.scale
        freqs = sine_frequencies(self.half_feats, self.temperature, device)
        code_y = _interleave_sin_cos(ys[:, None] / freqs)  # [H, half]
        code_x = _interleave_sin_cos(xs[:, None] / freqs)  # [W, half]
        grid = torch.cat(
            (
                code_y[:, None, :].expand(h, w, self.half_feats),
                code_x[None, :, :].expand(h, w, self.half_feats),
            ),
            dim=-1,
        ).permute(2, 0, 1)  # [C, H, W]
        grid = grid.contiguous()
        self._cache[key] = grid
        return grid

    @torch.no_grad()
    def forward(self, x: Tensor) -> Tensor:
        """Encoding for the grid of `x` [B, *, H, W] -> [B, C, H, W] (float32)."""
        grid = self._grid(x.shape[-2], x.shape[-1], x.device)
        return grid.unsqueeze(0).expand(x.shape[0], -1, -1, -1)


def _interleave_sin_cos(angles: Tensor) -> Tensor:
    """[N, D] angles -> [N, D]: sin of the even columns and cos of the odd ones, interleaved."""
    return torch.stack((angles[:, 0::2].sin(), angles[:, 1::2].cos()), dim=2).flatten(1)


class RandomFourierEncoding(nn.Module):
    """SAM's prompt position encoding: sin/cos of coordinates projected by a fixed Gaussian
    matrix (buffer `positional_encoding_gaussian_matrix`, [2, num_pos_feats])."""

    positional_encoding_gaussian_matrix: Tensor

    def __init__(self, *, num_pos_feats: int) -> None:
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix", torch.randn(2, num_pos_feats))

    def encode_unit(self, coords: Tensor) -> Tensor:
        """Coordinates in [0, 1], [..., 2] as (x, y) -> [..., 2 * num_pos_feats]."""
        proj = (2 * coords - 1) @ self.positional_encoding_gaussian_matrix
        proj = 2 * math.pi * proj
        return torch.cat((proj.sin(), proj.cos()), dim=-1)

    def dense(self, h: int, w: int) -> Tensor:
        """Encoding of the centre of every cell of an h x w grid -> [C, h, w]."""
        device = self.positional_encoding_gaussian_matrix.device
        ys = (torch.arange(h, dtype=torch.float32, device=device) + 0.5) / h
        xs = (torch.arange(w, dtype=torch.float32, device=device) + 0.5) / w
        coords = torch.stack(
            (xs[None, :].expand(h, w), ys[:, None].expand(h, w)), dim=-1
        )  # [h, w, 2]
        return self.encode_unit(coords).permute(2, 0, 1)

    def encode_pixels(self, coords: Tensor, image_hw: tuple[int, int]) -> Tensor:
        """Pixel coordinates [B, N, 2] (x, y) in an image of `image_hw` -> [B, N, C]."""
        h, w = image_hw
        size = torch.tensor([w, h], dtype=torch.float32, device=coords.device)
        return self.encode_unit(coords.float() / size)


def temporal_sine_encoding(positions: Tensor, dim: int, temperature: float = 10000.0) -> Tensor:
    """1-D sine code of (normalised) positions [N] -> [N, dim]: sin half then cos half."""
    half = dim // 2
    freqs = sine_frequencies(half, temperature, positions.device)
    angles = positions.float().unsqueeze(-1) / freqs
    return torch.cat((angles.sin(), angles.cos()), dim=-1)
