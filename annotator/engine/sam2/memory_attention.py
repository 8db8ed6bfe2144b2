"""Memory attention: conditions the current frame's features on the memory bank.

A stack of layers, each doing RoPE self-attention over the current frame's tokens, RoPE
cross-attention from those tokens to the memory (spatial memories of earlier frames followed
by object-pointer tokens, which get no rotary encoding), and an MLP, all pre-norm.
Checkpoint keys: ``memory_attention.layers.{i}.{self_attn,cross_attn_image}.{q,k,v,out}_proj``,
``linear1/linear2``, ``norm1..3`` and ``memory_attention.norm``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from annotator.engine.sam2.common import (
    Linear,
    attend,
    chunked_attention,
    linear,
    uses_fused_kernel,
)
from annotator.engine.sam2.config import MemoryAttentionConfig


def axial_rope_angles(dim: int, width: int, height: int, theta: float = 10000.0) -> Tensor:
    """Rotation angles (width*height, dim//2) of 2-D axial RoPE for a row-major token grid.

    The first dim//4 pairs of channels rotate with the token's column, the next dim//4 with
    its row, at frequencies theta ** (-4k/dim).
    """
    quarter = dim // 4
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 4)[:quarter].float() / dim))
    index = torch.arange(width * height, dtype=torch.float32)
    cols = index % width
    rows = torch.div(index, width, rounding_mode="floor")
    return torch.cat([torch.outer(cols, freqs), torch.outer(rows, freqs)], dim=-1)


def rotate_pairs(x: Tensor, rotations: Tensor) -> Tensor:
    """Rotate consecutive channel pairs of x (..., N, D), read as complex numbers, by unit
    complex numbers `rotations` (M, D/2), repeated over N (a multiple of M: memory frames).

    Computed in float32 and returned in x's dtype (as the reference does under autocast); one
    complex multiply, several times faster than rotating with separate cos and sin products.
    """
    m, half = rotations.shape
    xf = x.float().reshape(*x.shape[:-2], x.shape[-2] // m, m, half, 2).contiguous()
    out = torch.view_as_real(torch.view_as_complex(xf) * rotations)
    return out.reshape(x.shape).to(x.dtype)


class RoPEAttention(nn.Module):
    """Multi-head attention whose queries and keys get 2-D axial rotary position encoding.

    q: (B, Nq, C) with Nq a square grid of tokens; k, v: (B, Nk, kv_in_dim). With
    ``repeat_rope_for_keys`` the keys may hold several grids of Nq tokens (one a memory frame),
    each rotated like the query grid; the last ``num_k_exclude_rope`` keys are not rotated.
    """

    def __init__(
        self,
        *,
        embedding_dim: int = 256,
        num_heads: int = 1,
        downsample_rate: int = 1,
        kv_in_dim: int | None = None,
        rope_theta: float = 10000.0,
        rope_k_repeat: bool = False,
        feat_sizes: tuple[int, int] = (64, 64),
    ) -> None:
        super().__init__()
        self.embedding_dim = embedding_dim
        self.kv_in_dim = kv_in_dim if kv_in_dim is not None else embedding_dim
        self.internal_dim = embedding_dim // downsample_rate
        if self.internal_dim % num_heads != 0:
            raise ValueError("num_heads must divide embedding_dim // downsample_rate")
        self.num_heads = num_heads
        self.head_dim = self.internal_dim // num_heads
        self.rope_theta = rope_theta
        self.rope_k_repeat = rope_k_repeat
        # the kernel choice's name for this attention (keys repeat only across memory frames)
        self.site = "memory_cross" if rope_k_repeat else "memory_self"
        self.q_proj = Linear(embedding_dim, self.internal_dim)
        self.k_proj = Linear(self.kv_in_dim, self.internal_dim)
        self.v_proj = Linear(self.kv_in_dim, self.internal_dim)
        self.out_proj = Linear(self.internal_dim, embedding_dim)
        self._rope_cache: dict[tuple[int, int, str], Tensor] = {}
        self._rope_for(feat_sizes[0], feat_sizes[1], torch.device("cpu"))

    def _rope_for(self, width: int, height: int, device: torch.device) -> Tensor:
        """Unit complex rotations (width*height, head_dim/2) of the token grid, cached."""
        key = (width, height, str(device))
        if key not in self._rope_cache:
            angles = axial_rope_angles(self.head_dim, width, height, self.rope_theta)
            self._rope_cache[key] = torch.polar(torch.ones_like(angles), angles).to(device)
        return self._rope_cache[key]

    def _split_heads(self, x: Tensor) -> Tensor:
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def forward(self, q: Tensor, k: Tensor, v: Tensor, num_k_exclude_rope: int = 0) -> Tensor:
        """q (B, Nq, C), k/v (B, Nk, kv_in_dim) → (B, Nq, C)."""
        q = self._split_heads(self.q_proj(q))
        k = self._split_heads(self.k_proj(k))

        n_q = q.shape[-2]
        side = int(math.isqrt(n_q))
        if side * side != n_q:
            raise ValueError(f"RoPE attention needs a square grid of query tokens, got {n_q}")
        rotations = self._rope_for(side, side, q.device)
        q = rotate_pairs(q, rotations)

        n_rope = k.shape[-2] - num_k_exclude_rope
        if n_rope > 0:
            if n_rope != n_q and not self.rope_k_repeat:
                raise ValueError("keys and queries differ in length but rope_k_repeat is off")
            if n_rope % n_q:
                raise ValueError(f"{n_rope} rotated keys are not whole grids of {n_q} tokens")
            k_rot = rotate_pairs(k[:, :, :n_rope], rotations)
            k = torch.cat([k_rot, k[:, :, n_rope:]], dim=2) if num_k_exclude_rope > 0 else k_rot

        if uses_fused_kernel(q, self.site) or self.kv_in_dim >= self.head_dim:
            out = attend(q, k, self._split_heads(self.v_proj(v)), site=self.site)
        else:
            out = self._attend_raw_values(q, k, v)
        b, h, n, d = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, n, h * d))

    def _attend_raw_values(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        """Attention with the value projection applied after mixing, for kv_in_dim < head_dim
        (memory: 64 < 256). Softmax rows sum to one, so A (v Wᵀ + b) = (A v) Wᵀ + b, and the
        second matmul over every memory token runs on 64 channels instead of 256.
        q, k (B, heads, N, d), v (B, Nk, kv_in_dim) → (B, heads, N, d)."""
        raw = v.to(q.dtype).unsqueeze(1).expand(-1, self.num_heads, -1, -1)
        mixed = chunked_attention(q, k, raw)  # (B, heads, N, kv_in_dim)
        weight = self.v_proj.weight.view(self.num_heads, self.head_dim, self.kv_in_dim)
        out = torch.matmul(mixed, weight.transpose(1, 2).to(q.dtype))
        return out + self.v_proj.bias.view(self.num_heads, 1, self.head_dim).to(q.dtype)


class MemoryAttentionLayer(nn.Module):
    """One pre-norm layer: RoPE self-attention, RoPE cross-attention to memory, ReLU MLP.

    Position encodings: none in self-attention queries/keys, none on cross-attention
    queries, the memory's position encoding added to cross-attention keys (SAM2's settings).
    """

    def __init__(
        self,
        *,
        d_model: int = 256,
        dim_feedforward: int = 2048,
        kv_in_dim: int = 64,
        num_heads: int = 1,
        rope_theta: float = 10000.0,
        feat_sizes: tuple[int, int] = (64, 64),
    ) -> None:
        super().__init__()
        self.self_attn = RoPEAttention(
            embedding_dim=d_model, num_heads=num_heads, rope_theta=rope_theta, feat_sizes=feat_sizes
        )
        self.cross_attn_image = RoPEAttention(
            embedding_dim=d_model,
            num_heads=num_heads,
            kv_in_dim=kv_in_dim,
            rope_theta=rope_theta,
            rope_k_repeat=True,
            feat_sizes=feat_sizes,
        )
        self.linear1 = Linear(d_model, dim_feedforward)
        self.linear2 = Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(
        self, tgt: Tensor, memory: Tensor, memory_pos: Tensor, num_k_exclude_rope: int = 0
    ) -> Tensor:
        """tgt (B, N, C), memory/memory_pos (B, M, kv_in_dim) → (B, N, C), batch first."""
        x = self.norm1(tgt)
        tgt = tgt + self.self_attn(x, x, x)
        x = self.norm2(tgt)
        tgt = tgt + self.cross_attn_image(
            x, memory + memory_pos, memory, num_k_exclude_rope=num_k_exclude_rope
        )
        x = self.norm3(tgt)
        return tgt + self.linear2(linear(self.linear1, x, "relu"))


class MemoryAttention(nn.Module):
    """The memory-attention stack of SAM2 (``memory_attention.*`` in checkpoints)."""

    def __init__(
        self,
        *,
        d_model: int = 256,
        num_layers: int = 4,
        dim_feedforward: int = 2048,
        kv_in_dim: int = 64,
        num_heads: int = 1,
        rope_theta: float = 10000.0,
        feat_sizes: tuple[int, int] = (64, 64),
        pos_enc_at_input: bool = True,
    ) -> None:
        super().__init__()
        self.d_model = d_model
        self.pos_enc_at_input = pos_enc_at_input
        self.layers = nn.ModuleList(
            MemoryAttentionLayer(
                d_model=d_model,
                dim_feedforward=dim_feedforward,
                kv_in_dim=kv_in_dim,
                num_heads=num_heads,
                rope_theta=rope_theta,
                feat_sizes=feat_sizes,
            )
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model)

    @classmethod
    def from_config(cls, cfg: MemoryAttentionConfig) -> MemoryAttention:
        """Build from the model config (dropout, activation, pos-enc placement: SAM2's)."""
        return cls(
            d_model=cfg.d_model,
            num_layers=cfg.num_layers,
            dim_feedforward=cfg.dim_feedforward,
            kv_in_dim=cfg.kv_in_dim,
            num_heads=cfg.num_heads,
            rope_theta=cfg.rope_theta,
            feat_sizes=cfg.rope_feat_sizes,
            pos_enc_at_input=cfg.pos_enc_at_input,
        )

    def forward(
        self,
        curr: Tensor | Sequence[Tensor],
        memory: Tensor,
        curr_pos: Tensor | Sequence[Tensor],
        memory_pos: Tensor,
        num_obj_ptr_tokens: int = 0,
    ) -> Tensor:
        """Condition the current frame on memory; all tensors sequence-first.

        curr, curr_pos: (HW, B, C) (or a one-element list of it, as track_step passes them);
        memory, memory_pos: (M, B, kv_in_dim), where the last ``num_obj_ptr_tokens`` of the M
        tokens are object pointers (no RoPE). Returns (HW, B, C).
        """
        if not isinstance(curr, Tensor):
            (curr,) = curr
        if not isinstance(curr_pos, Tensor):
            (curr_pos,) = curr_pos
        if curr.shape[1] != memory.shape[1]:
            raise ValueError("current features and memory must have the same batch size")
        # Memory features are stored in bfloat16; attend in the features' dtype.
        memory = memory.to(curr.dtype)
        memory_pos = memory_pos.to(curr.dtype)

        x = curr + 0.1 * curr_pos if self.pos_enc_at_input else curr
        x = x.transpose(0, 1)
        mem = memory.transpose(0, 1)
        mem_pos = memory_pos.transpose(0, 1)
        for layer in self.layers:
            x = layer(x, mem, mem_pos, num_k_exclude_rope=num_obj_ptr_tokens)
        return self.norm(x).transpose(0, 1)
