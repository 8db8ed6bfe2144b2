"""Fixtures and helpers of the batch tests: three tiny generated videos, projects with a
keyframe over them, mask dumps, and the masks of one `annotator propagate` run per video."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.cli import main
from annotator.domain import AddTrack, History, Mask, Prompt, Provenance, SetMask
from annotator.io.media import create_project_with_media
from annotator.io.store import open_project

WIDTH, HEIGHT, FRAMES = 96, 72, 5


def write_video(path: Path, seed: int) -> Path:
    """A FRAMES-frame MJPG clip of a bright square drifting over noise (seeded)."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 60, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for i in range(FRAMES):
        frame = background.copy()
        x, y = 20 + 4 * i + 3 * seed, 18 + 2 * i
        frame[y : y + 24, x : x + 24] = (230, 220, 40 * seed)
        writer.write(frame)
    writer.release()
    return path


def make_project(path: Path, *videos: Path, keyframe: int = 1) -> None:
    """A project over `videos`, each with one object clicked on `keyframe` (PROMPTED)."""
    project, added = create_project_with_media(path, list(videos))
    with project:
        history = History(project)
        for item in added:
            track = history.execute(AddTrack(item.video_id, name="square")).track_id
            blob = np.zeros((HEIGHT, WIDTH), bool)
            blob[20:40, 24:44] = True
            prompt = Prompt(points=((34.0, 30.0),), labels=(1,))
            mask = Mask.from_array(blob)
            history.execute(
                SetMask(item.video_id, keyframe, track, mask, Provenance.PROMPTED, 2.0, prompt)
            )


def mask_dump(path: Path) -> dict[tuple[int, int], tuple[bytes, float | None, str]]:
    """{(frame, track): (RLE counts, score, provenance)} of the project's only video."""
    with open_project(path, read_only=True) as project:
        (video,) = project.videos
        return {
            (r.frame, r.track_id): (r.mask.counts, r.score, r.provenance.value)
            for r in project.masks(video.id)
        }


def projects(folder: Path, videos: list[Path]) -> list[Path]:
    """One project with a keyframe per video, in `folder` (p0.annotator, p1...)."""
    paths = []
    for i, video in enumerate(videos):
        make_project(folder / f"p{i}.annotator", video)
        paths.append(folder / f"p{i}.annotator")
    return paths


SIZE = ["--image-size", "256"]


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("videos")
    return [write_video(folder / f"clip{i}.avi", seed=i) for i in range(3)]


@pytest.fixture(scope="session")
def checkpoint(seeded_checkpoint: Callable[..., Path]) -> str:
    return str(seeded_checkpoint("sam2.1_hiera_tiny"))


@pytest.fixture(scope="session")
def expected(
    videos: list[Path], checkpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> list[dict]:
    """The masks of one `annotator propagate` run per video (one torch thread, as a worker)."""
    import torch

    folder = tmp_path_factory.mktemp("single")
    dumps = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for i, video in enumerate(videos):
            path = folder / f"p{i}.annotator"
            make_project(path, video)
            assert main(["propagate", str(path), "--model", checkpoint, *SIZE]) == 0
            dumps.append(mask_dump(path))
    finally:
        torch.set_num_threads(threads)
    assert all(len(d) == FRAMES for d in dumps)  # one object on every frame
    return dumps
