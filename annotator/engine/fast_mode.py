"""Fast mode: reduced-precision autocast (bfloat16, or float16 on GPUs without bf16) on the
kernels measured fastest for this machine; float32 (exact mode) keeps the reference's results.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Literal, NamedTuple

import torch

from annotator.engine.allocator import keep_freed_memory
from annotator.engine.kernel_choice import cpu_bf16_features, kernel_choice
from annotator.engine.sam2.common import reduced_precision_kernels

Precision = Literal["fast", "exact"]


def bf16_supported(device: torch.device) -> bool:
    """True where bfloat16 matmuls are native: CUDA with bf16, or a CPU with AVX512-BF16/AMX."""
    if device.type == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        try:
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):
            return False
    return False


class PrecisionDefault(NamedTuple):
    """The precision a new window or `annotator propagate` uses, and why (for the UI)."""

    mode: Precision
    reason: str


def reduced_dtype(device_type: str, *, available: bool, bf16: bool) -> torch.dtype | None:
    """Fast mode's autocast dtype for a device of that kind: bfloat16 where native, float16
    on a CUDA GPU without bf16 (its range suffices at inference), else None (float32)."""
    if not available:
        return None
    if bf16:
        return torch.bfloat16
    return torch.float16 if device_type == "cuda" else None


def precision_for(
    device_type: str, *, available: bool, bf16: bool, amx: bool = False, avx512_bf16: bool = False
) -> PrecisionDefault:
    """The default precision of a device with these features (see `default_precision`)."""
    if device_type == "cuda":
        if not available:
            return PrecisionDefault("exact", "no CUDA GPU is available")
        if bf16:
            return PrecisionDefault("fast", "the GPU computes in bfloat16")
        return PrecisionDefault("fast", "the GPU computes in float16 (it has no bfloat16)")
    if device_type != "cpu":
        return PrecisionDefault("exact", f"fast mode is not tuned for {device_type}")
    if bf16 and amx:
        return PrecisionDefault("fast", "the CPU has AMX bfloat16 matrix units")
    if bf16 and avx512_bf16:
        return PrecisionDefault("fast", "the CPU has AVX512-BF16 instructions")
    return PrecisionDefault("exact", "the CPU has no native bfloat16 (fast mode would be slower)")


def _available(device: torch.device) -> bool:
    return device.type == "cpu" or (device.type == "cuda" and torch.cuda.is_available())


def fast_dtype(device: torch.device) -> torch.dtype | None:
    """The autocast dtype of fast mode on `device` (None: fast mode is float32 there)."""
    return reduced_dtype(device.type, available=_available(device), bf16=bf16_supported(device))


def default_precision(device: torch.device) -> PrecisionDefault:
    """ "fast" where the device has fast reduced-precision units, else "exact" (float32).

    Fast mode's masks match float32's closely (IoU >= 0.97 per frame, see the README), so a
    user with bf16 hardware gets its speed unless they pick exact."""
    amx, avx512_bf16 = cpu_bf16_features() if device.type == "cpu" else (False, False)
    return precision_for(
        device.type,
        available=_available(device),
        bf16=bf16_supported(device),
        amx=amx,
        avx512_bf16=avx512_bf16,
    )


@contextlib.contextmanager
def compute_precision(device: torch.device, fast: bool) -> Iterator[None]:
    """Inference mode, plus fast mode's autocast and attention kernels when ``fast`` and the
    device supports it; float32 with the reference's kernels otherwise. Either way freed
    activations stay in the process for the next frame (see annotator.engine.allocator)."""
    if device.type == "cpu":
        keep_freed_memory()
    dtype = fast_dtype(device) if fast else None
    with torch.inference_mode():
        if dtype is None:
            yield
            return
        kernels = kernel_choice(device)  # measured outside autocast, once per machine
        with (
            torch.autocast(device_type=device.type, dtype=dtype),
            reduced_precision_kernels(kernels),
        ):
            yield
