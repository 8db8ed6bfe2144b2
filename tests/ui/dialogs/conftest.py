"""Fixtures of the dialog tests: a small project file over a folder of generated frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.domain import FrameMask, Mask, Provenance, Track
from annotator.io.frames import open_frames
from annotator.io.store import create_project
from annotator.ui.project_setup import ensure_video

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
