"""File > Import: the formats of `annotator import`, a dry-run preview (what would be added,
or the error with its file and line), then apply in one transaction.

The dialog works on the window's open Project: the preview reads off the GUI thread and
writes nothing; "Import" writes what the preview showed (`imported(track ids)` after).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import Project
from annotator.io.formats import ImportResult, apply_import, describe
from annotator.ui.dialogs.background import BackgroundTask
from annotator.ui.dialogs.import_job import (
    LINKED_FORMATS,
    ImportRequest,
    import_formats,
    preview_lines,
    read_dataset,
)
from annotator.ui.dialogs.messages import error_text

ChooseSource = Callable[[QWidget, bool], str]
"""choose(parent, folder) -> a path, or "" when the user cancels."""


def _choose_source(parent: QWidget, folder: bool) -> str:
    if folder:
        return QFileDialog.getExistingDirectory(parent, "Dataset folder")
    path, _ = QFileDialog.getOpenFileName(parent, "Dataset file")
    return path


class ImportDialog(QDialog):
    """Preview, then import, a dataset's labels into an open project."""

    imported = Signal(object)

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        *,
        choose_source: ChooseSource = _choose_source,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import labels")
        self.project = project
        self._choose_source = choose_source
        self._task: BackgroundTask | None = None
        self._previewed: tuple[ImportRequest, ImportResult] | None = None

        self.format_box = QComboBox()
        for fmt in import_formats():
            self.format_box.addItem(fmt, fmt)
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText(
            "the dataset file or folder, as annotator import takes it"
        )
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_edit, 1)
        for label, folder in (("File…", False), ("Folder…", True)):
            button = QPushButton(label)
            button.clicked.connect(lambda _checked=False, f=folder: self._browse(f))
            source_row.addWidget(button)
        self.video_box = QComboBox()
        self.video_box.addItem("from the image file names", None)
        for video in project.videos:
            self.video_box.addItem(f"{video.id}: {Path(video.path).name}", video.id)
        self.category_edit = QLineEdit()
        self.category_edit.setPlaceholderText("SA-V: category of the imported masklets")
        self.link_check = QCheckBox("Join rows that overlap on consecutive frames into one object")
        self.link_check.setChecked(True)
        self.link_check.setToolTip(
            "YOLO rows, VOC instances, COCO annotations, labelme or ISAT shapes and Label Studio "
            "regions without a track or group id name no object: joined, a video's labels become "
            "objects with a lane each instead of one object per row"
        )
        self.link_check.toggled.connect(self._forget_preview)
        self.format_box.currentIndexChanged.connect(self._show_link_choice)
        for widget in (self.format_box, self.video_box):
            widget.currentIndexChanged.connect(self._forget_preview)
        for edit in (self.source_edit, self.category_edit):
            edit.textChanged.connect(self._forget_preview)

        self.preview = QListWidget()
        self.preview.setMinimumHeight(160)
        self.status_label = QLabel(
            "Preview first: it validates the whole dataset and writes nothing."
        )
        self.status_label.setWordWrap(True)
        self.preview_button = QPushButton("Preview (dry run)")
        self.preview_button.setDefault(True)
        self.preview_button.clicked.connect(self.start_preview)
        self.import_button = QPushButton("Import")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.apply)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Source", source_row)
        form.addRow("Video", self.video_box)
        form.addRow("Category", self.category_edit)
        form.addRow("Objects", self.link_check)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.preview_button, self.import_button, close):
            buttons.addWidget(button)
        root = QVBoxLayout(self)
        root.addLayout(form)
        root.addWidget(self.preview)
        root.addWidget(self.status_label)
        root.addLayout(buttons)
        self.resize(560, 420)
        self._show_link_choice()

    def _show_link_choice(self) -> None:
        self.link_check.setEnabled(self.current_format() in LINKED_FORMATS)

    def _browse(self, folder: bool) -> None:
        chosen = self._choose_source(self, folder)
        if chosen:
            self.source_edit.setText(chosen)

    def current_format(self) -> str:
        """The chosen format name."""
        return str(self.format_box.currentData())

    def select_format(self, fmt: str) -> None:
        """Choose a format by name (ValueError if `annotator import` has no such format)."""
        index = self.format_box.findData(fmt)
        if index < 0:
            raise ValueError(f"no import format {fmt!r}")
        self.format_box.setCurrentIndex(index)

    def request(self) -> ImportRequest:
        """The form as an ImportRequest."""
        return ImportRequest(
            fmt=self.current_format(),
            source=Path(self.source_edit.text().strip()).expanduser(),
            video_id=self.video_box.currentData(),
            category=self.category_edit.text().strip() or None,
            link=self.link_check.isChecked() or self.current_format() not in LINKED_FORMATS,
        )

    @property
    def running(self) -> bool:
        """Whether a preview is being read."""
        return self._task is not None

    def _forget_preview(self) -> None:
        self._previewed = None
        self.import_button.setEnabled(False)

    def start_preview(self) -> None:
        """Validate the dataset in the background; the preview lists what would be added."""
        if self.running:
            return
        if not self.source_edit.text().strip():
            self._show([], status="Choose the dataset file or folder to import.", error=True)
            return
        request, project = self.request(), self.project
        task = BackgroundTask(lambda _report: (request, read_dataset(project, request)), self)
        task.succeeded.connect(self._on_previewed)
        task.failed.connect(self._on_failed)
        self._task = task
        self._forget_preview()
        self.preview_button.setEnabled(False)
        self._show([], status=f"Reading {request.source} …")
        task.start()

    def _end(self) -> None:
        if self._task is not None:
            self._task.wait()
            self._task.deleteLater()
        self._task = None
        self.preview_button.setEnabled(True)

    def _on_previewed(self, outcome: tuple[ImportRequest, ImportResult]) -> None:
        self._end()
        request, result = outcome
        if request != self.request():  # the form changed while reading
            self._show([], status="The form changed: preview again.")
            return
        self._previewed = outcome
        self._show(preview_lines(result, self.project), status="Dry run: nothing was written.")
        self.import_button.setEnabled(True)

    def _on_failed(self, exc: BaseException) -> None:
        self._end()
        self._show([error_text(exc)], status="The dataset cannot be imported:", error=True)

    def _show(self, lines: list[str], *, status: str, error: bool = False) -> None:
        self.preview.clear()
        for line in lines:
            item = QListWidgetItem(line)
            if error:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.preview.addItem(item)
        self.status_label.setStyleSheet("color: #b00020;" if error else "")
        self.status_label.setText(status)

    def apply(self) -> None:
        """Write what the preview showed, all in one transaction (or nothing, with why)."""
        if self._previewed is None:
            return
        request, result = self._previewed
        try:
            ids = apply_import(self.project, result)
        except Exception as exc:  # every failure becomes a message; the project is unchanged
            self._show(
                [error_text(exc)], error=True, status="The import failed; nothing was written:"
            )
            return
        finally:
            self._forget_preview()
        counts = describe(result)
        self._show(
            [],
            status=f"Added {counts['tracks']} tracks, {counts['masks']} masks and "
            f"{counts['box_prompts']} box prompts from {request.source}.",
        )
        self.imported.emit(sorted(ids.values()))

    def done(self, result: int) -> None:
        """Closing waits for a preview being read."""
        if self._task is not None:
            self._task.wait()
        super().done(result)
