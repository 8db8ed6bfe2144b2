"""Edit > Settings on the real window (no engine): the opacity slider changes the masks' fill
live (asserted on the canvas and the settings file), and its buttons open the shortcuts and
model dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.domain import Project
from annotator.ui.dialogs.settings_dialog import SettingsDialog
from annotator.ui.dialogs.shortcuts_dialog import ShortcutsDialog
from annotator.ui.main_window import MainWindow
from annotator.ui.settings import Settings
from tests.ui.conftest import moving_square_frames


@pytest.fixture
def window(qtbot):
    win = MainWindow(moving_square_frames(), project=Project())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


def test_the_opacity_slider_is_live_and_remembered(qtbot, window) -> None:
    window.registry["settings"].trigger()
    dialog = window.dialogs.last_dialog
    assert isinstance(dialog, SettingsDialog)
    assert str(Settings().path) in dialog.where.text()
    assert dialog.opacity_slider.value() == round(window.canvas.masks.options.opacity * 100)
    dialog.opacity_slider.setValue(70)
    assert window.canvas.masks.options.opacity == pytest.approx(0.70)
    assert Settings().overlay_opacity(0.0) == pytest.approx(0.70)
    assert "70 %" in dialog.opacity_label.text()


def test_its_button_opens_the_shortcuts_dialog(qtbot, window) -> None:
    window.registry["settings"].trigger()
    dialog = window.dialogs.last_dialog
    assert isinstance(dialog, SettingsDialog)
    qtbot.mouseClick(dialog.shortcuts_button, Qt.MouseButton.LeftButton)
    assert isinstance(window.dialogs.last_dialog, ShortcutsDialog)
