"""Timeline responsiveness on a long project: a 10,000-frame, 20-object project file (SQLite,
the real store) rendered in the real timeline widget offscreen, scrubbed frame by frame and in
jumps, zoomed, and updated while a simulated propagation writes frames.

The lanes come through the window's LanesPresenter (read from the index at open, refined
mask by mask in the background, re-read where frames change). Prints the time to open the
lanes, the cost of a lane repaint, and the GUI event loop's stalls (lateness of a 5 ms
heartbeat QTimer) p50/p99/max while refining, scrubbing, zooming and while a propagation's
frames stream in. Target: p99 <= 50 ms.

    python bench/timeline.py             # 10,000 frames, 20 objects
    python bench/timeline.py --quick     # 2,000 frames, 5 objects
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.domain import (  # noqa: E402
    AddTrack,
    AddVideo,
    FrameMask,
    History,
    Mask,
    Project,
    Provenance,
)
from annotator.domain.absence import MarkAbsent  # noqa: E402
from annotator.io.store import create_project  # noqa: E402
from annotator.ui.presenters.lanes import LanesPresenter  # noqa: E402
from annotator.ui.project_events import ProjectEvents  # noqa: E402
from annotator.ui.widgets.timeline import Timeline  # noqa: E402

H, W = 90, 160
HEARTBEAT_MS = 5


def build(project: Project, frames: int, objects: int, seed: int = 0) -> tuple[int, list[int]]:
    """A video with `objects` tracks propagated over most frames, keyframes every ~500,
    hand edits, absent spans and score noise with a few drops."""
    rng = np.random.default_rng(seed)
    h = History(project)
    vid = h.execute(AddVideo("long.mp4", "fp", 30.0, W, H, frames)).video_id
    tracks = [h.execute(AddTrack(vid)).track_id for _ in range(objects)]
    masks = []
    for k in range(4):
        a = np.zeros((H, W), bool)
        a[10 + 5 * k : 50 + 5 * k, 20 : 60 + 10 * k] = True
        masks.append(Mask.from_array(a))
    with project.transaction(bulk=True):
        for i, tid in enumerate(tracks):
            first = int(rng.integers(0, frames // 10))
            records = []
            for f in range(first, frames):
                prov = Provenance.PROPAGATED
                if (f - first) % 500 == 0:
                    prov = Provenance.PROMPTED
                elif f % 777 == i:
                    prov = Provenance.EDITED
                score = float(rng.normal(6.0, 1.0)) if f % 997 else -3.0
                records.append(FrameMask(vid, f, tid, masks[(f // 300) % 4], prov, score))
            project.put_masks(records, bulk=True)
    for tid in tracks:
        gone = int(rng.integers(0, frames - 60))
        h.execute(MarkAbsent(vid, tid, gone, gone + 40))
    return vid, tracks


def stalls(work: Sequence[Callable[[], None]], per_step_ms: int) -> list[float]:
    """Run `work` (callables) one per `per_step_ms` tick; the heartbeat's lateness, in ms."""
    late: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat() -> None:
        now = clock.elapsed()
        late.append(max(0.0, now - last[0] - HEARTBEAT_MS))
        last[0] = now

    heart = QTimer()
    heart.setInterval(HEARTBEAT_MS)
    heart.timeout.connect(beat)
    steps = iter(work)
    loop = QEventLoop()

    def step() -> None:
        try:
            next(steps)()
        except StopIteration:
            loop.quit()

    driver = QTimer()
    driver.setInterval(per_step_ms)
    driver.timeout.connect(step)
    heart.start()
    driver.start()
    loop.exec()
    heart.stop()
    driver.stop()
    return late


def report(name: str, late: list[float]) -> None:
    v = np.asarray(late or [0.0])
    print(
        f"{name:<34} stalls p50 {np.percentile(v, 50):5.1f} ms  p99 {np.percentile(v, 99):5.1f} ms"
        f"  max {v.max():5.1f} ms  ({len(late)} beats)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--frames", type=int, default=10_000)
    ap.add_argument("--objects", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="2,000 frames, 5 objects")
    args = ap.parse_args()
    frames, objects = (2000, 5) if args.quick else (args.frames, args.objects)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        project = create_project(Path(tmp) / "long.annotator")
        vid, tracks = build(project, frames, objects)
        print(
            f"project: {frames} frames x {objects} objects, {project.count_masks()} masks, "
            f"built in {time.perf_counter() - t0:.1f} s"
        )
        timeline = Timeline(frames, fps=30.0)
        timeline.resize(1600, 200)
        events = ProjectEvents(project)
        t0 = time.perf_counter()
        lanes = LanesPresenter(project, vid, timeline, events)
        print(f"lanes from the index at open: {time.perf_counter() - t0:.2f} s")
        timeline.show()
        app.processEvents()
        t0 = time.perf_counter()
        for _ in range(10):
            timeline.set_lanes(timeline.lanes)
            timeline.repaint()
        print(f"full repaint of the lanes: {(time.perf_counter() - t0) * 100:.1f} ms")
        t0 = time.perf_counter()
        for f in range(200):
            timeline.set_current(f)
            timeline.repaint()
        print(f"playhead move + repaint: {(time.perf_counter() - t0) * 5:.2f} ms")
        idle: list[Callable[[], None]] = [lambda: None] * 200  # 3.2 s of refining alone
        report("refining lanes read from the index", stalls(idle, 16))

        scrub = [partial(timeline.set_current, f) for f in range(0, min(frames, 600))]
        report("scrub frame by frame (60/s)", stalls(scrub, 16))
        rng = np.random.default_rng(1)
        jumps = [partial(timeline.set_current, int(f)) for f in rng.integers(0, frames, 300)]
        report("scrub in jumps (60/s)", stalls(jumps, 16))
        zooms = [partial(timeline.zoom, 1.25 if z < 20 else 0.8) for z in range(40)]
        report("zoom in and out at the playhead", stalls(zooms, 16))

        batch = History(project).begin_batch("Propagate")
        moved = Mask.from_array(np.pad(np.ones((30, 30), bool), ((5, H - 35), (70, W - 100))))

        def write(f: int) -> None:  # a propagation's frame, as the window writes it
            batch.add_tracked_frame(vid, f, {t: (moved, 5.0) for t in tracks})
            timeline.set_current(f)

        streaming = [partial(write, f) for f in range(frames // 2, frames // 2 + 120)]
        report("frames streaming in (every 80 ms)", stalls(streaming, 80))
        batch.close()
        lanes.close()
        events.close()
        project.close()


if __name__ == "__main__":
    main()
