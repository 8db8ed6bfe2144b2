"""Click -> mask latency and GUI responsiveness during propagation, through the real service.

Tiny model (seeded checkpoint from ../shared/parity/make_checkpoint.py) on 1280x720 frames of
../shared/data/videos/01_dog.mp4, driven from an offscreen QApplication through EngineBridge,
so latencies are what the GUI thread sees (submit -> signal delivered on the GUI thread).

Prints: click -> overlay painted in the real annotation window (canvas click to the paint
that shows its mask, pre-encoded frame; target <= 100 ms p50);
click -> mask p50/p95 on pre-encoded frames and on frames not yet encoded;
propagation frames/s; the GUI event loop's lateness (a 10 ms QTimer) p50/p99/max while
propagating, and idle for reference. Targets: <= 60 ms p50 pre-encoded click; <= 50 ms p99
GUI stall during propagation.

    python bench/latency.py            # full run (several minutes on 2 cores)
    python bench/latency.py --quick    # a short run
    python bench/latency.py --window-only --image-size 1024   # only the window's figure
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.domain import Project  # noqa: E402
from annotator.service import Direction, EngineService  # noqa: E402
from annotator.ui.engine_bridge import EngineBridge  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
MODEL = "sam2.1_hiera_tiny"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else float("nan")


def read_frames(path: Path, count: int) -> list[np.ndarray]:
    """The first `count` frames of a video, RGB uint8, decoded sequentially."""
    cap = cv2.VideoCapture(str(path))
    frames: list[np.ndarray] = []
    while len(frames) < count:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(np.ascontiguousarray(bgr[:, :, ::-1]))
    cap.release()
    if not frames:
        sys.exit(f"cannot read frames from {path}")
    return frames


def write_checkpoint(folder: Path) -> Path:
    """The seeded tiny checkpoint that make_checkpoint.py writes (seed 0)."""
    import torch

    spec = importlib.util.spec_from_file_location(
        "make_checkpoint", SHARED / "parity" / "make_checkpoint.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = folder / f"{MODEL}.pt"
    torch.save({"model": module.make_state_dict(MODEL, 0)}, path)
    return path


class GuiClock:
    """A 10 ms QTimer on the GUI thread recording how late each tick fires (seconds)."""

    def __init__(self, interval_ms: int = 10) -> None:
        self.interval = interval_ms / 1000
        self.lateness: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.lateness.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> list[float]:
        self._timer.stop()
        return list(self.lateness)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, now - self._last - self.interval))
        self._last = now


def wait_signal(signal: Any, timeout_s: float = 600) -> Any:
    """Run the GUI event loop until `signal` fires; returns its argument."""
    loop = QEventLoop()
    got: list[object] = []

    def on(value: object) -> None:
        got.append(value)
        loop.quit()

    signal.connect(on)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(on)
    if not got:
        sys.exit(f"timed out after {timeout_s} s waiting for a signal")
    return got[0]


def click_latency(
    bridge: EngineBridge, frame: int, obj: int, xy: tuple[float, float]
) -> tuple[float, float, float]:
    """(seconds from submitting a click on the GUI thread to its mask arriving there,
    engine wall seconds, engine-thread CPU seconds)."""
    t0 = time.perf_counter()
    bridge.service.add_points(frame, obj, [xy], [1])
    result = wait_signal(bridge.maskReady)
    assert result.frame == frame
    return time.perf_counter() - t0, result.seconds, result.cpu_seconds


def wait_until(condition: Any, timeout_s: float = 600) -> None:
    """Run the event loop until `condition()` holds, checked every millisecond. The loop
    sleeps between checks, as a user's idle window does: a spinning processEvents() would
    take one of the cores the engine decodes the click on."""
    if condition():
        return
    loop, poll = QEventLoop(), QTimer()
    deadline = time.perf_counter() + timeout_s

    def check() -> None:
        if condition() or time.perf_counter() > deadline:
            loop.quit()

    poll.timeout.connect(check)
    poll.start(1)
    loop.exec()
    poll.stop()
    if not condition():
        sys.exit(f"timed out after {timeout_s} s")


def window_click_latency(
    service: EngineService, frames: list[np.ndarray], clicks: int, fast: bool
) -> list[float]:
    """Seconds from a click on the real window's canvas (frame 0, pre-encoded) to the paint
    that shows its mask (stored, given to the canvas, painted); every third click starts a
    new object."""
    from annotator.ui.main_window import MainWindow

    window = MainWindow(frames, project=Project(), bridge=EngineBridge(service))
    window.resize(1280, 800)
    window.show()
    ctl = window.controller
    ctl.start_engine(frames, fast=fast)
    wait_until(lambda: ctl.engine_ready and window.shown_exact)
    service.encode_frame(0, ahead=0).result(600)
    h, w = frames[0].shape[:2]
    rng = np.random.default_rng(1)
    seconds = []
    for i in range(clicks):
        if i % 3 == 0:
            ctl.add_object()
        track = ctl.active_track
        expected = i % 3 + 1
        xy = window.canvas.frame_to_widget(rng.uniform(0, w - 1), rng.uniform(0, h - 1))
        t0 = time.perf_counter()
        QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=xy.toPoint())

        def shown(track: Any = track, expected: int = expected) -> bool:
            """The click's answer is stored and handed to the canvas."""
            record = ctl.project.mask(ctl.video_id, 0, track)
            if not (record and record.prompt and len(record.prompt.points) == expected):
                return False
            layer = next((la for la in window.canvas.masks.layers if la.track_id == track), None)
            return layer is not None and int(layer.mask.sum()) == record.mask.area

        wait_until(shown)
        window.canvas.repaint()  # the paint that shows it (an update() would come next)
        seconds.append(time.perf_counter() - t0)
    window.shutdown()
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, default=SHARED / "data" / "videos" / "01_dog.mp4")
    ap.add_argument("--checkpoint", type=Path, help="default: the seeded tiny checkpoint")
    ap.add_argument("--image-size", type=int, default=1024, help="model input size")
    ap.add_argument("--threads", type=int, help="engine torch threads (default cores - 1)")
    ap.add_argument("--click-threads", type=int, help="threads for a click's decode")
    ap.add_argument("--fast", action="store_true", help="bfloat16 fast mode where supported")
    ap.add_argument("--encoded-frames", type=int, help="frames pre-encoded (4; quick 2)")
    ap.add_argument("--warm-clicks", type=int, help="clicks on pre-encoded frames (30; quick 10)")
    ap.add_argument("--cold-clicks", type=int, help="clicks on frames not encoded (3; quick 1)")
    ap.add_argument("--propagate", type=int, help="frames to propagate past the start (12; 4)")
    ap.add_argument("--window-clicks", type=int, help="clicks in the real window (10; quick 5)")
    ap.add_argument("--window-only", action="store_true", help="only the window's figure")
    ap.add_argument("--quick", action="store_true", help="the smaller counts above")
    args = ap.parse_args()
    defaults = (2, 10, 1, 4, 5) if args.quick else (4, 30, 3, 12, 10)
    names = ("encoded_frames", "warm_clicks", "cold_clicks", "propagate", "window_clicks")
    for name, value in zip(names, defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, value)
    need = max(args.encoded_frames + args.cold_clicks, args.propagate + 1)

    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841
    frames = read_frames(args.video, need)
    h, w = frames[0].shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = args.checkpoint or write_checkpoint(Path(tmp))
        service = EngineService(num_threads=args.threads, click_threads=args.click_threads)
        bridge = EngineBridge(service)
        errors: list[object] = []
        bridge.engineError.connect(errors.append)
        try:
            service.load_model(checkpoint, image_size=args.image_size).result(600)
            service.set_video(frames, fast=args.fast).result(600)
            mode = "bf16 fast mode" if args.fast else "float32"
            print(
                f"{MODEL} (seeded) at {args.image_size}px, {mode}, "
                f"on {w}x{h} frames of {args.video.name}"
            )
            print(
                f"cores {os.cpu_count()}, engine threads {args.threads or 'cores-1'}, "
                f"click threads {args.click_threads or 'all cores'}"
            )

            # --- clicks in the real window, to the paint of their mask
            in_window = window_click_latency(service, frames, args.window_clicks, args.fast)
            print(
                f"click->overlay painted in the window  p50 {percentile(in_window, 50) * 1e3:7.1f}"
                f" ms  p95 {percentile(in_window, 95) * 1e3:7.1f} ms  (n={len(in_window)}, "
                "pre-encoded frame, target p50 <= 100 ms)"
            )
            if args.window_only:
                return 0
            service.set_video(frames, fast=args.fast).result(600)  # a fresh session again

            # --- clicks on pre-encoded frames
            t0 = time.perf_counter()
            for f in range(args.encoded_frames):
                service.encode_frame(f, ahead=0).result(600)
            enc = (time.perf_counter() - t0) / args.encoded_frames
            rng = np.random.default_rng(0)
            clock = GuiClock()
            clock.start()
            warm, warm_engine, warm_cpu = [], [], []
            for i in range(args.warm_clicks):
                f, obj = i % args.encoded_frames, 1 + i // args.encoded_frames % 3
                xy = (float(rng.uniform(0, w - 1)), float(rng.uniform(0, h - 1)))
                total, engine, cpu = click_latency(bridge, f, obj, xy)
                warm.append(total)
                warm_engine.append(engine)
                warm_cpu.append(cpu)
            during_clicks = clock.stop()
            # --- clicks on frames never encoded (encoder + decoder)
            cold = []
            for i in range(args.cold_clicks):
                f = args.encoded_frames + i
                cold.append(click_latency(bridge, f, 1, (w / 2, h / 2))[0])

            # --- propagation with the GUI clock ticking
            clock.start()
            idle_loop = QEventLoop()
            QTimer.singleShot(1000, idle_loop.quit)
            idle_loop.exec()
            idle = clock.stop()
            tracked: list[object] = []
            bridge.frameTracked.connect(tracked.append)
            clock.start()
            service.propagate(0, Direction.FORWARD, max_frames=args.propagate)
            done = wait_signal(bridge.propagationDone, 3600)
            busy = clock.stop()
        finally:
            service.shutdown(60)
            bridge.close()
    if errors:
        print("engine errors:", errors)
        return 1

    ms = 1000.0
    print(f"encode (pre-encode, per frame)      {enc * ms:8.0f} ms")
    print(
        f"click->mask pre-encoded  p50 {percentile(warm, 50) * ms:7.1f} ms  "
        f"p95 {percentile(warm, 95) * ms:7.1f} ms  (n={len(warm)}, target p50 <= 60 ms)"
    )
    hop = np.subtract(warm, warm_engine).tolist()
    print(
        f"  of which engine (decode + masks) p50 {percentile(warm_engine, 50) * ms:7.1f} ms; "
        f"service + Qt hop p50 {percentile(hop, 50) * ms:.1f} ms"
    )
    print(
        f"  engine-thread CPU per click p50 {percentile(warm_cpu, 50) * ms:7.1f} ms  "
        f"p95 {percentile(warm_cpu, 95) * ms:7.1f} ms  (~ idle-machine wall with 1 click thread)"
    )
    print(
        f"click->mask not encoded  p50 {percentile(cold, 50) * ms:7.1f} ms  "
        f"p95 {percentile(cold, 95) * ms:7.1f} ms  (n={len(cold)})"
    )
    fps = len(done.frames) / done.seconds if done.seconds else float("nan")
    n = max(1, len(done.frames))
    print(
        f"propagation {len(done.frames)} frames in {done.seconds:.1f} s: {fps:.3f} frames/s "
        f"({done.seconds / n:.2f} s/frame wall, {done.cpu_seconds / n:.2f} s/frame engine CPU; "
        "first frame is the prompt; every object clicked above is tracked)"
    )
    if tracked:
        last = tracked[-1]
        rate, eta = last.frames_per_second, last.eta_seconds  # type: ignore[attr-defined]
        print(f"  last progress event: {rate:.3f} frames/s, eta {eta:.1f} s")
    print(
        f"GUI lateness during propagation  p50 {percentile(busy, 50) * ms:6.1f} ms  "
        f"p99 {percentile(busy, 99) * ms:6.1f} ms  max {max(busy, default=0) * ms:6.1f} ms  "
        f"(n={len(busy)} ticks, target p99 <= 50 ms)"
    )
    print(
        f"GUI lateness during clicks       p50 {percentile(during_clicks, 50) * ms:6.1f} ms  "
        f"p99 {percentile(during_clicks, 99) * ms:6.1f} ms  "
        f"max {max(during_clicks, default=0) * ms:6.1f} ms"
    )
    print(
        f"GUI lateness idle                p50 {percentile(idle, 50) * ms:6.1f} ms  "
        f"p99 {percentile(idle, 99) * ms:6.1f} ms  max {max(idle, default=0) * ms:6.1f} ms"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine?)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
