"""Click -> mask latency on a photo through the real engine service (no GUI).

Tiny model (seeded checkpoint from ../shared/parity/make_checkpoint.py) at 1024, on the photos
of ../shared/data/images opened as the window opens them (one-frame sources). Per photo: the
service opens it, pre-encodes it (the window does that on landing), then a sequence of
clicks arrives one after another, each adding a click to the object's prompt (the first click
alone, later ones refining it), as the window sends them. Latency = submit -> MaskResult
(Future resolved), i.e. what a caller waits for; the engine's own seconds are printed too.

    python bench/photo_click.py [--clicks 6] [--image-size 1024] [--threads N] [--fast]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from image_predict import matmul_gflops  # noqa: E402  (a bench beside this one)
from latency import write_checkpoint  # noqa: E402

from annotator.io.frames import open_frames  # noqa: E402
from annotator.service import EngineService  # noqa: E402

SHARED = (REPO / ".." / "shared").resolve()
IMAGES = SHARED / "data" / "images"
MODEL = "sam2.1_hiera_tiny"


def clicks_on(width: int, height: int, count: int) -> list[tuple[float, float]]:
    """`count` distinct points spread around the photo's centre."""
    return [
        (width * (0.5 + 0.04 * ((i % 3) - 1)), height * (0.5 + 0.04 * ((i // 3) % 3 - 1)))
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=6, help="clicks per photo")
    parser.add_argument("--image-size", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--fast", action="store_true", help="bf16 fast mode")
    args = parser.parse_args()
    first: list[float] = []
    later: list[float] = []
    engine: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = write_checkpoint(Path(tmp))
        with EngineService(num_threads=args.threads, click_threads=args.threads) as service:
            service.load_model(checkpoint, image_size=args.image_size).result(600)
            for photo in sorted(IMAGES.glob("*.jpg")):
                frames = open_frames(photo, use_proxy_cache=False)
                try:
                    ready = service.set_video(frames, fast=args.fast).result(600)
                    t0 = time.perf_counter()
                    service.encode_frame(0, ahead=0).result(600)
                    encode = time.perf_counter() - t0
                    points: list[tuple[float, float]] = []
                    for i, point in enumerate(clicks_on(ready.width, ready.height, args.clicks)):
                        points.append(point)
                        labels = [1] * len(points)
                        t0 = time.perf_counter()
                        result = service.add_points(0, 1, points, labels).result(600)
                        wall = time.perf_counter() - t0
                        (first if i == 0 else later).append(wall)
                        engine.append(result.seconds)
                    print(
                        f"{photo.name}: {ready.width}x{ready.height}, encode {encode:.2f} s, "
                        f"{type(ready).__name__} {ready}"
                    )
                finally:
                    frames.close()
    ms = 1000.0
    print(f"yardstick: matmul {matmul_gflops():.0f} GFLOP/s")
    print(
        f"click -> mask (ms): first click p50 {statistics.median(first) * ms:.0f}, "
        f"refinement clicks p50 {statistics.median(later) * ms:.0f}, "
        f"all p50 {statistics.median(first + later) * ms:.0f} "
        f"max {max(first + later) * ms:.0f}; engine p50 {statistics.median(engine) * ms:.0f}"
    )


if __name__ == "__main__":
    main()
