"""Fixtures of the dialog tests: a small project file over a folder of generated frames; a
weights manager over a local HTTP mirror serving a small file with the tiny model's tensors."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from hashlib import sha256
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.domain import FrameMask, Mask, Provenance, Track
from annotator.engine.weights import WeightsManager
from annotator.engine.weights_registry import REGISTRY
from annotator.io.frames import open_frames
from annotator.io.media import ensure_video
from annotator.io.store import create_project
from tests.engine._http import FileServer, serving

NUM_FRAMES = 8
HEIGHT, WIDTH = 48, 64


def square(frame: int, x0: int, size: int = 12) -> np.ndarray:
    """(H, W) bool mask of a square that moves 3 px right per frame."""
    m = np.zeros((HEIGHT, WIDTH), bool)
    x = x0 + 3 * frame
    m[10 : 10 + size, x : x + size] = True
    return m


@pytest.fixture
def frames_dir(tmp_path: Path) -> Path:
    """A folder of NUM_FRAMES 64x48 PNG frames (an image-folder video)."""
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(NUM_FRAMES):
        img = np.full((HEIGHT, WIDTH, 3), 30 + 10 * i, np.uint8)
        img[square(i, 4)] = (230, 200, 40)
        cv2.imwrite(str(folder / f"{i:05d}.png"), img)
    return folder


@pytest.fixture
def project_file(tmp_path: Path, frames_dir: Path) -> Path:
    """A closed project file: two categories, two tracks masked on every frame."""
    path = tmp_path / "clip.annotator"
    with open_frames(frames_dir, background=False) as src, create_project(path) as project:
        video_id = ensure_video(project, src, frames_dir)
        person = project.add_category("person", (255, 0, 0))
        car = project.add_category("car", (0, 0, 255))
        for name, category in (("alice", person), ("red car", car)):
            project.put_track(Track(project.allocate_id("track"), video_id, category.id, name))
        records = [
            FrameMask(video_id, f, tid, Mask.from_array(square(f, x0)), Provenance.PROPAGATED)
            for f in range(NUM_FRAMES)
            for tid, x0 in ((1, 2), (2, 30))
        ]
        project.put_masks(records)
    return path


MODEL = "sam2.1_hiera_tiny"


@pytest.fixture(scope="session")
def small_tiny_checkpoint(parity_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small file with the tiny model's keys and shapes (views of one buffer): it passes the
    strict checkpoint check without being 156 MB."""
    import torch

    manifest = json.loads((parity_dir / "manifests" / f"{MODEL}.json").read_text())
    shapes = manifest["tensors"]
    buffer = torch.linspace(-1.0, 1.0, max(math.prod(s) for s in shapes.values()))
    state = {k: buffer[: math.prod(s)].view(s) for k, s in shapes.items()}
    path = tmp_path_factory.mktemp("served") / "tiny.pt"
    torch.save({"model": state}, path)
    return path


@pytest.fixture
def mirror() -> Iterator[FileServer]:
    """A local HTTP mirror of the weights server (tests never reach the internet)."""
    with serving() as server:
        yield server


@pytest.fixture
def weights(mirror: FileServer, small_tiny_checkpoint: Path, tmp_path: Path) -> WeightsManager:
    """A weights manager over an empty cache whose registry lists all eight models, the tiny
    one being the served small file (so its size and digest are the mirror's)."""
    data = small_tiny_checkpoint.read_bytes()
    mirror.files[REGISTRY[MODEL].url_path] = data
    registry = dict(REGISTRY)
    registry[MODEL] = replace(REGISTRY[MODEL], size=len(data), sha256=sha256(data).hexdigest())
    return WeightsManager(
        tmp_path / "cache", base_url=mirror.url, registry=registry, timeout=10, chunk_size=1 << 16
    )
