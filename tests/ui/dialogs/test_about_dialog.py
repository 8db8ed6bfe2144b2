"""The About dialog shows the one version, the licence of pyproject.toml, torch and Qt; the
window's Help > About opens it."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

import annotator
from annotator.domain import Project
from annotator.ui.dialogs.about_dialog import LICENCE, AboutDialog
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import moving_square_frames

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the test extra installs tomli there
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def test_about_shows_version_licence_torch_and_qt(qtbot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert f"annotator {annotator.__version__}" in text
    assert f"Licence: {LICENCE}" in text
    assert torch.__version__ in text and qVersion() in text
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == f"annotator {annotator.__version__}"
    assert f"PyTorch {torch.__version__}" in copied


def test_the_licence_is_the_one_of_pyproject() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["license"] == {"text": LICENCE}


def test_help_about_on_the_window_opens_it(qtbot) -> None:
    window = MainWindow(moving_square_frames(), project=Project())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        about = window.registry["about"]
        assert about in window.menus["Help"].actions()
        about.trigger()
        dialog = window.dialogs.last_dialog
        assert isinstance(dialog, AboutDialog)
        title = " ".join(label.text() for label in dialog.findChildren(QLabel))
        assert f"annotator {annotator.__version__}" in title
    finally:
        window.shutdown()
