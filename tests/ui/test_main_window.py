"""Smoke test of the main window offscreen: the frame is shown and the timeline changes it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from annotator.commands.gui import sample_clip_path
from annotator.io.frames import open_frames
from annotator.ui.main_window import MainWindow


def image_pixels(image: QImage) -> np.ndarray:
    """The RGB pixels of a QImage as an (H, W, 3) uint8 array."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    stride = image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * image.height())
    return raw.reshape(image.height(), stride)[:, : image.width() * 3].reshape(
        image.height(), image.width(), 3
    )


@pytest.fixture
def window(qtbot):
    frames = open_frames(sample_clip_path())
    win = MainWindow(frames)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win, frames
    frames.close()


def test_first_frame_is_shown(window, qtbot) -> None:
    win, frames = window
    qtbot.waitUntil(lambda: win.shown_exact, timeout=10_000)
    assert win.current_frame == 0
    assert win.frame_view.image is not None
    np.testing.assert_array_equal(image_pixels(win.frame_view.image), frames[0])
    assert win.frame_label.text() == f"frame 0 / {len(frames) - 1}"
    assert win.frame_view.image_rect().width() > 0


def test_timeline_changes_the_frame(window, qtbot) -> None:
    win, frames = window
    qtbot.waitUntil(lambda: win.shown_exact, timeout=10_000)
    before = image_pixels(win.frame_view.image).copy()
    win.timeline.frameRequested.emit(50)
    qtbot.waitUntil(lambda: win.shown_exact, timeout=10_000)
    np.testing.assert_array_equal(image_pixels(win.frame_view.image), frames[50])
    assert not np.array_equal(before, image_pixels(win.frame_view.image))
    assert win.frame_label.text() == f"frame 50 / {len(frames) - 1}"
    win.show_frame(len(frames) + 5)  # clamped to the last frame
    assert win.current_frame == len(frames) - 1
    qtbot.waitUntil(lambda: win.shown_exact, timeout=10_000)


def test_scrubbing_shows_the_proxy_first_then_the_exact_frame(qtbot) -> None:
    frames = open_frames(sample_clip_path(), wait=True)  # proxies made, frame cache cold
    try:
        win = MainWindow(frames)
        qtbot.addWidget(win)
        shown: list[tuple[int, bool]] = []
        win.loader.frameReady.connect(lambda i, _frame, exact: shown.append((i, exact)))
        win.show_frame(70)
        qtbot.waitUntil(lambda: win.shown_exact, timeout=10_000)
        assert shown == [(70, False), (70, True)]
        np.testing.assert_array_equal(image_pixels(win.frame_view.image), frames[70])
    finally:
        frames.close()


def test_empty_video_is_refused(qtbot) -> None:
    with pytest.raises(ValueError, match="no frames"):
        MainWindow([])


def test_the_first_start_opens_at_a_working_size(qtbot) -> None:
    from PySide6.QtCore import QSize

    from annotator.domain import Project
    from annotator.ui.main_window import first_start_size
    from tests.ui.conftest import moving_square_frames

    assert first_start_size(QSize(3840, 2160)) == QSize(1280, 820)
    assert first_start_size(QSize(1000, 700)) == QSize(900, 630)  # a small screen: 90 %
    win = MainWindow(moving_square_frames(), project=Project())  # no size saved yet
    qtbot.addWidget(win)
    assert win.size() == first_start_size(win.screen().availableGeometry().size())
