"""What this machine can do, to judge a benchmark's figures against: float32 and bf16 matmul
rates, one bf16 fused attention call of the memory-attention shape, and the work of one
propagated frame (so that a time per frame can be put as a fraction of its limit)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

SDPA_SHAPE = (4096, 28736, 256)  # 1024 px frame queries x full memory bank keys x channels


def best_of(fn: Callable[[], object], repeats: int = 3) -> float:
    """Shortest of `repeats` timed calls after one warm-up (the least disturbed run)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@dataclass(frozen=True)
class Yardsticks:
    """Measured peaks: matmul GFLOP/s in float32 and bf16, bf16 SDPA seconds and GFLOP/s."""

    fp32_gflops: float
    bf16_gflops: float
    sdpa_bf16_s: float

    @property
    def sdpa_bf16_gflops(self) -> float:
        nq, nk, d = SDPA_SHAPE
        return 4 * nq * nk * d / self.sdpa_bf16_s / 1e9

    def describe(self) -> str:
        nq, nk, d = SDPA_SHAPE
        return (
            f"yardsticks: 2048² matmul {self.fp32_gflops:.0f} GFLOP/s float32, "
            f"{self.bf16_gflops:.0f} GFLOP/s bf16; bf16 SDPA {nq} q x {nk:,} k x {d} ch "
            f"{self.sdpa_bf16_s:.3f} s ({self.sdpa_bf16_gflops:.0f} GFLOP/s)"
        )


def measure_yardsticks() -> Yardsticks:
    """About 2 s on a quiet 2-core CPU."""
    gen = torch.Generator().manual_seed(0)
    rates = {}
    with torch.inference_mode():
        for dtype in (torch.float32, torch.bfloat16):
            a, b = (torch.randn(2048, 2048, generator=gen).to(dtype) for _ in range(2))
            rates[dtype] = 2 * 2048**3 / best_of(lambda: a @ b) / 1e9  # noqa: B023
        nq, nk, d = SDPA_SHAPE
        q = torch.randn(1, 1, nq, d, generator=gen).bfloat16()
        k, v = (torch.randn(1, 1, nk, d, generator=gen).bfloat16() for _ in range(2))
        sdpa = best_of(lambda: F.scaled_dot_product_attention(q, k, v), repeats=2)
    return Yardsticks(rates[torch.float32], rates[torch.bfloat16], sdpa)


def memory_attention_gflop(
    image_size: int, memory_frames: int = 7, pointer_tokens: int = 64, layers: int = 4
) -> tuple[float, float]:
    """(attention, the rest) GFLOP of SAM2's memory attention for one object on one frame:
    d=256, 64-channel memory, MLP 2048; a full bank is 7 frames and 16 pointers of 4 tokens."""
    d, kv, mlp = 256, 64, 2048
    n = (image_size // 16) ** 2
    m = memory_frames * n + pointer_tokens
    attention = 2 * n * n * d * 2 + 2 * n * m * d * 2  # self + cross (scores and mixing)
    rest = 6 * n * d * d * 2 + 2 * m * kv * d * 2 + 2 * n * d * mlp * 2  # projections, MLP
    return layers * attention / 1e9, layers * rest / 1e9


def encoder_gflop(forward_image: Callable[[torch.Tensor], object], image_size: int) -> float:
    """GFLOP of the convolutions and matmuls of one image-encoder pass (its attention
    kernels are not counted by torch's counter: the figure is a lower bound)."""
    x = torch.zeros(1, 3, image_size, image_size)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        forward_image(x)
    return counter.get_total_flops() / 1e9


def frame_floor_s(
    y: Yardsticks, encoder: float, attention: float, rest: float, *, fast: bool
) -> float:
    """Least seconds a frame can take at the measured peaks: float32 matmul rate for exact
    mode; bf16 SDPA rate for attention and bf16 matmul rate for the rest in fast mode."""
    if not fast:
        return (encoder + attention + rest) / y.fp32_gflops
    return attention / y.sdpa_bf16_gflops + (encoder + rest) / y.bf16_gflops
