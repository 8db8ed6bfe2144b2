"""Model > Models…: the eight models (downloaded or not), download with progress, cancel and
resume, a local checkpoint file, device, precision and input size.

The dialog decides nothing about the engine: "Use this model" hands a `ModelChoice` to the
`on_choice` callback (and the `chosen` signal); the window loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.engine.weights import VerifyReport, WeightsManager
from annotator.ui.dialogs.background import BackgroundTask
from annotator.ui.dialogs.messages import error_text
from annotator.ui.dialogs.model_choice import (
    DEVICE_LABELS,
    IMAGE_SIZES,
    PRECISION_TEXT,
    PRECISIONS,
    SIZE_TEXT,
    ModelChoice,
    available_devices,
    default_precision,
    megabytes,
    preferred_device,
    status_text,
)
from annotator.ui.dialogs.model_download import ModelDownload

ChooseFile = Callable[[QWidget], str]
LOCAL_ROW = "local file"


def short_path(path: Path) -> str:
    """A path under the home folder as ~/..., others unchanged."""
    try:
        return "~/" + path.absolute().relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def _choose_checkpoint(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Open a SAM2 checkpoint", "", "Checkpoints (*.pt *.pth);;All files (*)"
    )
    return path


class ModelDialog(QDialog):
    """Choose, download or open a SAM2 model; `chosen(ModelChoice)` when the user applies."""

    chosen = Signal(object)

    def __init__(
        self,
        manager: WeightsManager,
        on_choice: Callable[[ModelChoice], None] | None = None,
        parent: QWidget | None = None,
        *,
        current: ModelChoice | None = None,
        devices: list[str] | None = None,
        choose_file: ChooseFile = _choose_checkpoint,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.manager = manager
        self._on_choice = on_choice
        self._choose_file = choose_file
        self._local: VerifyReport | None = None
        self._default_reason = ""
        self._verify_task: BackgroundTask | None = None
        self._digest_task: BackgroundTask | None = None  # hashing hand-copied models
        self.download = ModelDownload(manager, self)
        self.download.progressed.connect(self._on_download_progress)
        self.download.downloaded.connect(self._on_downloaded)
        self.download.failed.connect(self._on_download_failed)
        self._build(devices if devices is not None else available_devices())
        self.refresh()
        self._select(current)

    # ------------------------------------------------------------------ form

    def _build(self, devices: list[str]) -> None:
        self.models = QTreeWidget()
        self.models.setHeaderLabels(["Model", "Size", "Status"])
        self.models.setRootIsDecorated(False)
        self.models.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.clicked.connect(self.download.cancel)
        self.open_button = QPushButton("Open checkpoint file…")
        self.open_button.clicked.connect(self.open_checkpoint)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.device_box = QComboBox()
        for name in devices:
            self.device_box.addItem(DEVICE_LABELS.get(name, name), name)
        self.device_box.currentIndexChanged.connect(self._on_device_changed)
        self.precision_box = QComboBox()
        for name in PRECISIONS:
            self.precision_box.addItem(name, name)
        self.precision_box.currentIndexChanged.connect(self._explain)
        self.size_box = QComboBox()
        for size in IMAGE_SIZES:
            self.size_box.addItem(f"{size} px" + ("" if size == 1024 else " (draft)"), size)
        self.size_box.currentIndexChanged.connect(self._explain)
        self.explanation = QLabel("")
        self.explanation.setWordWrap(True)
        self.explanation.setStyleSheet("color: palette(mid);")

        self.use_button = QPushButton("Use this model")
        self.use_button.setDefault(True)
        self.use_button.clicked.connect(self.apply)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.open_button)
        form = QFormLayout()
        form.addRow("Device", self.device_box)
        form.addRow("Precision", self.precision_box)
        form.addRow("Input size", self.size_box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(close)
        root = QVBoxLayout(self)
        root.addWidget(QLabel(f"Downloaded models live in {short_path(self.manager.cache_dir)}"))
        root.addWidget(self.models)
        root.addLayout(row)
        root.addWidget(self.progress_bar)
        root.addWidget(self.message)
        root.addLayout(form)
        root.addWidget(self.explanation)
        root.addLayout(buttons)
        self.resize(620, self.sizeHint().height())

    def refresh(self) -> None:
        """Re-read the cache: each model's state, and the local file if one was opened."""
        keep = self.selected_name()
        self.models.clear()
        statuses = self.manager.statuses(hash_new=False)  # no hashing on the GUI thread
        if any(s.state == "unchecked" for s in statuses):
            self._check_digests()
        for status in statuses:
            entry = status.entry
            item = QTreeWidgetItem([entry.name, megabytes(entry.size), status_text(status)])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.name)
            self.models.addTopLevelItem(item)
        if self._local is not None:
            info = self._local.info
            item = QTreeWidgetItem(
                [
                    f"{info.config.name} ({LOCAL_ROW})",
                    megabytes(self._local.size),
                    str(self._local.path),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, LOCAL_ROW)
            self.models.addTopLevelItem(item)
        for i in range(3):
            self.models.resizeColumnToContents(i)
        rows = self.models.topLevelItemCount()
        header = self.models.header().sizeHint().height()
        frame = 2 * self.models.frameWidth()
        self.models.setMinimumHeight(rows * self.models.sizeHintForRow(0) + header + frame + 2)
        self._select_row(keep)
        self._update_buttons()

    def _select(self, current: ModelChoice | None) -> None:
        devices = [self.device_box.itemData(i) for i in range(self.device_box.count())]
        device = current.device if current else preferred_device(devices)
        index = max(0, self.device_box.findData(device))
        self.device_box.setCurrentIndex(index)
        self._on_device_changed()
        if current is not None:
            self.precision_box.setCurrentIndex(
                max(0, self.precision_box.findData(current.precision))
            )
            self.size_box.setCurrentIndex(max(0, self.size_box.findData(current.image_size)))
            name = current.model_name
            if name in self.manager.registry and current.checkpoint == self.manager.path(name):
                self._select_row(name)
            else:  # a local file: shown (and selected) once checked
                self.check_checkpoint(current.checkpoint)
        self._explain()

    def _select_row(self, name: str | None) -> None:
        for i in range(self.models.topLevelItemCount()):
            item = self.models.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == name:
                self.models.setCurrentItem(item)
                return

    def select_model(self, name: str) -> None:
        """Select a model of the list by name (or LOCAL_ROW)."""
        self._select_row(name)
        if self.selected_name() != name:
            raise ValueError(f"no model {name!r} in the list")

    def selected_name(self) -> str | None:
        """The selected row's model name, LOCAL_ROW for an opened file, or None."""
        item = self.models.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def _on_device_changed(self) -> None:
        device = self.device_box.currentData()
        if device:
            default = default_precision(device)
            self._default_reason = f"Default here: {default.mode}, because {default.reason}."
            self.precision_box.setCurrentIndex(self.precision_box.findData(default.mode))
        self._explain()

    def _explain(self) -> None:
        precision = self.precision_box.currentData() or "exact"
        size = self.size_box.currentData() or 1024
        self.explanation.setText(
            f"{PRECISION_TEXT[precision]} {self._default_reason}\n{SIZE_TEXT[size]}"
        )

    def _update_buttons(self) -> None:
        name = self.selected_name()
        downloading = self.download.running
        registry = self.manager.registry
        status = self.manager.status(name, hash_new=False) if name in registry else None
        self.download_button.setEnabled(
            status is not None and status.state not in ("cached", "unchecked") and not downloading
        )
        self.download_button.setText(
            "Resume download" if status is not None and status.state == "partial" else "Download"
        )
        self.cancel_button.setEnabled(downloading)
        self.open_button.setEnabled(not downloading)
        usable = name == LOCAL_ROW or (status is not None and status.state == "cached")
        self.use_button.setEnabled(usable and not downloading)

    # ------------------------------------------------------------------ download

    def start_download(self) -> None:
        """Download (or resume) the selected model in the background."""
        name = self.selected_name()
        if name is None or name not in self.manager.registry or self.download.running:
            return
        self.progress_bar.setRange(0, self.manager.entry(name).size)
        self.progress_bar.setValue(self.manager.status(name).bytes_present)
        self.progress_bar.setTextVisible(True)
        self._say(f"Downloading {name} …")
        self.download.start(name)
        self._update_buttons()

    def _on_download_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.message.setText(f"{self.download.name}: {megabytes(done)} of {megabytes(total)}")

    def _on_downloaded(self, path: Path) -> None:
        self._say(f"Downloaded and verified: {short_path(path)}")
        self.refresh()

    def _on_download_failed(self, text: str, cancelled: bool) -> None:
        self._say(text, error=not cancelled)
        self.refresh()

    # ------------------------------------------------------------------ local file

    def open_checkpoint(self) -> None:
        """Choose a checkpoint file; it is checked (off the GUI thread) before it can be used."""
        chosen = self._choose_file(self)
        if chosen:
            self.check_checkpoint(Path(chosen))

    def check_checkpoint(self, path: Path) -> None:
        """Check a checkpoint file in the background; it becomes the "local file" row."""
        if self._verify_task is not None:
            return
        manager = self.manager
        task = BackgroundTask(lambda _report: manager.verify(path, checksum=False), self)
        task.succeeded.connect(self._on_verified)
        task.failed.connect(self._on_verify_failed)
        self._verify_task = task
        self.open_button.setEnabled(False)
        self._say(f"Checking {path} …")
        task.start()

    def _check_digests(self) -> None:
        """Hash the models copied into the cache by hand in the background (seconds for a
        large one), then list them again."""
        if self._digest_task is not None:
            return
        manager = self.manager
        task = BackgroundTask(lambda _report: manager.statuses(), self)
        task.succeeded.connect(self._digests_checked)
        task.failed.connect(self._digests_checked)
        self._digest_task = task
        task.start()

    def _digests_checked(self, _outcome: object) -> None:
        task, self._digest_task = self._digest_task, None
        if task is not None:
            task.wait()
            task.deleteLater()
        if task is not None and task.outcome is not None and task.outcome[0] == "ok":
            self.refresh()

    def _end_verify(self) -> None:
        if self._verify_task is not None:
            self._verify_task.wait()
            self._verify_task.deleteLater()
        self._verify_task = None

    def _on_verified(self, report: VerifyReport) -> None:
        self._end_verify()
        self._local = report
        config = report.info.config
        self._say(f"{report.path}: SAM{config.version} {config.size} ({config.name})")
        self.refresh()
        self._select_row(LOCAL_ROW)

    def _on_verify_failed(self, exc: BaseException) -> None:
        self._end_verify()
        self._say(f"Cannot use this file: {error_text(exc)}", error=True)
        self._update_buttons()

    # ------------------------------------------------------------------ result

    def choice(self) -> ModelChoice | None:
        """What "Use this model" would hand on, or None if the selection is not usable."""
        name = self.selected_name()
        if name == LOCAL_ROW and self._local is not None:
            checkpoint, model = self._local.path, self._local.info.config.name
        elif name in self.manager.registry and self.manager.status(name).state == "cached":
            checkpoint, model = self.manager.path(name), name
        else:
            return None
        return ModelChoice(
            checkpoint=checkpoint,
            model_name=model,
            device=self.device_box.currentData(),
            precision=self.precision_box.currentData(),
            image_size=self.size_box.currentData(),
        )

    def apply(self) -> None:
        """Hand the choice to the callback and close."""
        choice = self.choice()
        if choice is None:
            self._say("Download the model first, or open a checkpoint file.", error=True)
            return
        if self._on_choice is not None:
            self._on_choice(choice)
        self.chosen.emit(choice)
        self.accept()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def done(self, result: int) -> None:
        """Closing stops a running download (kept for a resume) and waits for the threads."""
        self.download.stop()
        for task in (self._verify_task, self._digest_task):
            if task is not None:
                task.wait()
        super().done(result)
