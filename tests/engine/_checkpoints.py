"""Checkpoint files for tests, built from the parity manifests and `make_checkpoint.py`.

`make_checkpoint.make_state_dict` gives the seeded values the parity goldens were computed
with; writing those for every model would mean 1.5 GB of random numbers per version, so the
bigger models use `compact_state_dict`: every tensor of the manifest as a view into one shared
buffer, which `torch.save` stores once (a few MB per file, same keys and shapes).
"""

from __future__ import annotations

import importlib.util
import json
import math
from functools import cache
from pathlib import Path
from types import ModuleType

import torch

SHARED = (Path(__file__).resolve().parents[2] / ".." / "shared").resolve()
PARITY = SHARED / "parity"
MODEL_NAMES = tuple(sorted(p.stem for p in (PARITY / "manifests").glob("*.json")))
SAM21_ONLY = ("no_obj_embed_spatial", "obj_ptr_tpos_proj.weight", "obj_ptr_tpos_proj.bias")


def module_from_file(name: str, path: Path) -> ModuleType:
    """The Python file at `path` imported as module `name` (scripts outside any package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def make_checkpoint_module() -> ModuleType:
    """The shared `make_checkpoint.py`, imported from its file."""
    return module_from_file("make_checkpoint", PARITY / "make_checkpoint.py")


@cache
def manifest(name: str) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape of the official checkpoint of `name`."""
    data = json.loads((PARITY / "manifests" / f"{name}.json").read_text())
    return {key: tuple(shape) for key, shape in data["tensors"].items()}


def seeded_state_dict(name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """The exact state dict `make_checkpoint.py NAME --seed SEED` writes."""
    result: dict[str, torch.Tensor] = make_checkpoint_module().make_state_dict(name, seed)
    return result


def compact_state_dict(name: str) -> dict[str, torch.Tensor]:
    """The manifest's keys and shapes as views of one buffer (small on disk, distinct values)."""
    shapes = manifest(name)
    biggest = max(math.prod(s) for s in shapes.values())
    buffer = torch.linspace(-1.0, 1.0, biggest)
    return {key: buffer[: math.prod(shape)].view(shape) for key, shape in shapes.items()}


def as_sam20(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A SAM2.1 state dict without its 2.1-only tensors: the SAM2.0 state dict of that size."""
    return {k: v for k, v in sd.items() if k not in SAM21_ONLY}


def write_checkpoint(path: Path, sd: dict[str, torch.Tensor], *, wrap: bool = True) -> Path:
    """Save like Meta does (`{"model": sd}`), or as a bare state dict with `wrap=False`."""
    torch.save({"model": sd} if wrap else sd, path)
    return path
