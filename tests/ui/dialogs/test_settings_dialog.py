"""Edit > Settings on the real window (no engine): the opacity slider changes the masks' fill
live (asserted on the canvas and the settings file), and its buttons open the shortcuts and
model dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

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


def test_buttons_and_texts_name_the_keys_bound_now(qtbot, window) -> None:
    """After a rebinding (and in the next window, from the saved settings) the propagation
    bar, the object panel and the settings dialog name the new keys, not the defaults."""
    bar = window.propagation_bar
    assert bar.forward_button.toolTip().endswith("(P)")
    assert window.objects.add_button.toolTip().endswith("(N)")
    window.dialogs.rebind(
        {
            "propagate_forward": ("Ctrl+Alt+P",),
            "new_object": ("Shift+N",),
            "cancel_propagation": (),
            "overlay_fainter": ("Ctrl+-",),
            "shortcuts": ("Ctrl+F1",),
        }
    )
    assert bar.forward_button.toolTip().endswith("keyframes) (Ctrl+Alt+P)")
    assert bar.backward_button.toolTip().endswith("(Shift+B)")
    assert bar.cancel_button.toolTip() == "Stop; every frame tracked so far is kept"
    assert window.objects.add_button.toolTip().endswith("(Shift+N)")
    window.registry["settings"].trigger()
    dialog = window.dialogs.last_dialog
    assert isinstance(dialog, SettingsDialog)
    assert "(Ctrl+- and Ctrl+] change it)" in dialog.opacity_label.text()
    assert dialog.shortcuts_button.toolTip().endswith("(Ctrl+F1)")
    assert dialog.models_button.toolTip().endswith("(Ctrl+M)")
    dialog.close()

    again = MainWindow(moving_square_frames(), project=Project())
    qtbot.addWidget(again)
    try:
        assert again.propagation_bar.forward_button.toolTip().endswith("(Ctrl+Alt+P)")
        assert again.objects.add_button.toolTip().endswith("(Shift+N)")
    finally:
        again.shutdown()


def test_closing_the_window_closes_its_modal_dialogs(qtbot, window) -> None:
    """A dialog left open would stay modal and block every other window of the app."""
    window.registry["settings"].trigger()
    dialog = window.dialogs.last_dialog
    assert dialog is not None and QApplication.activeModalWidget() is dialog
    window.close()
    assert not dialog.isVisible() and QApplication.activeModalWidget() is None
