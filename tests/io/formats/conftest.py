"""Projects with realistic masks (blobs with holes, several parts, overlaps) for format tests."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from annotator.domain import Category, FrameMask, Mask, Project, Provenance, Track, Video


def blob_mask(rng: np.random.Generator, h: int, w: int, *, holes: bool, parts: int) -> np.ndarray:
    """A (h, w) bool mask: `parts` rotated ellipses, optionally with holes and an island."""
    m = np.zeros((h, w), np.uint8)
    for _ in range(parts):
        r = int(rng.integers(max(6, min(h, w) // 8), max(8, min(h, w) // 3)))
        cx = int(rng.integers(r, max(r + 1, w - r)))
        cy = int(rng.integers(r, max(r + 1, h - r)))
        axes = (r, max(3, int(r * rng.uniform(0.5, 1.0))))
        cv2.ellipse(m, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        if holes:
            cv2.circle(m, (cx, cy), max(2, axes[1] // 3), 0, -1)
            if rng.random() < 0.5:
                cv2.circle(m, (cx, cy), 1, 1, -1)  # an island inside the hole
    return m.astype(bool)


def frame_image(video: Video, frame: int) -> np.ndarray:
    """A deterministic RGB frame (gradient + frame number) for image-writing tests."""
    y, x = np.mgrid[0 : video.height, 0 : video.width]
    img = np.stack([(x * 3 + frame) % 256, (y * 5) % 256, (x + y + 40 * frame) % 256], axis=-1)
    return img.astype(np.uint8)


class GeneratedFrames:
    """A frame source of a project video, made of `frame_image` frames."""

    def __init__(self, video: Video) -> None:
        self.video = video
        self.width, self.height, self.fps = video.width, video.height, video.fps

    def __len__(self) -> int:
        return self.video.num_frames

    def __getitem__(self, i: int) -> np.ndarray:
        if not 0 <= i < len(self):
            raise IndexError(i)
        return frame_image(self.video, i)


def make_project(
    *, videos: tuple[tuple[int, int, int], ...] = ((96, 128, 8), (80, 112, 6)), seed: int = 0
) -> Project:
    """Two categories; per video three tracks (holes / multi-part / plain) over most frames."""
    rng = np.random.default_rng(seed)
    p = Project()
    with p.transaction():
        p.put_category(Category(1, "person", (255, 0, 0), 1, 0))
        p.put_category(Category(2, "dog car", (0, 255, 0), 2, 1))
        tid = 0
        for vid, (h, w, n) in enumerate(videos, start=1):
            p.put_video(Video(vid, f"/data/clip {vid}.mp4", f"fp{vid}", 25.0, w, h, n))
            records = []
            for kind in range(3):
                tid += 1
                p.put_track(Track(tid, vid, 1 + kind % 2, f"obj{tid}"))
                for f in range(n):
                    if (f + kind) % 5 == 4:
                        continue  # absent on some frames
                    m = blob_mask(rng, h, w, holes=kind == 0, parts=2 if kind == 1 else 1)
                    records.append(
                        FrameMask(vid, f, tid, Mask.from_array(m), Provenance.PROPAGATED, 1.0)
                    )
            p.put_masks(records)
    return p


@pytest.fixture
def project() -> Project:
    return make_project()


@pytest.fixture
def open_frames() -> Callable[[Video], GeneratedFrames]:
    return GeneratedFrames


def person_and_car(video: Video, masks: list[tuple[int, int, Mask]]) -> Project:
    """Categories "person" (class 0) and "car" (class 1), one track of each (ids 1 and 2) on
    `video` (id 1), with the (frame, track id, mask) records given."""
    p = Project()
    with p.transaction():
        p.put_category(Category(1, "person", (255, 0, 0), 1, 0))
        p.put_category(Category(2, "car", (0, 255, 0), 2, 1))
        p.put_video(video)
        p.put_track(Track(1, 1, 1, "person 1"))
        p.put_track(Track(2, 1, 2, "car 1"))
        p.put_masks([FrameMask(1, f, t, m, Provenance.EDITED) for f, t, m in masks])
    return p


def empty_copy(src: Project) -> Project:
    """A project with the same categories and videos as `src` but no tracks or masks."""
    p = Project()
    with p.transaction():
        for c in src.categories:
            p.put_category(c)
        for v in src.videos:
            p.put_video(v)
    return p
