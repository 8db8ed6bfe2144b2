"""Benchmark of `annotator batch propagate` with 1 and more local workers on this machine.

Makes --videos projects over bedroom.mp4, each with one object clicked on frame 0, and
tracks --frames frames of each with the tiny model (a seeded checkpoint unless --model),
once per worker count, from fresh copies. Prints wall time, process CPU time (the workers'
included) and frames/s per worker count, and the wall-time ratio against one worker. The
cores are split between the workers (torch threads = cores / workers). Quick run:

    python bench/batch.py --videos 4 --frames 4 --image-size 512 --workers 1 2

Worker start-up (a spawned interpreter importing torch and loading the model) is part of
the wall time, as it is for a user; --frames sets how much tracking it is amortised over.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from annotator.cli import main
from annotator.domain import AddTrack, History, Mask, Prompt, Provenance, SetMask
from annotator.io.media import create_project_with_media

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
VIDEO = SHARED / "data" / "videos" / "bedroom.mp4"
CLICK = (400.0, 220.0)  # an object on frame 0 of bedroom.mp4 (960x540), as bench/propagate.py


def seeded_checkpoint(folder: Path) -> Path:
    """The tiny model with ../shared/parity/make_checkpoint.py's seeded weights."""
    import torch

    spec = importlib.util.spec_from_file_location("mk", SHARED / "parity" / "make_checkpoint.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = folder / "tiny_seeded.pt"
    torch.save({"model": module.make_state_dict("sam2.1_hiera_tiny", 0, 3.0)}, path)
    return path


def make_project(path: Path) -> None:
    """A project over bedroom.mp4 with one object clicked on frame 0 (a small blob mask)."""
    project, added = create_project_with_media(path, [VIDEO])
    with project:
        history = History(project)
        video = project.video(added[0].video_id)
        track = history.execute(AddTrack(video.id)).track_id
        blob = np.zeros((video.height, video.width), bool)
        x, y = int(CLICK[0]), int(CLICK[1])
        blob[y - 30 : y + 30, x - 30 : x + 30] = True
        prompt = Prompt(points=(CLICK,), labels=(1,))
        mask = Mask.from_array(blob)
        history.execute(SetMask(video.id, 0, track, mask, Provenance.PROMPTED, 2.0, prompt))


def cpu_seconds() -> float:
    """User + system CPU time of this process and its reaped children (the workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--frames", type=int, default=4, help="frames tracked per video")
    parser.add_argument("--image-size", type=int, default=512)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", help="checkpoint or model name (default: seeded tiny)")
    parser.add_argument("--exact", action="store_true", help="float32 instead of the default")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = args.model or str(seeded_checkpoint(folder))
        originals = []
        for i in range(args.videos):
            originals.append(folder / f"p{i}.annotator")
            make_project(originals[-1])
        walls: dict[int, float] = {}
        for workers in args.workers:
            run_dir = folder / f"w{workers}"
            run_dir.mkdir()
            paths = [shutil.copy(p, run_dir / p.name) for p in originals]
            command = ["batch", "propagate", *map(str, paths), "--model", model]
            command += ["--image-size", str(args.image_size), "--frames", str(args.frames - 1)]
            command += ["--direction", "forward", "--workers", str(workers)]
            command += ["--exact"] if args.exact else []
            cpu0, t0 = cpu_seconds(), time.perf_counter()
            code = main(command)
            wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
            if code != 0:
                raise SystemExit(f"the batch with {workers} workers failed (exit {code})")
            walls[workers] = wall
            frames = args.videos * args.frames
            print(
                f"RESULT workers={workers} threads/worker={max(1, cores // workers)} "
                f"wall={wall:.1f}s cpu={cpu:.1f}s frames={frames} fps={frames / wall:.3f} "
                f"wall_ratio_vs_first={walls[args.workers[0]] / wall:.2f}"
            )


if __name__ == "__main__":
    main_bench()
