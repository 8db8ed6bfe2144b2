"""The bundled sample clip: a few textured objects moving over a textured background.

The clip is synthesised (deterministic, no external media) so that `annotator` has
something real to open on a machine with no data. Regenerate it with
`python -m annotator.io.sample_clip resources/sample.mp4`.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT, FPS, SECONDS = 640, 360, 24, 4
REPO_SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample.mp4"


def _background(rng: np.random.Generator) -> np.ndarray:
    """A soft diagonal gradient with low-contrast blotches (BGR uint8, H×W×3)."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack(
        [110 + 40 * xx / WIDTH, 130 + 30 * yy / HEIGHT, 90 + 20 * (xx + yy) / (WIDTH + HEIGHT)],
        axis=-1,
    )
    coarse = rng.normal(0, 1, (HEIGHT // 45, WIDTH // 45, 3)).astype(np.float32)
    noise = cv2.resize(coarse, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC) * 12
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _striped_ball(frame: np.ndarray, t: float) -> None:
    """A red ball with white stripes bouncing left to right."""
    cx = int(80 + (WIDTH - 160) * (0.5 - 0.5 * math.cos(t * math.pi / SECONDS)))
    cy = int(HEIGHT - 70 - 180 * abs(math.sin(t * 2.2)))
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.circle(mask, (cx, cy), 48, 255, -1, cv2.LINE_AA)
    stripes = np.zeros_like(frame)
    stripes[:] = (40, 40, 210)
    for k in range(-6, 7):
        x = cx + k * 16 + int(8 * math.sin(t * 3))
        cv2.line(stripes, (x - 60, cy - 60), (x + 60, cy + 60), (235, 235, 235), 4, cv2.LINE_AA)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    frame[:] = (frame * (1 - alpha) + stripes * alpha).astype(np.uint8)


def _checker_square(frame: np.ndarray, t: float) -> None:
    """A rotating blue/yellow checkerboard square drifting downwards."""
    size = 110
    tile = (np.indices((size, size)) // 22).sum(axis=0) % 2
    patch = np.where(tile[..., None] == 1, (200, 120, 30), (40, 210, 230)).astype(np.uint8)
    angle = t * 40.0
    cx, cy = WIDTH - 150, int(90 + 35 * t)
    rot = cv2.getRotationMatrix2D((size / 2, size / 2), angle, 1.0)
    rot[:, 2] += np.array([cx - size / 2, cy - size / 2])
    warped = cv2.warpAffine(patch, rot, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(np.full((size, size), 255, np.uint8), rot, (WIDTH, HEIGHT))
    a = (alpha.astype(np.float32) / 255)[..., None]
    frame[:] = (frame * (1 - a) + warped * a).astype(np.uint8)


def _dotted_star(frame: np.ndarray, t: float) -> None:
    """A green five-pointed star with dark dots, moving on a circle."""
    cx = int(WIDTH / 2 + 150 * math.cos(t * 1.3))
    cy = int(HEIGHT / 2 + 90 * math.sin(t * 1.3))
    pts = []
    for k in range(10):
        r = 60 if k % 2 == 0 else 26
        a = -math.pi / 2 + k * math.pi / 5 + t * 0.5
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    poly = np.array(pts, np.int32)
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [poly], 255, cv2.LINE_AA)
    texture = np.zeros_like(frame)
    texture[:] = (60, 190, 60)
    for dy in range(-60, 61, 14):
        for dx in range(-60, 61, 14):
            cv2.circle(texture, (cx + dx, cy + dy), 3, (20, 70, 20), -1)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    frame[:] = (frame * (1 - alpha) + texture * alpha).astype(np.uint8)


def render_frames(seed: int = 7) -> list[np.ndarray]:
    """Every frame of the sample clip as BGR uint8 (H×W×3), deterministic for a seed."""
    background = _background(np.random.default_rng(seed))
    frames = []
    for i in range(FPS * SECONDS):
        t = i / FPS
        frame = background.copy()
        _checker_square(frame, t)
        _dotted_star(frame, t)
        _striped_ball(frame, t)
        frames.append(frame)
    return frames


def object_masks(index: int) -> dict[str, np.ndarray]:
    """Where each object of the clip lies on frame `index`: bool (H, W) per object name, in
    drawing order (later ones cover earlier ones), before the others are drawn over it."""
    t = index / FPS
    masks: dict[str, np.ndarray] = {}
    for name, draw in (("box", _checker_square), ("star", _dotted_star), ("ball", _striped_ball)):
        canvas = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        draw(canvas, t)
        masks[name] = canvas.max(axis=-1) > 0
    return masks


def write_sample_clip(path: Path, seed: int = 7) -> Path:
    """Write the sample clip as MPEG-4 Part 2 (`mp4v`, which every OpenCV build can write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write an mp4v video to {tmp}")
    try:
        for frame in render_frames(seed):
            writer.write(frame)
    finally:
        writer.release()
    tmp.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=REPO_SAMPLE)
    args = parser.parse_args()
    out = write_sample_clip(args.out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
