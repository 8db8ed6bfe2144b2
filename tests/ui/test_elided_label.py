"""The propagation bar's message fits its room: shortened with "…" (whole in the tooltip)
when the window is narrow, all of it when there is room."""

from __future__ import annotations

from annotator.ui.propagation_bar import PropagationBar
from annotator.ui.widgets.elided_label import ElidedLabel

MESSAGE = "Propagation cancelled after 9 frames in 7.9 s (Shift+R resumes from there)"


def test_a_long_message_is_elided_to_the_room_and_whole_in_the_tooltip(qtbot) -> None:
    bar = PropagationBar()
    qtbot.addWidget(bar)
    bar.resize(900, 40)
    bar.show()
    qtbot.waitExposed(bar)
    bar.finish(MESSAGE)
    label = bar.label
    qtbot.waitUntil(lambda: label.text() != MESSAGE)  # 900 px cannot hold it beside the rest
    shown = label.text()
    assert shown.endswith("…") and MESSAGE.startswith(shown[:-1])
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.toolTip() == MESSAGE and label.full_text == MESSAGE

    bar.resize(2400, 40)  # room for all of it
    qtbot.waitUntil(lambda: label.text() == MESSAGE)
    assert label.toolTip() == ""
    bar.set_progress(3, 10, 1.5, 4.0)  # a short text replaces it whole
    assert label.text() == label.full_text and "…" not in label.text()


def test_a_label_given_its_size_hint_shows_the_whole_text(qtbot) -> None:
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    for text in ("Propagation tracked 9 frames in 9.3 s", "17 / 41 frames · 4.2 frames/s"):
        label.set_full_text(text)
        label.resize(label.sizeHint())
        assert label.text() == text and label.toolTip() == ""
