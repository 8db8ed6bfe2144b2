"""The timeline widget, offscreen: distinct looks per kind of frame (asserted on pixels),
markers visible under the playhead, lane clicks, ruler markers, zoom and pan, timecode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent

from annotator.service.lane_facts import FrameKind
from annotator.ui.widgets.time_axis import TimeAxis, timecode
from annotator.ui.widgets.timeline import GUTTER, Timeline
from annotator.ui.widgets.timeline_paint import Lane

N = 200
RED, BLUE = (230, 25, 75), (0, 130, 200)


def _lane(track_id: int, colour: tuple[int, int, int], name: str) -> Lane:
    kinds = np.zeros(N, np.uint8)
    kinds[0] = FrameKind.PROMPTED
    kinds[1:60] = FrameKind.PROPAGATED
    kinds[60:80] = FrameKind.ABSENT
    kinds[80:100] = FrameKind.PROPAGATED
    kinds[100] = FrameKind.EDITED
    kinds[101:150] = FrameKind.PROPAGATED
    low = np.zeros(N, bool)
    low[120:130] = True
    flags = np.zeros(N, bool)
    flags[90] = True
    masked = np.isin(kinds, [1, 2, 3])
    return Lane(track_id, colour, masked, kinds == 2, kinds, low, flags, name)


@pytest.fixture
def timeline(qtbot) -> Timeline:
    widget = Timeline(N, fps=25.0)
    qtbot.addWidget(widget)
    widget.resize(GUTTER + 6 + 2 * N, widget.height())  # 2 px per frame
    widget.set_lanes([_lane(1, RED, "1"), _lane(2, BLUE, "2")])
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _pixel(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = image.pixelColor(int(x), int(y))
    return c.red(), c.green(), c.blue()


def _centre(widget: Timeline, row: int, frame: float) -> tuple[float, float]:
    return widget.x_of(frame), widget.lane_rect(row).center().y()


def test_kinds_of_frames_look_different(timeline: Timeline, tmp_path: Path) -> None:
    timeline.set_current(199)
    image = timeline.grab().toImage()
    image.save(str(tmp_path / "lanes.png"))
    propagated = _pixel(image, *_centre(timeline, 0, 30.5))
    absent = _pixel(image, *_centre(timeline, 0, 70.5))
    other_object = _pixel(image, *_centre(timeline, 1, 30.5))
    empty = _pixel(image, *_centre(timeline, 0, 180.5))
    assert propagated[0] > 150 and propagated[2] < 120  # red-ish: object 1's colour
    assert other_object[2] > 120 and other_object[0] < 80  # blue-ish
    assert max(absent) < 160 and absent != empty != propagated
    rect = timeline.lane_rect(0)
    low = _pixel(image, timeline.x_of(125.5), rect.bottom() - 1)
    assert low[0] > 200 and low[1] < 100  # the low-score underline
    assert _pixel(image, *_centre(timeline, 0, 100.5)) == (255, 214, 0)  # hand-edited


def test_a_keyframe_marker_stays_visible_under_the_playhead(timeline: Timeline) -> None:
    timeline.set_current(0)
    image = timeline.grab().toImage()
    x, y = _centre(timeline, 0, 0.5)
    assert _pixel(image, x, y) == (255, 255, 255)
    timeline.set_current(10)
    image = timeline.grab().toImage()
    assert _pixel(image, x, y) == (255, 255, 255)


def test_clicking_a_lane_jumps_and_selects_its_object(qtbot, timeline: Timeline) -> None:
    x, y = _centre(timeline, 1, 40.5)
    got: list[tuple[str, int]] = []
    timeline.frameRequested.connect(lambda f: got.append(("frame", f)))
    timeline.objectSelected.connect(lambda t: got.append(("object", t)))
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y)))
    assert timeline.current == 40
    assert got == [("object", 2), ("frame", 40)]


def test_in_out_markers_by_key_and_by_dragging_on_the_ruler(qtbot, timeline: Timeline) -> None:
    timeline.set_current(20)
    timeline.setFocus()
    with qtbot.waitSignal(timeline.rangeChanged) as got:
        qtbot.keyClick(timeline, Qt.Key.Key_I)
    assert got.args == [(20, N - 1)]
    timeline.set_current(50)
    qtbot.keyClick(timeline, Qt.Key.Key_O)
    assert timeline.in_out == (20, 50)
    grab = QPoint(int(timeline.x_of(20)), 5)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(timeline, QPoint(int(timeline.x_of(30.5)), 5))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.x_of(30.5)), 5))
    assert timeline.in_out == (30, 50)
    assert timeline.current == 50  # dragging a marker does not scrub


def test_ctrl_wheel_zooms_at_the_cursor_and_wheel_pans(timeline: Timeline) -> None:
    x = timeline.x_of(100.5)
    for _ in range(4):
        _wheel(timeline, x, 120, Qt.KeyboardModifier.ControlModifier)
    assert timeline.axis.span < N / 2
    assert timeline.frame_at(x) == 100
    first = timeline.axis.first
    _wheel(timeline, x, -120, Qt.KeyboardModifier.NoModifier)
    assert timeline.axis.first > first
    timeline.set_current(0)  # the playhead is kept in view
    assert timeline.axis.first == 0
    timeline.fit()
    assert timeline.axis.span == N


def _wheel(widget: Timeline, x: float, delta: int, mods: Qt.KeyboardModifier) -> None:
    pos = QPointF(x, 30)
    event = QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        mods,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    widget.wheelEvent(event)


def test_time_axis_and_timecode() -> None:
    axis = TimeAxis(10_000, left=20, width=1000)
    assert axis.frame_at(20) == 0 and axis.frame_at(1019.9) == 9999
    assert axis.tick_step() == 1000
    axis.zoom(100, 520)
    assert axis.span == 100 and axis.frame_at(520) == 5000
    assert axis.tick_step() == 10
    axis.zoom(1000, 520)
    assert axis.span == 10  # the deepest zoom
    assert timecode(0, 25) == "00:00:00.00"
    assert timecode(25 * 3661 + 7, 25) == "01:01:01.07"
    assert timecode(30, 29.97) == "00:00:01.00"


def test_lanes_of_the_wrong_length_are_refused(timeline: Timeline) -> None:
    with pytest.raises(ValueError, match="not 200 long"):
        timeline.set_lanes([Lane(3, RED, np.zeros(5, bool), np.zeros(5, bool))])


def test_ruler_labels_stay_whole_at_the_right_end_when_zoomed(timeline: Timeline) -> None:
    """A frame number whose tick is a few pixels from the right end is drawn left of its tick
    rather than cut off by the widget's edge: the last columns of the label row stay empty."""
    timeline.zoom(8.0, timeline.width() - 1)
    axis = timeline.axis
    step = axis.tick_step()
    tick = 150 - 150 % step  # a labelled tick, to be put 10 px from the right edge
    timeline.pan(tick - (timeline.width() - 10 - axis.left) / axis.px_per_frame - axis.first)
    assert int(axis.x_of(tick)) in range(timeline.width() - 12, timeline.width() - 8)
    image = timeline.grab().toImage()
    background = _pixel(image, timeline.width() - 1, 24)
    label_rows = range(13, 21)  # between the readout (y < 12) and the ticks (y >= 23)
    edge = {
        _pixel(image, x, y) for x in range(image.width() - 3, image.width()) for y in label_rows
    }
    assert edge == {background}
    left_of_tick = {
        _pixel(image, x, y)
        for x in range(int(axis.x_of(tick)) - 12, int(axis.x_of(tick)) - 2)
        for y in label_rows
    }
    assert left_of_tick != {background}  # the label is there, left of its tick
