"""Edit > Settings: the window's remembered choices in one place. Mask opacity is set here
(live, and kept for the next start); shortcuts and the model open their own dialogs. The
file they are kept in is named, so a user can back it up or delete it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)


class SettingsDialog(QDialog):
    """`set_opacity(0..1)` is called as the slider moves; the buttons call the openers."""

    def __init__(
        self,
        opacity: float,
        set_opacity: Callable[[float], None],
        open_shortcuts: Callable[[], object],
        open_models: Callable[[], object],
        settings_file: Path,
        parent: QWidget | None = None,
        *,
        opacity_keys: tuple[str, str] = ("Ctrl+[", "Ctrl+]"),
    ) -> None:
        """`opacity_keys`: the keys bound to fainter and stronger masks, as the user sees them."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._set_opacity = set_opacity
        self._opacity_keys = opacity_keys
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(round(opacity * 100))
        self.opacity_label = QLabel()
        self.opacity_slider.valueChanged.connect(self._opacity_changed)
        self._show_opacity(self.opacity_slider.value())
        self.shortcuts_button = shortcuts = QPushButton("Keyboard shortcuts…")
        shortcuts.setToolTip("Every shortcut, and rebinding them")
        shortcuts.clicked.connect(open_shortcuts)
        self.models_button = models = QPushButton("Model, device and precision…")
        models.setToolTip("The model answering clicks, where it runs and how exactly")
        models.clicked.connect(open_models)
        self.where = where = QLabel(f"Kept in {settings_file} (with the window's size and layout)")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Mask opacity", self.opacity_slider)
        form.addRow("", self.opacity_label)
        form.addRow("Shortcuts", shortcuts)
        form.addRow("Model", models)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(where)
        layout.addWidget(buttons)

    def _opacity_changed(self, value: int) -> None:
        self._show_opacity(value)
        self._set_opacity(value / 100)

    def _show_opacity(self, value: int) -> None:
        fainter, stronger = self._opacity_keys
        if fainter and stronger:
            self.opacity_label.setText(f"{value} % ({fainter} and {stronger} change it)")
        else:
            self.opacity_label.setText(f"{value} %")
