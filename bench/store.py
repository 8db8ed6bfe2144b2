"""Benchmark of the SQLite project store on a long 720p video.

Writes N frames x T tracks of realistic masks (moving, wobbly ellipses with holes, encoded
as COCO RLE) through a propagation batch, one committed transaction per frame, exactly as
a propagation run does; then reads random frames back, reopens the file, and undoes the
whole run. Prints throughput, latencies and file size.

    python bench/store.py                 # 10,000 frames x 5 tracks (targets below)
    python bench/store.py --frames 500    # a short run

Targets: >= 2,000 mask writes/s, frame read <= 2 ms p95, reopen <= 1 s.
The masks of each track cycle through a pool of distinct poses (`--poses`) so that
generating them does not dominate the run; every stored row is a real 720p RLE.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotator.domain import AddTrack, AddVideo, FrameMask, History, Mask, Project  # noqa: E402
from annotator.io.store import create_project, open_project  # noqa: E402

H, W = 720, 1280


def blob(cx: float, cy: float, rx: float, ry: float, phase: float) -> Mask:
    """A wobbly ellipse with an off-centre hole, drawn in its bounding box only."""
    x0, x1 = int(max(0, cx - rx * 1.3)), int(min(W, cx + rx * 1.3))
    y0, y1 = int(max(0, cy - ry * 1.3)), int(min(H, cy + ry * 1.3))
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    ang = np.arctan2(yy - cy, xx - cx)
    wobble = 1.0 + 0.12 * np.sin(5 * ang + phase) + 0.05 * np.sin(11 * ang - 2 * phase)
    d = np.sqrt(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)
    hole = np.sqrt(((xx - cx - rx * 0.2) / (rx * 0.3)) ** 2 + ((yy - cy) / (ry * 0.25)) ** 2)
    full = np.zeros((H, W), dtype=bool)
    full[y0:y1, x0:x1] = (d <= wobble) & (hole > 1.0)
    return Mask.from_array(full)


def make_pool(tracks: int, poses: int, seed: int) -> list[list[Mask]]:
    rng = random.Random(seed)
    pool = []
    for _ in range(tracks):
        cx, cy = rng.uniform(200, 1080), rng.uniform(150, 570)
        rx, ry = rng.uniform(60, 180), rng.uniform(50, 140)
        vx, vy = rng.uniform(-3, 3), rng.uniform(-2, 2)
        pool.append(
            [
                blob(cx + vx * i * 4 % 300, cy + vy * i * 4 % 200, rx, ry, i * 0.4)
                for i in range(poses)
            ]
        )
    return pool


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--frames", type=int, default=10_000)
    ap.add_argument("--tracks", type=int, default=5)
    ap.add_argument("--poses", type=int, default=48, help="distinct masks per track")
    ap.add_argument("--reads", type=int, default=2_000, help="random frame reads to time")
    ap.add_argument("--dir", type=Path, default=None, help="where to write (default: a temp dir)")
    ap.add_argument("--no-undo", action="store_true", help="skip timing the undo of the run")
    args = ap.parse_args()

    folder = args.dir or Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.annotator"
    t0 = time.perf_counter()
    pool = make_pool(args.tracks, args.poses, seed=7)
    sizes = [len(m.counts) for poses in pool for m in poses]
    print(f"masks: {args.tracks} tracks x {args.poses} poses of {W}x{H}, "
          f"RLE {min(sizes)}-{max(sizes)} B (mean {statistics.mean(sizes):.0f} B), "
          f"area {statistics.mean(m.area for p in pool for m in p):.0f} px; "
          f"made in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    project = create_project(path, overwrite=True)
    history = History(project)
    vid = history.execute(AddVideo("bench.mp4", "bench", 30.0, W, H, args.frames)).video_id
    tracks = [history.execute(AddTrack(vid)).track_id for _ in range(args.tracks)]

    frame_times = []
    t_start = time.perf_counter()
    with history.begin_batch("Propagate") as batch:
        for f in range(args.frames):
            records = [
                FrameMask(vid, f, t, pool[i][f % args.poses], score=1.5)
                for i, t in enumerate(tracks)
            ]
            t1 = time.perf_counter()
            batch.add_frame(records)
            frame_times.append(time.perf_counter() - t1)
    write_s = time.perf_counter() - t_start
    n_masks = args.frames * args.tracks
    p50, p95 = pct(frame_times, 50) * 1e3, pct(frame_times, 95) * 1e3
    print(f"write: {n_masks} masks in {write_s:.2f} s = {n_masks / write_s:,.0f} mask writes/s "
          f"({args.frames / write_s:,.0f} frames/s; per-frame commit p50 {p50:.2f} ms, "
          f"p95 {p95:.2f} ms)")  # fmt: skip

    def time_reads(p: Project, label: str) -> None:
        rng = random.Random(1)
        lat: list[float] = []
        decode: list[float] = []
        for _ in range(args.reads):
            f = rng.randrange(args.frames)
            t1 = time.perf_counter()
            recs = p.frame_masks(vid, f)
            lat.append(time.perf_counter() - t1)
            assert len(recs) == args.tracks
            if len(decode) < 200:
                t2 = time.perf_counter()
                for r in recs:
                    r.mask.to_array()
                decode.append(time.perf_counter() - t2)
        print(f"read ({label}): frame's {args.tracks} masks p50 {pct(lat, 50) * 1e3:.3f} ms, "
              f"p95 {pct(lat, 95) * 1e3:.3f} ms, max {max(lat) * 1e3:.3f} ms "
              f"(+ decoding them to arrays: p50 {pct(decode, 50) * 1e3:.2f} ms)")  # fmt: skip

    time_reads(project, "open project")
    project.close()

    size = path.stat().st_size
    print(f"file: {size / 1e6:.1f} MB ({size / n_masks:.0f} B per mask)")

    t1 = time.perf_counter()
    reopened = open_project(path)
    reopen_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    first = reopened.frame_masks(vid, args.frames // 2)
    first_s = time.perf_counter() - t2
    assert len(first) == args.tracks
    print(f"reopen: {reopen_s * 1e3:.0f} ms (validation incl. quick_check, lock, metadata); "
          f"first frame read {first_s * 1e3:.2f} ms")  # fmt: skip
    time_reads(reopened, "after reopen")

    if not args.no_undo:
        history2 = History(reopened)
        with history2.begin_batch("Re-propagate") as batch2:
            t1 = time.perf_counter()
            for f in range(args.frames):
                batch2.add_frame(
                    [FrameMask(vid, f, t, pool[i][(f + 1) % args.poses], score=2.0)
                     for i, t in enumerate(tracks)]
                )  # fmt: skip
            rewrite_s = time.perf_counter() - t1
        print(f"re-propagate over existing masks: {n_masks / rewrite_s:,.0f} mask writes/s; "
              f"undo memory {history2.bytes_used / 1e6:.1f} MB")  # fmt: skip
        t1 = time.perf_counter()
        history2.undo()
        print(f"undo of the whole run ({n_masks} masks, one transaction): "
              f"{time.perf_counter() - t1:.2f} s")  # fmt: skip
    reopened.close()
    if args.dir is None:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
