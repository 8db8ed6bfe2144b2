"""Choose the torch device the engine runs on (CPU float32 is the reference mode)."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceUnavailableError(RuntimeError):
    """The requested accelerator is not present on this machine."""


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(preferred: str | torch.device | None = None) -> torch.device:
    """ "cpu" (default), "cuda[:N]", "mps", or "auto" (CUDA, then MPS, then CPU).

    Asking for an accelerator that is absent raises DeviceUnavailableError."""
    if preferred is None:
        return torch.device("cpu")
    name = str(preferred) if isinstance(preferred, torch.device) else preferred.strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind = name.split(":", 1)[0]
    if kind not in DEVICE_CHOICES:
        raise ValueError(f"unknown device {preferred!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    if kind == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError("CUDA was requested but no CUDA GPU is available")
    if kind == "mps" and not _mps_available():
        raise DeviceUnavailableError("MPS was requested but Metal is not available")
    return torch.device(name)
