"""Help > About: the name, the version (from `annotator.__version__`, its one place), the
licence, and the versions of Python, PyTorch, Qt and the libraries a bug report needs."""

from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

import annotator

LICENCE = "Apache-2.0"
"""The project's licence (pyproject.toml's `license`; a test keeps the two equal)."""


def component_versions() -> list[tuple[str, str]]:
    """(component, version) of what the app runs on, for the About box and bug reports."""
    import cv2
    import numpy
    import torch

    return [
        ("annotator", annotator.__version__),
        ("Python", f"{platform.python_version()} ({sys.platform})"),
        ("PyTorch", torch.__version__),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
        ("NumPy", numpy.__version__),
        ("OpenCV", cv2.__version__),
    ]


def version_report() -> str:
    """The component versions as plain text lines ('PyTorch 2.13.0+cpu')."""
    return "\n".join(f"{name} {version}" for name, version in component_versions())


class AboutDialog(QDialog):
    """Name, version, licence and component versions, with a button copying them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About annotator")
        title = QLabel(f"<h2>annotator {annotator.__version__}</h2>")
        summary = QLabel(
            "Segment and track objects in images and videos with SAM2.<br>"
            f"Licence: {LICENCE}. SAM2 and its checkpoints: Meta, Apache-2.0."
        )
        summary.setWordWrap(True)
        rows = "".join(
            f"<tr><td>{name}</td><td>&nbsp;&nbsp;{version}</td></tr>"
            for name, version in component_versions()
        )
        self.versions = QLabel(f"<table>{rows}</table>")
        self.versions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy versions")
        self.copy_button.clicked.connect(self.copy_versions)
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        root = QVBoxLayout(self)
        for widget in (title, summary, self.versions):
            root.addWidget(widget)
        root.addLayout(buttons)
        self.setMinimumWidth(440)

    def copy_versions(self) -> None:
        """Put the version report on the clipboard (for a bug report)."""
        QGuiApplication.clipboard().setText(version_report())
