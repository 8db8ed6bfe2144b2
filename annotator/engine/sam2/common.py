"""Small building blocks shared by the SAM2 modules: MLP, channel-first LayerNorm, attention
that stays fast in bfloat16 on a CPU."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ACTIVATIONS = {"none": lambda x: x, "relu": F.relu, "gelu": F.gelu}


def cpu_bf16_autocast() -> bool:
    """Whether CPU autocast to bfloat16 (fast mode on a CPU) is on."""
    return torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16


def _bf16_parameters(layer: nn.Linear) -> tuple[Tensor, Tensor | None]:
    """The layer's weight and bias in bfloat16, cast once and kept until they change (the
    versions count in-place loads such as load_state_dict)."""
    w, b = layer.weight, layer.bias
    key = (w.data_ptr(), w._version, None if b is None else (b.data_ptr(), b._version))
    cached = layer.__dict__.get("_bf16_cache")
    if cached is None or cached[0] != key:
        with torch.no_grad():
            pair = (w.detach().bfloat16(), None if b is None else b.detach().bfloat16())
        layer.__dict__["_bf16_cache"] = cached = (key, pair)
    return cached[1]


def linear(layer: nn.Linear, x: Tensor, activation: str = "none") -> Tensor:
    """activation(layer(x)), activation one of ``ACTIVATIONS``.

    Under CPU bfloat16 autocast (fast mode) one oneDNN call computes it: the activation is
    applied to the float32 accumulator before rounding (GELU alone is as slow as the
    matmul in bf16), the weights are cast once rather than on every call, and no bias is
    first copied into the output as addmm does. Anywhere else (float32: exact mode; GPUs)
    it is the plain layer, with the reference's results.
    """
    if x.device.type == "cpu" and cpu_bf16_autocast() and _ONEDNN_LINEAR is not None:
        w, b = _bf16_parameters(layer)
        algorithm = "none" if activation == "gelu" else ""
        return _ONEDNN_LINEAR(x.to(torch.bfloat16), w, b, activation, [], algorithm)
    return ACTIVATIONS[activation](F.linear(x, layer.weight, layer.bias))


def _onednn_linear() -> Callable[..., Tensor] | None:
    """oneDNN's fused linear (+ pointwise op) where this torch build has it and runs it."""
    try:
        op = torch.ops.mkldnn._linear_pointwise
        x, w = torch.ones(2, 4, dtype=torch.bfloat16), torch.ones(3, 4, dtype=torch.bfloat16)
        if not torch.equal(op(x, w, None, "relu", [], ""), torch.full((2, 3), 4.0).bfloat16()):
            return None
    except (AttributeError, RuntimeError):
        return None
    return cast(Callable[..., Tensor], op)


_ONEDNN_LINEAR = _onednn_linear()


class Linear(nn.Linear):
    """nn.Linear (same parameters and checkpoint keys) that takes `linear`'s fused bf16
    path in fast mode."""

    def forward(self, x: Tensor) -> Tensor:
        return linear(self, x)


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
        exact_gelu = isinstance(self.act, nn.GELU) and self.act.approximate == "none"
        self._fused_act = "gelu" if exact_gelu else "relu" if type(self.act) is nn.ReLU else None

    def forward(self, x: Tensor) -> Tensor:
        """[..., in_dim] -> [..., out_dim]."""
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            fused = self._fused_act if i < last else None
            x = linear(cast(nn.Linear, layer), x, fused or "none")
            if i < last and fused is None:
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
