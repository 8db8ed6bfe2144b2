"""Brush latency on a 1920x1080 mask: the time from a mouse sample to its pixels on screen.

An offscreen canvas (1280x720 widget) shows a 1920x1080 frame with three objects' masks; a
brush stroke of circular samples runs through the real tool. Each sample is timed from the
mouse-move event to the end of the paint it causes (the disc painted into the working mask,
the touched widget pixels re-rendered, that part of the widget painted). Printed: p50/p95/max per
sample at fit, at 4x zoom, and for the eraser; the command applying the finished stroke to
the stored RLE; and for scale, a pan step (the whole view re-rendered) on a 3840x2160 frame.
Target: p95 <= 16 ms per brush sample.

    python bench/brush.py
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.domain import AddTrack, AddVideo, History, Mask, Project, Provenance, SetMask  # noqa: E402
from annotator.domain.edit_commands import EditMask  # noqa: E402
from annotator.ui.canvas import AnnotationCanvas  # noqa: E402

W, H = 1920, 1080


def masks() -> list[tuple[int, np.ndarray, tuple[int, int, int]]]:
    """Three objects: two discs and a large rectangle, as bool (H, W)."""
    ys, xs = np.mgrid[0:H, 0:W]
    a = (xs - 600) ** 2 + (ys - 500) ** 2 < 300**2
    b = (xs - 1300) ** 2 + (ys - 600) ** 2 < 250**2
    c = np.zeros((H, W), bool)
    c[100:1000, 200:1700] = True
    return [(1, c, (0, 130, 200)), (2, b, (60, 180, 75)), (3, a, (230, 25, 75))]


def send(canvas: AnnotationCanvas, kind: QEvent.Type, x: float, y: float, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    pos = QPointF(x, y)
    event = QMouseEvent(kind, pos, canvas.mapToGlobal(pos), button, buttons,
                        Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(canvas, event)


def stroke(canvas: AnnotationCanvas, samples: int, radius_px: float) -> list[float]:
    """One stroke of `samples` mouse moves on a circle; ms per sample (move + repaint)."""
    cx, cy = canvas.width() / 2, canvas.height() / 2
    left = Qt.MouseButton.LeftButton
    send(canvas, QEvent.Type.MouseButtonPress, cx + radius_px, cy, left)
    canvas.repaint()
    times = []
    for i in range(1, samples + 1):
        angle = 2 * math.pi * i / samples
        x, y = cx + radius_px * math.cos(angle), cy + radius_px * math.sin(angle)
        t0 = time.perf_counter()
        send(canvas, QEvent.Type.MouseMove, x, y, left)
        QApplication.processEvents()  # the update of the touched rectangle is painted
        times.append((time.perf_counter() - t0) * 1000)
    send(canvas, QEvent.Type.MouseButtonRelease, cx + radius_px, cy, Qt.MouseButton.NoButton)
    return times


def report(label: str, times: list[float], target_ms: float | None = 16.0) -> None:
    p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
    line = f"{label:<34} p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  max {max(times):5.1f} ms"
    if target_ms is not None:
        line += "  (ok)" if p95 <= target_ms else f"  (OVER the {target_ms:g} ms target)"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="mouse samples per stroke")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    canvas = AnnotationCanvas()
    canvas.resize(1280, 720)
    canvas.set_frame(np.full((H, W, 3), 90, np.uint8))
    canvas.show()
    app.processEvents()
    edits: list = []
    canvas.maskEdited.connect(edits.append)
    layers = masks()
    print(f"{W}x{H} frame, 3 masks, widget {canvas.width()}x{canvas.height()}, "
          f"{args.samples} samples per stroke, brush radius 20 px")  # fmt: skip
    for label, tool, zoom in [
        ("brush at fit", "brush", 1.0),
        ("brush at 4x zoom", "brush", 4.0),
        ("eraser at fit", "eraser", 1.0),
    ]:
        canvas.set_masks(layers, 3)
        canvas.fit()
        canvas.zoom_at(zoom)
        canvas.set_tool(tool)
        canvas.set_brush_radius(20.0)
        canvas.repaint()
        report(label, stroke(canvas, args.samples, 200.0 if zoom == 1.0 else 150.0))
    project = Project()
    history = History(project)
    vid = history.execute(AddVideo("clip.mp4", "fp", 25, W, H, 1)).video_id
    tid = history.execute(AddTrack(vid)).track_id
    history.execute(SetMask(vid, 0, tid, Mask.from_array(layers[2][1]), Provenance.PROMPTED))
    t0 = time.perf_counter()
    history.execute(EditMask(vid, 0, tid, edits[0]))
    print(f"{'finished stroke -> stored RLE':<34} {(time.perf_counter() - t0) * 1000:5.1f} ms "
          f"(one command, {len(edits[0].points)} samples)")  # fmt: skip
    pan_repaint(canvas)
    canvas.close()


def pan_repaint(canvas: AnnotationCanvas, steps: int = 40) -> None:
    """A 3840x2160 frame with its masks: every pan step re-renders the whole view."""
    big_w, big_h = 3840, 2160
    ys, xs = np.mgrid[0:big_h, 0:big_w]
    blob = (xs - 1900) ** 2 + (ys - 1000) ** 2 < 700**2
    rect = np.zeros((big_h, big_w), bool)
    rect[300:1900, 500:3300] = True
    canvas.set_frame_size(big_w, big_h)
    canvas.set_frame(np.full((big_h, big_w, 3), 90, np.uint8))
    canvas.set_masks([(1, rect, (0, 130, 200)), (2, blob, (230, 25, 75))], 2)
    for label, zoom in [("4K view pan at fit", 1.0), ("4K view pan at 4x zoom", 4.0)]:
        canvas.fit()
        canvas.zoom_at(zoom)
        QApplication.processEvents()
        times = []
        for i in range(steps):
            t0 = time.perf_counter()
            canvas.pan_by(3.0 if i % 2 else -3.0, 2.0)
            QApplication.processEvents()
            times.append((time.perf_counter() - t0) * 1000)
        report(label, times, None)


if __name__ == "__main__":
    main()
