"""The Qt-free viewport: fit, zoom at a point, 1:1, pan, mapping and the visible rectangle."""

from __future__ import annotations

import pytest

from annotator.ui.canvas.viewport import MAX_SCALE, PixelRect, Viewport


def viewport(image=(200, 100), widget=(400, 400)) -> Viewport:
    view = Viewport()
    view.set_widget_size(*widget)
    view.set_image_size(*image)
    return view


def test_fit_letterboxes_and_maps_both_ways() -> None:
    view = viewport()
    assert view.scale == 2.0 and view.offset == (0.0, 100.0)
    assert view.widget_to_image((200.0, 200.0)) == (100.0, 50.0)
    assert view.image_to_widget((100.0, 50.0)) == (200.0, 200.0)
    assert view.visible_image_rect() == PixelRect(0, 0, 200, 100)
    view.set_widget_size(800, 200)  # a fitted view follows resizes
    assert view.scale == 2.0 and view.offset == (200.0, 0.0)


@pytest.mark.parametrize("point", [(123.0, 77.0), (0.0, 0.0), (399.0, 250.5)])
def test_zoom_keeps_the_image_point_under_the_cursor(point) -> None:
    view = viewport()
    under = view.widget_to_image(point)
    view.zoom_at(4.0, point)
    assert view.scale == 8.0 and not view.fitted
    assert view.widget_to_image(point) == pytest.approx(under)
    view.zoom_out(point)
    assert view.widget_to_image(point) == pytest.approx(under)


def test_visible_rect_after_zoom_is_the_pixels_on_screen() -> None:
    view = viewport()
    view.zoom_at(4.0, (200.0, 200.0))  # 8 widget px per image px, centred on (100, 50)
    assert view.visible_image_rect() == PixelRect(75, 25, 125, 75)
    view.pan(-4.0, 0.0)  # half an image pixel to the left: one more column shows
    assert view.visible_image_rect() == PixelRect(75, 25, 126, 75)


def test_one_to_one_and_fit_again() -> None:
    view = viewport()
    view.one_to_one()
    assert view.scale == 1.0
    assert view.widget_to_image((200.0, 200.0)) == pytest.approx((100.0, 50.0))
    view.fit()
    assert view.fitted and view.scale == 2.0


def test_zoom_is_bounded_and_resizes_keep_the_centre_once_zoomed() -> None:
    view = viewport()
    for _ in range(100):
        view.zoom_in((10.0, 10.0))
    assert view.scale == MAX_SCALE
    for _ in range(200):
        view.zoom_out((10.0, 10.0))
    assert view.scale == pytest.approx(0.5)  # a quarter of the fitted scale
    view.zoom_at(2.0, (200.0, 200.0))
    centre = view.widget_to_image((200.0, 200.0))
    view.set_widget_size(600, 500)
    assert view.widget_to_image((300.0, 250.0)) == pytest.approx(centre)


def test_points_inside_and_clamping() -> None:
    view = viewport()
    assert view.contains_image_point((0.0, 0.0)) and not view.contains_image_point((200.0, 5.0))
    assert view.clamp_to_image((-5.0, 500.0)) == (0.0, pytest.approx(100.0 - 1e-3))
    empty = Viewport()
    assert empty.visible_image_rect().is_empty
