"""Long sessions run as their own process by test_long_session.py: an affected Qt build aborts
the whole interpreter ("none_dealloc"), which must fail one test, not take pytest with it.

`python -m tests.ui.scrub_session window STEPS`: a real window stepped through STEPS frame
changes, each painted; `python -m tests.ui.scrub_session calls N`: N calls of Qt methods that
return nothing in a bare QApplication. Both print how far the reference count of None fell.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from annotator.domain import AddTrack, History, Project, Provenance, SetMask  # noqa: E402
from annotator.domain.mask import Mask  # noqa: E402
from annotator.ui.main_window import MainWindow  # noqa: E402
from annotator.ui.project_setup import ensure_video  # noqa: E402
from tests.ui.conftest import moving_square_frames  # noqa: E402

NUM_FRAMES = 40


def void_calls(count: int) -> int:
    """Drop of None's reference count over `count` rounds of setText, update and drawLine."""
    label = QLabel()
    image = QImage(32, 32, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for i in range(count):
        label.setText(str(i % 10))
        label.update()
        painter.drawLine(QPointF(0, 0), QPointF(31, i % 32))
    drop = before - sys.getrefcount(None)
    painter.end()
    return drop


def scrub_window(steps: int) -> int:
    """Drop of None's reference count over `steps` frame changes of a window with masks."""
    app = QApplication.instance()
    frames = moving_square_frames(NUM_FRAMES)
    project = Project()
    history = History(project)
    video_id = ensure_video(project, frames)
    track_id = history.execute(AddTrack(video_id, name="block")).track_id
    for index in range(0, NUM_FRAMES, 2):  # masks to overlay on every other frame
        bitmap = (frames[index][:, :, 0] > 100).astype("uint8")
        mask = Mask.from_array(bitmap)
        history.execute(SetMask(video_id, index, track_id, mask, Provenance.PROPAGATED))
    window = MainWindow(frames, project=project, video_id=video_id, history=history)
    window.resize(640, 480)
    window.show()
    app.processEvents()
    before = sys.getrefcount(None)
    for step in range(steps):
        # a scrub that sweeps back and forth, so every step is a real frame change
        cycle = step % (2 * (NUM_FRAMES - 1))
        index = cycle if cycle < NUM_FRAMES else 2 * (NUM_FRAMES - 1) - cycle
        window.show_frame(index)
        app.processEvents()
        window.canvas.repaint()
    drop = before - sys.getrefcount(None)
    window.shutdown()
    return drop


def main(argv: list[str]) -> int:
    mode, count = argv[0], int(argv[1])
    app = QApplication.instance() or QApplication([])
    drop = void_calls(count) if mode == "calls" else scrub_window(count)
    print(f"{mode}={count} none_refcount_drop={drop}")
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
