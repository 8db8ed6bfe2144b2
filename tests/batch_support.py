"""Helpers of the batch tests: tiny generated videos, projects with a keyframe, mask dumps."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

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


def make_project(path: Path, video: Path, keyframe: int = 1) -> None:
    """A project over `video` with one object clicked on `keyframe` (a PROMPTED mask)."""
    project, added = create_project_with_media(path, [video])
    with project:
        history = History(project)
        vid = added[0].video_id
        track = history.execute(AddTrack(vid, name="square")).track_id
        blob = np.zeros((HEIGHT, WIDTH), bool)
        blob[20:40, 24:44] = True
        prompt = Prompt(points=((34.0, 30.0),), labels=(1,))
        mask = Mask.from_array(blob)
        history.execute(SetMask(vid, keyframe, track, mask, Provenance.PROMPTED, 2.0, prompt))


def mask_dump(path: Path) -> dict[tuple[int, int], tuple[bytes, float | None, str]]:
    """{(frame, track): (RLE counts, score, provenance)} of the project's only video."""
    with open_project(path, read_only=True) as project:
        (video,) = project.videos
        return {
            (r.frame, r.track_id): (r.mask.counts, r.score, r.provenance.value)
            for r in project.masks(video.id)
        }
