"""The propagation bar fits narrow windows: below the width of one row its run choices move to
a second row (nothing squashed under its minimum), and back beside the buttons with room."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from annotator.ui.main_window import MainWindow
from annotator.ui.propagation_bar import PropagationBar


def squashed(bar: PropagationBar) -> list[str]:
    """The bar's controls shown narrower than they need."""
    controls = bar.findChildren(QWidget)
    return [
        type(w).__name__
        for w in controls
        if w.isVisible() and w.width() < w.minimumSizeHint().width()
    ]


def test_the_choices_wrap_to_a_second_row_when_narrow_and_come_back(qtbot) -> None:
    bar = PropagationBar()
    qtbot.addWidget(bar)
    bar.resize(700, 60)
    bar.show()
    qtbot.waitExposed(bar)
    qtbot.waitUntil(lambda: bar.wrapped)
    qtbot.waitUntil(lambda: bar.options.y() >= bar.backward_button.geometry().bottom())
    assert squashed(bar) == []
    bar.resize(bar.one_row_width() + 200, 60)
    qtbot.waitUntil(lambda: not bar.wrapped)
    qtbot.waitUntil(lambda: bar.options.y() == bar.backward_button.y())
    assert bar.options.x() > bar.forward_button.geometry().right()  # beside the buttons
    assert squashed(bar) == []
    bar.resize(700, 60)
    qtbot.waitUntil(lambda: bar.wrapped)


def test_the_window_can_be_narrower_than_one_row_of_the_bar(qtbot, bare_window) -> None:
    win: MainWindow = bare_window  # resized to 900 px before it was first shown
    bar = win.propagation_bar
    assert bar.one_row_width() > 1100
    assert win.width() == 900  # one row alone needed about 1,350 px
    qtbot.waitUntil(lambda: bar.wrapped and squashed(bar) == [])
    win.resize(1100, 700)
    qtbot.waitUntil(lambda: win.width() == 1100)
    win.resize(1600, 700)
    qtbot.waitUntil(lambda: not bar.wrapped)
