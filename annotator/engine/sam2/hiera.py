"""Hiera trunk of SAM2's image encoder (https://arxiv.org/abs/2306.00989).

Four stages of multi-scale blocks over a channels-last map [B, H, W, C]; the first block of
stages 2-4 max-pools its queries (and shortcut) 2x2 and widens the channels 2x. Most blocks
attend within non-overlapping windows; a few listed blocks attend globally. Checkpoint keys:
``patch_embed.proj``, ``pos_embed``, ``pos_embed_window``, ``blocks.N.{norm1,attn.qkv,
attn.proj,norm2,mlp.layers.M,proj}``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from annotator.engine.sam2.common import MLP, Linear, attend, cpu_bf16_autocast
from annotator.engine.sam2.config import HieraConfig


def split_windows(x: Tensor, size: int) -> tuple[Tensor, int, int]:
    """[B, H, W, C] -> ([B * nWin, size, size, C], padded H, padded W); zero-pads bottom/right."""
    b, h, w, c = x.shape
    pad_h, pad_w = (-h) % size, (-w) % size
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    hp, wp = h + pad_h, w + pad_w
    x = x.view(b, hp // size, size, wp // size, size, c).transpose(2, 3)
    return x.reshape(-1, size, size, c), hp, wp


def merge_windows(windows: Tensor, size: int, hp: int, wp: int, h: int, w: int) -> Tensor:
    """Inverse of `split_windows`: [B * nWin, size, size, C] -> [B, h, w, C] (padding cropped)."""
    c = windows.shape[-1]
    b = windows.shape[0] // ((hp // size) * (wp // size))
    x = windows.view(b, hp // size, wp // size, size, size, c).transpose(2, 3)
    x = x.reshape(b, hp, wp, c)
    if hp > h or wp > w:
        x = x[:, :h, :w, :]
    return x


def max_pool_channels_last(x: Tensor, stride: tuple[int, int]) -> Tensor:
    """2-D max pooling (kernel = stride) of a channels-last map [B, H, W, C] -> [B, H', W', C]."""
    return F.max_pool2d(x.permute(0, 3, 1, 2), kernel_size=stride, stride=stride).permute(
        0, 2, 3, 1
    )


class PatchEmbed(nn.Module):
    """7x7 stride-4 convolution: image [B, 3, H, W] -> tokens [B, H/4, W/4, C]."""

    def __init__(self, *, embed_dim: int, in_chans: int = 3) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=7, stride=4, padding=3)

    def forward(self, x: Tensor) -> Tensor:
        if x.device.type == "cpu" and cpu_bf16_autocast():
            # fast mode: a channels-last convolution writes [B, H, W, C] itself (no copy)
            x = x.to(torch.bfloat16, memory_format=torch.channels_last)
        return self.proj(x).permute(0, 2, 3, 1)


class PooledAttention(nn.Module):
    """Multi-head self-attention whose queries may be max-pooled (stage transitions).

    Input [B, H, W, dim] -> output [B, H', W', dim_out] with H' = H / stride when pooling.
    """

    def __init__(
        self, *, dim: int, dim_out: int, num_heads: int, q_stride: tuple[int, int] | None
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.q_stride = q_stride
        self.qkv = Linear(dim, dim_out * 3)
        self.proj = Linear(dim_out, dim_out)

    def forward(self, x: Tensor) -> Tensor:
        b, h, w, _ = x.shape
        heads = self.num_heads
        # [B, HW, 3, heads, hd] -> three [B, heads, HW, hd] views
        qkv = self.qkv(x).reshape(b, h * w, 3, heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        if self.q_stride is not None:
            # pool q spatially: [B, heads, HW, hd] -> [B, H, W, heads*hd] -> pooled -> back
            q = q.transpose(1, 2).reshape(b, h, w, -1)
            q = max_pool_channels_last(q, self.q_stride)
            h, w = q.shape[1], q.shape[2]
            q = q.reshape(b, h * w, heads, -1).transpose(1, 2)
        out = attend(q, k, v, centre_keys=True)  # [B, heads, H'W', hd]
        out = out.transpose(1, 2).reshape(b, h, w, -1)
        return self.proj(out)


class HieraBlock(nn.Module):
    """Pre-norm transformer block: (windowed, optionally q-pooled) attention, then a GELU MLP."""

    def __init__(
        self,
        *,
        dim: int,
        dim_out: int,
        num_heads: int,
        window_size: int,
        q_stride: tuple[int, int] | None,
        mlp_ratio: float,
    ) -> None:
        super().__init__()
        self.dim, self.dim_out = dim, dim_out
        self.window_size = window_size
        self.q_stride = q_stride
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = PooledAttention(
            dim=dim, dim_out=dim_out, num_heads=num_heads, q_stride=q_stride
        )
        self.norm2 = nn.LayerNorm(dim_out, eps=1e-6)
        self.mlp = MLP(
            in_dim=dim_out,
            hidden_dim=int(dim_out * mlp_ratio),
            out_dim=dim_out,
            num_layers=2,
            activation=nn.GELU,
        )
        if dim != dim_out:
            self.proj = Linear(dim, dim_out)

    def forward(self, x: Tensor) -> Tensor:
        """[B, H, W, dim] -> [B, H', W', dim_out]."""
        shortcut = x
        x = self.norm1(x)
        if self.dim != self.dim_out:
            shortcut = self.proj(x).float()  # bf16 in fast mode; the stream is float32
            if self.q_stride is not None:
                shortcut = max_pool_channels_last(shortcut, self.q_stride)
        size = self.window_size
        if size > 0:
            h, w = x.shape[1], x.shape[2]
            x, hp, wp = split_windows(x, size)
        x = self.attn(x)
        if size > 0:
            if self.q_stride is not None:
                size //= self.q_stride[0]
                h, w = shortcut.shape[1], shortcut.shape[2]
                hp, wp = h + (-h) % size, w + (-w) % size
            x = merge_windows(x, size, hp, wp, h, w)
        # The residual stream stays float32 in fast mode too (the attention's and the MLP's
        # bf16 outputs are added to it), as under autocast in the reference: a bf16 stream
        # lost tracking accuracy (tests/engine/test_fast_mode.py). In float32 both adds are
        # in place into fresh outputs (no new buffer).
        x = x.add_(shortcut) if x.dtype == shortcut.dtype else shortcut + x
        y = self.mlp(self.norm2(x))
        return y.add_(x) if y.dtype == x.dtype else x + y


class Hiera(nn.Module):
    """Hiera trunk: image [B, 3, S, S] -> one map per stage [B, C_i, S/4/2^i, S/4/2^i]."""

    def __init__(self, config: HieraConfig) -> None:
        super().__init__()
        cfg = config
        self.patch_embed = PatchEmbed(embed_dim=cfg.embed_dim)
        self.pos_embed = nn.Parameter(
            torch.zeros(1, cfg.embed_dim, *cfg.window_pos_embed_bkg_spatial_size)
        )
        first_window = cfg.window_spec[0]
        self.pos_embed_window = nn.Parameter(
            torch.zeros(1, cfg.embed_dim, first_window, first_window)
        )
        stage_ends = [sum(cfg.stages[: i + 1]) - 1 for i in range(len(cfg.stages))]
        pool_blocks = {end + 1 for end in stage_ends[:-1][: cfg.q_pool]}
        self.stage_ends = tuple(stage_ends)

        blocks = []
        dim, heads, stage = cfg.embed_dim, cfg.num_heads, 0
        for i in range(cfg.depth):
            dim_out = dim
            # a stage's first block still uses the previous stage's window size
            window = 0 if i in cfg.global_att_blocks else cfg.window_spec[stage]
            if i - 1 in stage_ends:
                dim_out = int(dim * cfg.dim_mul)
                heads = int(heads * cfg.head_mul)
                stage += 1
            blocks.append(
                HieraBlock(
                    dim=dim,
                    dim_out=dim_out,
                    num_heads=heads,
                    window_size=window,
                    q_stride=cfg.q_stride if i in pool_blocks else None,
                    mlp_ratio=cfg.mlp_ratio,
                )
            )
            dim = dim_out
        self.blocks = nn.ModuleList(blocks)
        self.channel_list = tuple(blocks[e].dim_out for e in reversed(stage_ends))
        self._pos_cache: tuple[tuple[object, ...], Tensor] | None = None

    def position_embedding(self, h: int, w: int) -> Tensor:
        """Background embedding (bicubic to h x w) + tiled window embedding -> [1, h, w, C].

        Without autograd it is cached until the embeddings change (tensor versions count
        in-place loads such as load_state_dict)."""
        bkg, win = self.pos_embed, self.pos_embed_window
        if torch.is_grad_enabled():
            return self._compute_position_embedding(h, w)
        key = (h, w, bkg.device, bkg.dtype, bkg.data_ptr(), bkg._version, win._version)
        if self._pos_cache is None or self._pos_cache[0] != key:
            self._pos_cache = (key, self._compute_position_embedding(h, w).contiguous())
        return self._pos_cache[1]

    def _compute_position_embedding(self, h: int, w: int) -> Tensor:
        win = self.pos_embed_window
        up = F.interpolate(self.pos_embed, size=(h, w), mode="bicubic")
        reps = (h // win.shape[-2], w // win.shape[-1])
        return (up + win.tile(1, 1, *reps)).permute(0, 2, 3, 1)

    def forward(self, x: Tensor) -> list[Tensor]:
        """[B, 3, S, S] -> stage outputs, highest resolution first, each [B, C, H, W]."""
        x = self.patch_embed(x)
        x = x + self.position_embedding(x.shape[1], x.shape[2])  # float32 from here
        outputs = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.stage_ends:
                outputs.append(x.permute(0, 3, 1, 2))
        return outputs
