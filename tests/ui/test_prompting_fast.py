"""Prompting through the real window, bridge and client on the fake engine service (fast):
clicks and boxes become stored prompts and masks, painted on the canvas; a locked or hidden
object takes no clicks; Q/E switch the click mode."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.domain import Project, Provenance
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import moving_square_frames
from tests.ui.fake_engine import FakeEngineService


@pytest.fixture
def window(qtbot):
    frames = moving_square_frames()
    engine = FakeEngineService()
    win = MainWindow(frames, project=Project(), bridge=EngineBridge(engine))  # type: ignore[arg-type]
    qtbot.addWidget(win)
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    win.controller.start_engine(frames, "fake.pt")
    assert win.model_label.text() == "Loading fake…"  # not "No model" while it loads
    qtbot.waitUntil(lambda: win.controller.engine_ready, timeout=5000)
    yield win, engine
    win.shutdown()


def click(qtbot, win: MainWindow, x: float, y: float, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(win.canvas, button, pos=win.canvas.frame_to_widget(x, y).toPoint())


def stored_points(win: MainWindow, track: int) -> int:
    record = win.project.mask(win.controller.video_id, 0, track)
    return 0 if record is None or record.prompt is None else len(record.prompt.points)


def test_clicks_and_a_box_are_stored_and_painted(qtbot, window) -> None:
    win, engine = window
    assert win.model_label.text() == "fake · cpu · exact · 1024 px"
    click(qtbot, win, 40.0, 40.0)
    track = win.controller.active_track
    qtbot.waitUntil(lambda: stored_points(win, track) == 1, timeout=5000)
    record = win.project.mask(1, 0, track)
    assert record.provenance is Provenance.PROMPTED and record.mask.area > 0
    assert record.prompt.labels == (1,)
    qtbot.waitUntil(
        lambda: any(la.track_id == track for la in win.canvas.masks.layers), timeout=5000
    )
    qtbot.keyClick(win.canvas, Qt.Key.Key_E)  # negative mode: a plain click is background
    click(qtbot, win, 45.0, 45.0)
    qtbot.waitUntil(lambda: stored_points(win, track) == 2, timeout=5000)
    assert win.project.mask(1, 0, track).prompt.labels == (1, 0)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Q)
    qtbot.keyClick(win.canvas, Qt.Key.Key_N)
    box_track = win.controller.active_track
    start = win.canvas.frame_to_widget(60.0, 20.0).toPoint()
    end = win.canvas.frame_to_widget(100.0, 60.0).toPoint()
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(win.canvas, end)
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: win.project.mask(1, 0, box_track) is not None, timeout=5000)
    assert win.project.mask(1, 0, box_track).mask.area == pytest.approx(40 * 40, rel=0.1)
    assert [c[0] for c in engine.calls].count("add_box") == 1


def test_locked_and_hidden_objects_take_no_clicks(qtbot, window) -> None:
    win, engine = window
    track = win.controller.add_object()
    win.controller.objects.set_locked(track, True)
    click(qtbot, win, 40.0, 40.0)
    assert "locked" in win.statusBar().currentMessage()
    win.controller.objects.set_locked(track, False)
    win.controller.objects.set_visible(track, False)
    click(qtbot, win, 40.0, 40.0)
    assert "hidden" in win.statusBar().currentMessage()
    assert not [c for c in engine.calls if c[0] == "add_points"]
