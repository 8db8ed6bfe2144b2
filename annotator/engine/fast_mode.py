"""Fast mode: bfloat16 autocast where the hardware does bf16 natively; float32 stays exact."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


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


@contextlib.contextmanager
def compute_precision(device: torch.device, fast: bool) -> Iterator[None]:
    """Inference mode, plus bfloat16 autocast when ``fast`` and the device supports it."""
    with torch.inference_mode():
        if fast and bf16_supported(device):
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
                yield
        else:
            yield
