"""Export speed: N frames x 5 tracks at 1280x720 (generated masks), seconds per format.

    python bench/export.py                 # 10,000 frames (the target size)
    python bench/export.py --frames 500    # a short run
    python bench/export.py --sqlite        # also time exports from a SQLite project file

Prints one line per measurement. Targets on 2 cores: COCO RLE <= 15 s, YOLO seg labels
<= 30 s for 10,000 frames. Frame images are written for the first --image-frames frames
only (JPEG encoding dominates) and the full-length time is extrapolated and marked so.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotator.domain import Category, FrameMask, Mask, Project, Track, Video  # noqa: E402
from annotator.io.formats import ExportOptions, export_coco, export_yolo  # noqa: E402

W, H, TRACKS, POOL = 1280, 720, 5, 240


def mask_pool(rng: np.random.Generator) -> list[tuple[tuple[int, int], bytes]]:
    """RLE (size, counts) of POOL varied object masks: blobs with holes, two-part objects."""
    pool = []
    for i in range(POOL):
        m = np.zeros((H, W), np.uint8)
        parts = 2 if i % 3 == 0 else 1
        for _ in range(parts):
            r = int(rng.integers(40, 160))
            c = (int(rng.integers(r, W - r)), int(rng.integers(r, H - r)))
            cv2.ellipse(m, c, (r, int(r * rng.uniform(0.5, 1))), float(rng.uniform(0, 180)), 0,
                        360, 1, -1)  # fmt: skip
            if i % 2 == 0:
                cv2.circle(m, c, r // 4, 0, -1)
        mk = Mask.from_array(m.astype(bool))
        pool.append((mk.size, mk.counts))
    return pool


def build_project(frames: int, project: Project) -> Project:
    rng = np.random.default_rng(0)
    pool = mask_pool(rng)
    with project.transaction():
        project.put_category(Category(1, "person"))
        project.put_category(Category(2, "car"))
        project.put_video(Video(1, "/bench/clip.mp4", "bench", 30.0, W, H, frames))
        for t in range(1, TRACKS + 1):
            project.put_track(Track(t, 1, 1 + t % 2, f"obj{t}"))
    chunk = 500
    for start in range(0, frames, chunk):
        records = [
            FrameMask(1, f, t, Mask(*pool[(f * 7 + t * 31) % POOL]), score=1.0)
            for f in range(start, min(frames, start + chunk))
            for t in range(1, TRACKS + 1)
        ]
        project.put_masks(records, bulk=True)
    return project


class Frames:
    """Generated 720p frames (cheap: a gradient shifted per frame)."""

    base = np.dstack([np.tile(np.arange(W, dtype=np.uint8), (H, 1))] * 3)

    def __init__(self, video: Video) -> None:
        self.n = video.num_frames

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> np.ndarray:
        return np.roll(self.base, i, axis=1)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the export's worker processes)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, fn, scale: float = 1.0) -> None:
    """Print wall and CPU seconds (CPU time, workers included, is the fairer number on a
    shared machine: wall time there depends on everyone else's load)."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    summary = fn()
    wall, cpu = (time.perf_counter() - t0) * scale, (cpu_seconds() - c0) * scale
    note = f"  (x{scale:g} extrapolated from {summary.images} frames)" if scale != 1.0 else ""
    print(
        f"{label:<38} wall {wall:7.2f} s  cpu {cpu:7.2f} s  {summary.annotations} anns{note}",
        flush=True,
    )


def run_suite(project: Project, frames: int, image_frames: int, tag: str, out: Path) -> None:
    labels = ExportOptions(with_images=False, overwrite=True)
    timed(f"[{tag}] COCO RLE", lambda: export_coco(project, out / f"{tag}-rle", labels))
    poly = ExportOptions(with_images=False, segmentation="polygons", overwrite=True)
    timed(f"[{tag}] COCO polygons", lambda: export_coco(project, out / f"{tag}-poly", poly))
    yolo = out / f"{tag}-yolo"
    timed(f"[{tag}] YOLO seg, labels only", lambda: export_yolo(project, yolo, labels))
    if image_frames > 0:
        n = min(frames, image_frames)
        opts = ExportOptions(frames=((0, n - 1),), overwrite=True)
        timed(
            f"[{tag}] YOLO seg, labels + JPEG frames",
            lambda: export_yolo(project, out / f"{tag}-yolo-img", opts, Frames),
            scale=frames / n,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=10_000)
    ap.add_argument("--image-frames", type=int, default=1000, help="frames to write images for")
    ap.add_argument("--sqlite", action="store_true", help="also time a SQLite-backed project")
    ap.add_argument("--out", help="output folder (default: a temporary one)")
    args = ap.parse_args()
    print(f"{args.frames} frames x {TRACKS} tracks at {W}x{H}; cv2 threads {cv2.getNumThreads()}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        t0 = time.perf_counter()
        project = build_project(args.frames, Project())
        print(f"built in-memory project in {time.perf_counter() - t0:.1f} s")
        run_suite(project, args.frames, args.image_frames, "memory", out)
        if args.sqlite:
            from annotator.io.store import create_project

            t0 = time.perf_counter()
            with create_project(out / "bench.annot") as sq:
                build_project(args.frames, sq)
                print(f"built SQLite project in {time.perf_counter() - t0:.1f} s")
            from annotator.io.store import open_project

            with open_project(out / "bench.annot") as sq:
                run_suite(sq, args.frames, 0, "sqlite", out)


if __name__ == "__main__":
    main()
