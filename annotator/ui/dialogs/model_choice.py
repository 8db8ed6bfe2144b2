"""What the Model menu chooses, without Qt: the checkpoint, device, precision and input size.

The dialog hands a `ModelChoice` to its caller, which loads it (the engine service does the
work); the texts here say what each choice trades, so the menu and the README agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotator.engine import DRAFT_SIZES, FULL_SIZE
from annotator.engine.device import DeviceUnavailableError, pick_device
from annotator.engine.fast_mode import PrecisionDefault
from annotator.engine.fast_mode import default_precision as engine_default_precision
from annotator.engine.weights import CacheStatus, WeightsManager
from annotator.engine.weights_registry import DEFAULT_MODEL

PRECISIONS = ("exact", "fast")
IMAGE_SIZES = (FULL_SIZE, *sorted(DRAFT_SIZES, reverse=True))
"""The model's own input size, then the draft sizes (masks stay at the frame's size)."""

PRECISION_TEXT = {
    "exact": "Exact: float32, the reference results.",
    "fast": (
        "Fast: bfloat16 where the CPU or GPU computes it natively (float16 on GPUs without "
        "it); masks against exact at 1024 px: mean IoU 0.998, min 0.985 (bench/propagate.py)."
    ),
}
SIZE_TEXT = {
    1024: "1024 px: the model's own input size, the best masks.",
    768: "768 px draft: about 1.8x less work per frame; thin parts and fine edges may be lost.",
    512: (
        "512 px draft: about 4x less work per frame (0.44 against 3.05 s a frame measured in "
        "float32 on a CPU); coarser edges, small objects may be missed."
    ),
}
DEVICE_LABELS = {"cpu": "CPU", "cuda": "CUDA GPU", "mps": "Apple GPU (MPS)"}


@dataclass(frozen=True)
class ModelChoice:
    """A model to load: checkpoint file, its model name, device, precision, input size.

    For the engine service: `load_model(checkpoint, device, image_size)`, then videos opened
    with `set_video(..., fast=choice.fast)`.
    """

    checkpoint: Path
    model_name: str  # e.g. "sam2.1_hiera_tiny" (for a local file: the model it holds)
    device: str = "cpu"  # "cpu", "cuda" or "mps"
    precision: str = "exact"  # "exact" (float32) or "fast" (bfloat16 where native)
    image_size: int = 1024

    @property
    def fast(self) -> bool:
        """Whether the engine runs in fast mode."""
        return self.precision == "fast"

    def describe(self) -> str:
        """'sam2.1_hiera_tiny · CPU · fast · 512 px' for a status bar or a label."""
        device = DEVICE_LABELS.get(self.device, self.device)
        return f"{self.model_name} · {device} · {self.precision} · {self.image_size} px"


def available_devices() -> list[str]:
    """The devices of this machine the engine can run on, CPU first."""
    found = []
    for name in DEVICE_LABELS:
        try:
            pick_device(name)
        except DeviceUnavailableError:
            continue
        found.append(name)
    return found


def preferred_device(devices: list[str]) -> str:
    """A GPU when the machine has one, else the CPU."""
    return next((d for d in devices if d != "cpu"), "cpu")


def default_precision(device: str) -> PrecisionDefault:
    """The engine's choice for `device`: fast where it has fast bf16 units, else exact,
    with the reason the dialog shows."""
    import torch

    return engine_default_precision(torch.device(device))


def status_text(status: CacheStatus) -> str:
    """'downloaded', 'partial 45%', 'not downloaded', or what is wrong, for the models list."""
    if status.state == "cached":
        return "downloaded"
    if status.state == "unchecked":
        return "downloaded · checking…"
    if status.state == "partial":
        return f"partial {100 * status.bytes_present // status.entry.size}%"
    if status.state == "wrong-size":
        return "wrong size: download again"
    if status.state == "corrupt":
        return "damaged: download again"
    return "not downloaded"


def megabytes(n: int) -> str:
    """Bytes as '156 MB'."""
    return f"{n / 1e6:.0f} MB"


def has_downloaded_model(manager: WeightsManager) -> bool:
    """Whether any of the known models is in the cache (else offer the first download)."""
    return any(s.state in ("cached", "unchecked") for s in manager.statuses(hash_new=False))


def first_model_question(manager: WeightsManager) -> str:
    """The first-start offer: 'No model yet: download SAM2.1 tiny (156 MB)?'."""
    entry = manager.entry(DEFAULT_MODEL)
    return f"No model yet: download SAM2.1 tiny ({megabytes(entry.size)})?"
