"""The canvas widget alone (offscreen, no engine): zoom and pan, the prompt tool's clicks,
point and box corrections, candidates, and the brush, eraser and polygon edits it reports."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from annotator.domain import Prompt
from annotator.domain.mask_edit import PolygonFill, Stroke
from annotator.ui.canvas import AnnotationCanvas
from annotator.ui.canvas.layers import OverlayOptions

W, H = 160, 120
COLOUR = (230, 25, 75)


@pytest.fixture
def canvas(qtbot) -> AnnotationCanvas:
    widget = AnnotationCanvas()
    qtbot.addWidget(widget)
    widget.resize(640, 480)  # fitted: 4 widget px per frame px, no letter-box
    widget.set_frame(np.full((H, W, 3), 60, np.uint8))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def at(canvas: AnnotationCanvas, x: float, y: float) -> QPoint:
    return canvas.frame_to_widget(x, y).toPoint()


def wheel(canvas: AnnotationCanvas, pos: QPoint, notches: int) -> None:
    event = QWheelEvent(
        QPointF(pos), QPointF(canvas.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(canvas, event)


def drag(qtbot, canvas, points, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mousePress(canvas, button, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(canvas, p)
    qtbot.mouseRelease(canvas, button, pos=points[-1])


def test_zoom_at_the_cursor_keeps_the_clicked_frame_pixel(qtbot, canvas) -> None:
    cursor = at(canvas, 50.5, 40.5)
    canvas.zoom_at(4.0, QPointF(cursor))
    assert canvas.viewport.scale == 16.0
    with qtbot.waitSignal(canvas.pointClicked) as clicked:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=cursor)
    x, y, positive = clicked.args
    assert (int(x), int(y), positive) == (50, 40, True)
    assert canvas.frame_to_widget(x, y).toPoint() == cursor
    canvas.fit()
    assert canvas.viewport.fitted and canvas.viewport.scale == 4.0
    wheel(canvas, cursor, 2)  # two notches in at the cursor, one out
    wheel(canvas, cursor, -1)
    assert canvas.viewport.scale == pytest.approx(4.0 * 1.25)
    assert canvas.viewport.widget_to_image((cursor.x(), cursor.y())) == pytest.approx(
        (cursor.x() / 4.0, cursor.y() / 4.0)
    )


def test_middle_drag_and_space_drag_pan(qtbot, canvas) -> None:
    canvas.zoom_at(2.0)
    before = canvas.viewport.offset
    drag(qtbot, canvas, [QPoint(300, 200), QPoint(320, 210), QPoint(340, 230)],
         Qt.MouseButton.MiddleButton)  # fmt: skip
    assert canvas.viewport.offset == (before[0] + 40, before[1] + 30)
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    drag(qtbot, canvas, [QPoint(300, 200), QPoint(290, 200)])
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.viewport.offset == (before[0] + 30, before[1] + 30)
    scale = canvas.viewport.scale
    canvas.zoom_at_cursor(1.25)
    assert canvas.viewport.scale == pytest.approx(scale * 1.25)
    canvas.one_to_one()
    assert canvas.viewport.scale == 1.0
    canvas.fit()
    assert canvas.viewport.fitted


def test_cursor_position_is_reported_in_frame_pixels(qtbot, canvas) -> None:
    # the pointer may already rest at that spot (an earlier test left it there), and a move
    # to where it is sends no event: start from elsewhere
    qtbot.mouseMove(canvas, at(canvas, 50.5, 50.5))
    with qtbot.waitSignal(canvas.cursorMoved) as moved:
        qtbot.mouseMove(canvas, at(canvas, 12.5, 99.5))
    assert moved.args == [(12, 99)]


def test_clicks_on_points_remove_them_and_drags_move_them(qtbot, canvas) -> None:
    canvas.set_prompt(Prompt(((20.0, 20.0), (80.0, 60.0)), (1, 0)))
    with qtbot.waitSignal(canvas.pointRemoved) as removed:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(canvas, 80.5, 60.5))
    assert removed.args == [1]
    with qtbot.waitSignal(canvas.pointRemoved) as removed:
        qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=at(canvas, 20.0, 20.0))
    assert removed.args == [0]
    with qtbot.waitSignal(canvas.pointMoved) as moved:
        drag(qtbot, canvas, [at(canvas, 20, 20), at(canvas, 25, 22), at(canvas, 30, 40)])
    index, x, y = moved.args
    assert index == 0 and (x, y) == pytest.approx((30.0, 40.0), abs=0.3)


def test_box_is_drawn_and_its_handles_adjust_it(qtbot, canvas) -> None:
    with qtbot.waitSignal(canvas.boxDrawn) as drawn:
        drag(qtbot, canvas, [at(canvas, 100, 90), at(canvas, 60, 50), at(canvas, 30, 20)])
    assert drawn.args == pytest.approx([30, 20, 100, 90], abs=0.3)
    canvas.set_prompt(Prompt(box=(30.0, 20.0, 100.0, 90.0)))
    with qtbot.waitSignal(canvas.boxAdjusted) as adjusted:  # the bottom-right corner
        drag(qtbot, canvas, [at(canvas, 100, 90), at(canvas, 110, 95), at(canvas, 120, 100)])
    assert adjusted.args == pytest.approx([30, 20, 120, 100], abs=0.3)
    with qtbot.waitSignal(canvas.boxAdjusted) as adjusted:  # the left edge
        drag(qtbot, canvas, [at(canvas, 30, 50), at(canvas, 35, 50), at(canvas, 40, 55)])
    assert adjusted.args == pytest.approx([40, 20, 100, 90], abs=0.3)


def test_tab_cycles_candidates_and_enter_keeps_one(qtbot, canvas) -> None:
    candidates = [np.zeros((H, W), bool) for _ in range(3)]
    for i, c in enumerate(candidates):
        c[10 : 20 + 10 * i, 10:40] = True
    canvas.set_active_object(1, COLOUR)
    canvas.set_prompt(Prompt(((20.0, 15.0),), (1,)))
    with qtbot.waitSignal(canvas.candidatesRequested):
        qtbot.keyClick(canvas, Qt.Key.Key_Tab)
    canvas.set_candidates(candidates, 0)
    qtbot.keyClick(canvas, Qt.Key.Key_Tab)
    qtbot.keyClick(canvas, Qt.Key.Key_Tab)
    assert canvas.candidate_index == 2
    assert canvas.masks.shown_layers()[-1].mask is candidates[2]
    qtbot.keyClick(canvas, Qt.Key.Key_Backtab)
    with qtbot.waitSignal(canvas.candidateChosen) as chosen:
        qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert chosen.args == [1]
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.candidate_count == 0


def test_brush_and_eraser_report_one_stroke_per_drag(qtbot, canvas) -> None:
    base = np.zeros((H, W), bool)
    base[50:70, 50:70] = True
    canvas.set_masks([(1, base, COLOUR)], 1)
    canvas.set_tool("brush")
    canvas.set_brush_radius(5.0)
    qtbot.keyClick(canvas, Qt.Key.Key_BracketRight)
    assert canvas.brush_radius == pytest.approx(6.0)
    edits: list = []
    canvas.maskEdited.connect(edits.append)
    drag(qtbot, canvas, [at(canvas, 10, 10), at(canvas, 30, 12), at(canvas, 60, 15)])
    assert len(edits) == 1 and isinstance(edits[0], Stroke) and not edits[0].erase
    stroke = edits[0]
    assert stroke.radius == pytest.approx(6.0) and len(stroke.points) == 3
    np.testing.assert_array_equal(canvas.working_mask, stroke.apply(base))  # the preview
    canvas.set_masks([(1, stroke.apply(base), COLOUR)], 1)
    canvas.set_tool("eraser")
    drag(qtbot, canvas, [at(canvas, 60, 60), at(canvas, 61, 60)])
    assert edits[-1].erase and len(edits) == 2
    drag(qtbot, canvas, [at(canvas, 5, 5), at(canvas, 6, 5)], Qt.MouseButton.RightButton)
    assert not edits[-1].erase  # the eraser's right button paints


def test_an_edit_without_an_active_object_is_refused(qtbot, canvas) -> None:
    canvas.set_tool("brush")
    edits: list = []
    canvas.maskEdited.connect(edits.append)
    with qtbot.waitSignal(canvas.editRefused) as refused:
        drag(qtbot, canvas, [at(canvas, 10, 10), at(canvas, 20, 10)])
    assert "Select or add an object" in refused.args[0] and edits == []


def test_polygon_vertices_backspace_escape_and_close(qtbot, canvas) -> None:
    canvas.set_active_object(1, COLOUR)
    canvas.set_tool("polygon")
    edits: list = []
    canvas.maskEdited.connect(edits.append)
    for x, y in [(10, 10), (50, 10), (99, 99), (50, 50)]:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(canvas, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)  # drops (50, 50)
    assert len(canvas._tools["polygon"].vertices) == 3  # noqa: SLF001
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(canvas, 50, 50))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(canvas, 10, 10))  # closes
    assert len(edits) == 1 and isinstance(edits[0], PolygonFill) and not edits[0].subtract
    expected = [(10, 10), (50, 10), (99, 99), (50, 50)]
    np.testing.assert_allclose(np.array(edits[0].vertices), expected, atol=0.3)
    for x, y in [(10, 10), (50, 10), (50, 50)]:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(canvas, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert len(edits) == 1  # Esc dropped it: Enter had nothing to close
    for x, y in [(10, 10), (50, 10), (50, 50)]:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(canvas, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert len(edits) == 2 and edits[1].subtract


def test_masks_are_drawn_at_screen_resolution(qtbot, canvas) -> None:
    mask = np.zeros((H, W), bool)
    mask[40:60, 40:60] = True
    canvas.set_masks([(1, mask, COLOUR), (2, np.roll(mask, 30, axis=1), (0, 130, 200))], 2)
    canvas.zoom_at(2.0, QPointF(canvas.frame_to_widget(40, 40)))  # 8 widget px per frame px
    image = canvas.masks.image(canvas.viewport)
    assert image is not None
    left, top = canvas.frame_to_widget(40, 40).toPoint().toTuple()
    alpha = lambda x, y: image.pixelColor(x, y).alpha()  # noqa: E731
    assert alpha(left - 1, top + 50) == 0 and alpha(left, top + 50) == 255  # outline: 1 px
    assert 0 < alpha(left + 1, top + 50) < 255  # then the translucent fill
    canvas.set_overlay_options(OverlayOptions(outline_only=True))
    image = canvas.masks.image(canvas.viewport)
    assert image.pixelColor(left + 1, top + 50).alpha() == 0
    canvas.set_overlay_options(OverlayOptions(only_active=True))
    image = canvas.masks.image(canvas.viewport)
    assert image.pixelColor(left, top + 50).alpha() == 0  # object 1 is not the active one


@pytest.mark.parametrize("delta", [(7.0, -5.0), (-13.0, 9.0), (0.0, 4.0)])
def test_a_pan_shifts_the_mask_image_like_a_full_render(qtbot, canvas, delta) -> None:
    mask = np.zeros((H, W), bool)
    mask[30:90, 20:150] = True
    mask[50:60, 60:70] = False
    canvas.set_masks([(1, mask, COLOUR), (2, np.roll(mask, 25, axis=0), (0, 130, 200))], 1)
    canvas.zoom_at(1.6, QPointF(300, 200))
    canvas.masks.image(canvas.viewport)
    canvas.pan_by(*delta)
    shifted = canvas.masks.image(canvas.viewport).copy()
    canvas.masks.invalidate()
    full = canvas.masks.image(canvas.viewport)
    assert shifted == full


def test_a_frame_size_rgba_overlay_is_still_drawn(qtbot, canvas) -> None:
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[10:20, 10:20] = (0, 255, 0, 255)
    canvas.set_overlay(rgba)
    assert canvas.has_overlay
    canvas.zoom_at(2.0, QPointF(canvas.frame_to_widget(15, 15)))
    shot = canvas.grab().toImage()
    inside = canvas.frame_to_widget(15.5, 15.5).toPoint()
    outside = canvas.frame_to_widget(25.5, 15.5).toPoint()
    assert shot.pixelColor(inside).green() == 255 and shot.pixelColor(outside).green() < 100
    canvas.set_overlay(None)
    assert not canvas.has_overlay


def test_a_zoomed_out_large_frame_is_drawn_where_the_viewport_maps_it(qtbot, canvas) -> None:
    frame = np.zeros((1000, 2000, 3), np.uint8)
    frame[:, 1500:1510] = 255  # a bright band at x 1500..1510
    canvas.set_frame_size(2000, 1000)
    canvas.set_frame(frame)
    canvas.pan_by(13.0, 0.0)  # the cached zoomed-out copy is drawn at the panned place
    row = canvas.grab().toImage()
    y = int(canvas.frame_to_widget(0, 500).y())
    bright = [x for x in range(canvas.width()) if row.pixelColor(x, y).red() > 200]
    expected = canvas.frame_to_widget(1505.0, 500).x()
    assert bright and abs((bright[0] + bright[-1]) / 2 - expected) <= 1.5
