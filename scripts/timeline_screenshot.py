"""The README's picture of the window mid-propagation, lanes visible: `python
scripts/timeline_screenshot.py` writes docs/timeline.png.

Offscreen, on a seeded random tiny SAM2 at 256 px (../shared/parity/make_checkpoint.py, so no
download; its masks are noisy) over frames 0-40 of ../shared/data/videos/bedroom.mp4 at a
third of their size: an object clicked on frame 0, one boxed on frame 10, the first marked
absent on frames 24-27, a hand-edited frame, then a forward run, shot while it goes.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the window's defaults, not the settings (opacity, colours, layout) of whoever runs this
os.environ["ANNOTATOR_CONFIG"] = tempfile.mkdtemp(prefix="annotator-shot-config-")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
FRAMES, SCALE = 41, 3


def wait(done: Callable[[], object], seconds: float = 300) -> None:
    """Run the event loop until `done()` holds (or give up after `seconds`)."""
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    poll.start(50)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    poll.stop()


def main() -> None:
    from annotator.domain import Provenance, SetMask
    from annotator.domain.absence import MarkAbsent
    from annotator.io.store import create_project
    from annotator.service import EngineService
    from annotator.ui.engine_bridge import EngineBridge
    from annotator.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    spec = importlib.util.spec_from_file_location("mk", SHARED / "parity" / "make_checkpoint.py")
    assert spec is not None and spec.loader is not None
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    cap = cv2.VideoCapture(str(SHARED / "data" / "videos" / "bedroom.mp4"))
    frames = []
    for _ in range(FRAMES):
        ok, bgr = cap.read()
        if not ok:
            raise SystemExit("cannot read bedroom.mp4")
        small = cv2.resize(bgr, (960 // SCALE, 540 // SCALE), interpolation=cv2.INTER_AREA)
        frames.append(np.ascontiguousarray(small[:, :, ::-1]))
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "tiny.pt"
        torch.save({"model": maker.make_state_dict("sam2.1_hiera_tiny", 0, 3.0)}, checkpoint)
        engine = EngineService(num_threads=2)
        project = create_project(Path(tmp) / "bedroom.annotator")
        win = MainWindow(
            frames, "annotator — bedroom.mp4", project=project, bridge=EngineBridge(engine)
        )
        win.resize(1280, 820)
        win.show()
        # loaded through the window, so its status bar names the model (not "No model")
        win.controller.start_engine(frames, str(checkpoint), 256)
        wait(lambda: win.controller.engine_ready)

        def at(x: float, y: float) -> QPoint:
            return win.canvas.frame_to_widget(x / SCALE, y / SCALE).toPoint()

        video = win.document.video_id
        QTest.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=at(530, 300))
        girl = win.controller.active_track
        assert girl is not None
        wait(lambda: project.mask(video, 0, girl) is not None)
        win.show_frame(10)
        win.registry["new_object"].trigger()
        boy = win.controller.active_track
        assert boy is not None
        start, end = at(210, 190), at(390, 530)
        QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, pos=start)
        QTest.mouseMove(win.canvas, end)
        QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, pos=end)
        wait(lambda: project.mask(video, 10, boy) is not None)
        win.controller.execute(MarkAbsent(video, girl, 24, 27))
        first = project.mask(video, 0, girl)
        assert first is not None
        win.controller.execute(SetMask(video, 32, girl, first.mask, Provenance.EDITED))
        win.controller.set_active(girl)
        win.show_frame(0)
        win.registry["propagate_forward"].trigger()
        wait(lambda: len(project.frames_with_masks(video, girl)) >= 18)
        win.show_frame(14)
        wait(lambda: win.shown_exact, 30)
        win.timeline.zoom(1.0)
        for _ in range(5):
            app.processEvents()
        out = REPO / "docs" / "timeline.png"
        if not win.grab().save(str(out)):
            raise SystemExit(f"could not write {out}")
        win.registry["cancel_propagation"].trigger()
        wait(lambda: not win.propagation.running)
        win.shutdown()
        engine.shutdown(60)
        project.close()
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
