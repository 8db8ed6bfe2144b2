"""Small building blocks shared by the SAM2 modules: MLP, channel-first LayerNorm, attention
that stays fast in bfloat16 on a CPU."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class MLP(nn.Module):
    """Stack of `num_layers` Linear layers with an activation between them (keys `layers.N`)."""

    def __init__(
        self,
        *,
        in_dim: int,
        hidden_dim: int,
        out_dim: int,
        num_layers: int,
        activation: type[nn.Module] = nn.ReLU,
        sigmoid_output: bool = False,
    ) -> None:
        super().__init__()
        dims = [in_dim] + [hidden_dim] * (num_layers - 1) + [out_dim]
        pairs = zip(dims[:-1], dims[1:], strict=True)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in pairs)
        self.act = activation()
        self.sigmoid_output = sigmoid_output

    def forward(self, x: Tensor) -> Tensor:
        """[..., in_dim] -> [..., out_dim]."""
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < last:
                x = self.act(x)
        return torch.sigmoid(x) if self.sigmoid_output else x


class LayerNorm2d(nn.Module):
    """LayerNorm over the channel axis of a [B, C, H, W] map (eps 1e-6, keys weight/bias)."""

    def __init__(self, num_channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(num_channels))
        self.bias = nn.Parameter(torch.zeros(num_channels))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        """[B, C, H, W] -> [B, C, H, W], normalised per pixel across C."""
        mean = x.mean(1, keepdim=True)
        var = (x - mean).pow(2).mean(1, keepdim=True)
        x = (x - mean) * torch.rsqrt(var + self.eps)
        return x * self.weight[:, None, None] + self.bias[:, None, None]


FUSED, CHUNKED = "fused", "chunked"
ATTENTION_SITES = ("encoder", "memory_self", "memory_cross")
"""Where reduced-precision attention runs: Hiera's blocks, memory self- and cross-attention."""

_reduced_kernels: ContextVar[Mapping[str, str] | None] = ContextVar("reduced_kernels", default=None)


@contextlib.contextmanager
def reduced_precision_kernels(choice: Mapping[str, str]) -> Iterator[None]:
    """Within this block, reduced-precision CPU attention at each site in ``choice`` runs on
    the kernel it names (FUSED or CHUNKED; CHUNKED where absent). float32 is not affected."""
    token = _reduced_kernels.set(dict(choice))
    try:
        yield
    finally:
        _reduced_kernels.reset(token)


def uses_fused_kernel(q: Tensor, site: str = "encoder") -> bool:
    """Whether `attend` runs PyTorch's fused attention for queries like q at ``site``: float32
    (the exact mode, as the reference), any non-CPU device, or where the kernel choice of
    the enclosing `reduced_precision_kernels` says the fused kernel is the faster one."""
    if q.dtype == torch.float32 or q.device.type != "cpu":
        return True
    choice = _reduced_kernels.get()
    return choice is not None and choice.get(site) == FUSED


def attend(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    query_chunk: int = 512,
    *,
    site: str = "encoder",
    centre_keys: bool = False,
) -> Tensor:
    """softmax(q kᵀ/√d) v over (B, heads, N, d) tensors (v's d may differ from q's).

    float32 (the exact mode) uses PyTorch's fused kernel, as the reference does. Reduced
    precision on the CPU (fast mode) uses the kernel chosen for ``site`` by
    `reduced_precision_kernels` (see annotator.engine.kernel_choice): the fused kernel
    (scores accumulated in float32; fastest where the CPU has AMX), or the two matmuls and
    the softmax in that precision over chunks of queries (faster without AMX, but the
    scores are rounded to bfloat16). ``centre_keys`` takes the mean key out of every key of
    the chunked form first: a softmax ignores a constant added to a row of scores, and
    smaller scores round with smaller errors. Hiera's attention needs it (fast-mode mask IoU
    in tests/engine/test_video_session.py: 0.961 without, 0.978 with; the fused kernel 0.977);
    the memory attention tracked better without it (bench/propagate.py at 1024 px).
    """
    if uses_fused_kernel(q, site):
        return F.scaled_dot_product_attention(q, k.to(q.dtype), v.to(q.dtype))
    return chunked_attention(q, k, v, query_chunk, centre_keys=centre_keys)


def chunked_attention(
    q: Tensor, k: Tensor, v: Tensor, query_chunk: int = 512, *, centre_keys: bool = False
) -> Tensor:
    """`attend`'s chunked form: matmul, softmax, matmul in q's dtype, query_chunk rows a time."""
    dtype = q.dtype
    k = k.to(dtype)
    if centre_keys:
        k = k - torch.mean(k, dim=-2, keepdim=True, dtype=torch.float32).to(dtype)
    k_t = k.transpose(-2, -1).contiguous()  # not re-copied for every chunk
    v = v.to(dtype).contiguous()
    scale = q.shape[-1] ** -0.5
    out = []
    for start in range(0, q.shape[-2], query_chunk):
        scores = torch.matmul(q[..., start : start + query_chunk, :] * scale, k_t)
        weights = torch.softmax(scores, dim=-1)  # accumulates in float32 internally
        out.append(torch.matmul(weights, v))
    return torch.cat(out, dim=-2)
