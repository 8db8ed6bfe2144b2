"""Helpers for the frame-source tests: generated clips, sequential reference decoding, PSNR."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED_VIDEOS = (REPO / ".." / "shared" / "data" / "videos").resolve()

# (fourcc, extension) pairs to try; the ones this OpenCV cannot write are skipped at run time.
WRITER_FORMATS = [
    ("mp4v", ".mp4"),
    ("avc1", ".mp4"),
    ("MJPG", ".avi"),
    ("XVID", ".avi"),
    ("FFV1", ".avi"),
    ("mp4v", ".mkv"),
    ("FFV1", ".mkv"),
    ("mp4v", ".mov"),
    ("MJPG", ".mov"),
    ("VP80", ".webm"),
    ("VP90", ".webm"),
]


def synthetic_frame(i: int, width: int = 160, height: int = 120) -> np.ndarray:
    """A BGR frame that differs visibly from its neighbours (moving bar, number, texture)."""
    rng = np.random.default_rng(i)
    img = np.full((height, width, 3), (40, 80, 120), np.uint8)
    blocks = rng.integers(0, 30, (-(-height // 8), -(-width // 8), 3), dtype=np.uint8)
    img += blocks.repeat(8, 0).repeat(8, 1)[:height, :width]
    x = (i * 7) % width
    img[:, x : x + 6] = (0, 0, 255)
    cv2.putText(img, str(i), (10, height - 20), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    return img


def write_clip(
    path: Path, n: int = 48, fourcc: str = "mp4v", size: tuple[int, int] = (160, 120)
) -> Path | None:
    """Write an n-frame clip; None if OpenCV's writer refuses this fourcc/container here."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), 25.0, size)
    if not writer.isOpened():
        writer.release()
        path.unlink(missing_ok=True)
        return None
    for i in range(n):
        writer.write(synthetic_frame(i, *size))
    writer.release()
    if not path.exists() or path.stat().st_size == 0:
        return None
    return path


def sequential_frames(
    path: Path, keep: Iterable[int] | None = None
) -> tuple[dict[int, np.ndarray], int]:
    """RGB frames decoded from the start in order (only those in `keep`, all when None), and the
    count of decodable frames: the definition of "frame i" the sources must match."""
    wanted = None if keep is None else set(keep)
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames: dict[int, np.ndarray] = {}
    n = 0
    while cap.grab():
        if wanted is None or n in wanted:
            ok, bgr = cap.retrieve()
            assert ok
            frames[n] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        n += 1
    cap.release()
    return frames, n


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 images in dB."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)
