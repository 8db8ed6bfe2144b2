"""The first-start offer: "No model yet: download SAM2.1 tiny (156 MB)?", saying what
happens offline; downloads in place with progress and cancel, or opens the Models dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.engine.weights import WeightsManager
from annotator.engine.weights_registry import DEFAULT_MODEL
from annotator.ui.dialogs.model_choice import (
    ModelChoice,
    available_devices,
    default_precision,
    first_model_question,
    megabytes,
    preferred_device,
)
from annotator.ui.dialogs.model_dialog import ModelDialog, short_path
from annotator.ui.dialogs.model_download import ModelDownload

EXPLANATION = (
    "Clicks, boxes and tracking need a SAM2 model. It is downloaded once into {cache} and "
    "checked before use. Without a network the download stops with a message and nothing "
    "else changes: you can browse frames and edit masks by hand, and download later from "
    "Model > Models…, or open a checkpoint file you already have."
)


class FirstModelOffer(QDialog):
    """Offer the default model; hands a `ModelChoice` for it to `on_choice` once downloaded."""

    def __init__(
        self,
        manager: WeightsManager,
        on_choice: Callable[[ModelChoice], None],
        parent: QWidget | None = None,
        *,
        devices: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Download a model")
        self.manager = manager
        self._on_choice = on_choice
        self._devices = devices if devices is not None else available_devices()
        self.download = ModelDownload(manager, self)
        self.download.progressed.connect(self._on_progress)
        self.download.downloaded.connect(self._on_downloaded)
        self.download.failed.connect(self._on_failed)
        self.models_dialog: ModelDialog | None = None

        question = QLabel(first_model_question(manager))
        question.setStyleSheet("font-weight: bold;")
        explanation = QLabel(EXPLANATION.format(cache=short_path(manager.cache_dir)))
        explanation.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, manager.entry(DEFAULT_MODEL).size)
        self.progress_bar.setValue(manager.status(DEFAULT_MODEL).bytes_present)
        self.progress_bar.setTextVisible(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download_button = QPushButton("Download")
        self.download_button.setDefault(True)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.download.cancel)
        self.other_button = QPushButton("Other models or a file…")
        self.other_button.clicked.connect(self.show_models)
        self.later_button = QPushButton("Not now")
        self.later_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.other_button)
        buttons.addStretch(1)
        for button in (self.download_button, self.cancel_button, self.later_button):
            buttons.addWidget(button)
        root = QVBoxLayout(self)
        for widget in (question, explanation, self.progress_bar, self.message):
            root.addWidget(widget)
        root.addLayout(buttons)
        self.resize(520, 220)

    def start_download(self) -> None:
        """Download (or resume) the default model."""
        if self.download.running:
            return
        self.message.setStyleSheet("")
        self.message.setText(f"Downloading {DEFAULT_MODEL} …")
        self.progress_bar.setTextVisible(True)
        self.download.start(DEFAULT_MODEL)
        self._set_running(True)

    def _set_running(self, running: bool) -> None:
        self.download_button.setEnabled(not running)
        self.other_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.message.setText(f"{megabytes(done)} of {megabytes(total)}")

    def _on_downloaded(self, path: Path) -> None:
        self._set_running(False)
        device = preferred_device(self._devices)
        self._on_choice(
            ModelChoice(
                path, DEFAULT_MODEL, device=device, precision=default_precision(device).mode
            )
        )
        self.accept()

    def _on_failed(self, text: str, cancelled: bool) -> None:
        self._set_running(False)
        self.download_button.setText("Resume download")
        self.message.setStyleSheet("" if cancelled else "color: #b00020;")
        self.message.setText(text)

    def show_models(self) -> None:
        """Close the offer and open the Models dialog (other models, a local file)."""
        dialog = ModelDialog(
            self.manager, self._on_choice, self.parentWidget(), devices=self._devices
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.models_dialog = dialog
        self.accept()
        dialog.open()

    def done(self, result: int) -> None:
        """Closing stops a running download (the part is kept for a resume)."""
        self.download.stop()
        super().done(result)
