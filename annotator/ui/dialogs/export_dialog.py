"""File > Export: every format and option of `annotator export`, run off the GUI thread.

The dialog takes a project file (opened read-only by the export, so the window may keep
editing) or an open Project; it shows a progress bar while the export runs, a cancel that
leaves no half-written folder, the outcome (counts, what was skipped, or the error), and
an "Open folder" button once the dataset is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import Project
from annotator.io.formats import ExportSummary
from annotator.io.formats.plan import OpenFrames
from annotator.ui.dialogs.background import BackgroundTask
from annotator.ui.dialogs.export_job import (
    ExportCancelled,
    ExportRequest,
    export_formats,
    format_label,
    may_write_polygons,
    open_video_frames,
    run_export,
)
from annotator.ui.dialogs.messages import error_text

OpenUrl = Callable[[QUrl], object]
ChooseFolder = Callable[[QWidget, str], str]


def _choose_folder(parent: QWidget, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, "Export into folder", start)


def project_category_names(source: Project | str | Path) -> list[str]:
    """The category names of an open project, or of a project file (read-only, briefly)."""
    if isinstance(source, Project):
        return [c.name for c in source.categories]
    from annotator.io.store import open_project

    with open_project(source, read_only=True) as project:
        return [c.name for c in project.categories]


def _non_empty_folder(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


class ExportDialog(QDialog):
    """Export a project as a dataset; `progressed(frames_done, frames_total)` while it runs,
    `exported(summary)` after a success."""

    progressed = Signal(int, int)
    exported = Signal(object)

    def __init__(
        self,
        source: Project | str | Path,
        parent: QWidget | None = None,
        *,
        categories: Sequence[str] | None = None,
        default_out: str | Path | None = None,
        open_frames: OpenFrames | None = open_video_frames,
        open_url: OpenUrl = QDesktopServices.openUrl,
        choose_folder: ChooseFolder = _choose_folder,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export dataset")
        self._source = source
        self._open_frames = open_frames
        self._open_url = open_url
        self._choose_folder = choose_folder
        self._task: BackgroundTask | None = None
        self._started = 0.0
        self.summary: ExportSummary | None = None
        self.last_request: ExportRequest | None = None  # what the last export ran
        problem = ""
        try:
            names = list(categories) if categories is not None else project_category_names(source)
        except Exception as exc:  # a damaged or missing file: say so, keep the dialog usable
            names, problem = [], f"Cannot read the project: {error_text(exc)}"
        self._build(names, default_out)
        self._on_format_changed()
        if problem:
            self._show_error(problem)
            self.export_button.setEnabled(False)

    # ------------------------------------------------------------------ form

    def _build(self, category_names: list[str], default_out: str | Path | None) -> None:
        self.format_box = QComboBox()
        for fmt in export_formats():
            self.format_box.addItem(format_label(fmt), fmt)
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        self.out_edit = QLineEdit(str(default_out) if default_out else "")
        self.out_edit.setPlaceholderText("folder for the dataset (created if missing)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(browse)
        self.overwrite_check = QCheckBox("Overwrite: replace an earlier export in this folder")

        self.frames_edit = QLineEdit()
        self.frames_edit.setPlaceholderText("all frames, or e.g. 0-99,200-")
        self.every_spin = QSpinBox()
        self.every_spin.setRange(1, 10_000)
        self.every_spin.setPrefix("every ")
        self.every_spin.setSuffix(" frame(s)")
        self.only_annotated_check = QCheckBox("Only frames with objects")
        self.category_list = QListWidget()
        self.category_list.setMaximumHeight(90)
        for name in category_names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.category_list.addItem(item)

        self.val_spin = QDoubleSpinBox()
        self.val_spin.setRange(0.0, 0.95)
        self.val_spin.setSingleStep(0.05)
        self.val_spin.setDecimals(2)
        self.val_spin.setSpecialValueText("no split")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.images_check = QCheckBox("Write frame images")
        self.images_check.setChecked(True)
        self.png_check = QCheckBox("PNG instead of JPEG")
        self.images_check.toggled.connect(self.png_check.setEnabled)
        self.fill_holes_check = QCheckBox("Fill holes")
        self.simplify_spin = QDoubleSpinBox()
        self.simplify_spin.setRange(0.0, 100.0)
        self.simplify_spin.setSingleStep(0.5)
        self.simplify_spin.setSuffix(" px")
        self.simplify_spin.setSpecialValueText("exact (larger files)")

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Folder", out_row)
        form.addRow("", self.overwrite_check)
        selection = QGroupBox("What to export")
        sel_form = QFormLayout(selection)
        sel_form.addRow("Frames", self.frames_edit)
        sel_form.addRow("", self.every_spin)
        sel_form.addRow("", self.only_annotated_check)
        sel_form.addRow("Categories", self.category_list)
        layout = QGroupBox("Dataset")
        lay_form = QFormLayout(layout)
        lay_form.addRow("Validation share", self.val_spin)
        lay_form.addRow("Split seed", self.seed_spin)
        lay_form.addRow("", self.images_check)
        lay_form.addRow("", self.png_check)
        self.polygon_box = QGroupBox("Polygons")
        poly_form = QFormLayout(self.polygon_box)
        poly_form.addRow("", self.fill_holes_check)
        poly_form.addRow("Simplify", self.simplify_spin)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(False)  # no "0%" before anything ran
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setEnabled(False)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        root = QVBoxLayout(self)
        root.addLayout(form)
        columns = QHBoxLayout()
        columns.addWidget(selection, 1)
        right = QVBoxLayout()
        right.addWidget(layout)
        right.addWidget(self.polygon_box)
        columns.addLayout(right, 1)
        root.addLayout(columns)
        root.addWidget(self.progress_bar)
        root.addWidget(self.status_label)
        root.addLayout(buttons)

    def _on_format_changed(self) -> None:
        self.polygon_box.setEnabled(may_write_polygons(self.current_format()))

    def _browse(self) -> None:
        chosen = self._choose_folder(self, self.out_edit.text())
        if chosen:
            self.out_edit.setText(chosen)

    def current_format(self) -> str:
        """The format name chosen (a key of EXPORTERS)."""
        return str(self.format_box.currentData())

    def select_format(self, fmt: str) -> None:
        """Choose a format by name (ValueError if EXPORTERS has no such format)."""
        index = self.format_box.findData(fmt)
        if index < 0:
            raise ValueError(f"no export format {fmt!r}")
        self.format_box.setCurrentIndex(index)

    def request(self) -> ExportRequest:
        """The form as an ExportRequest (the output folder must be filled in)."""
        items = [self.category_list.item(i) for i in range(self.category_list.count())]
        checked = [it.text() for it in items if it.checkState() == Qt.CheckState.Checked]
        return ExportRequest(
            fmt=self.current_format(),
            out_dir=Path(self.out_edit.text().strip()).expanduser(),
            frames=self.frames_edit.text(),
            every=self.every_spin.value(),
            categories=None if len(checked) == len(items) else tuple(checked),
            val_fraction=self.val_spin.value(),
            seed=self.seed_spin.value(),
            with_images=self.images_check.isChecked(),
            png=self.png_check.isChecked(),
            only_annotated=self.only_annotated_check.isChecked(),
            fill_holes=self.fill_holes_check.isChecked(),
            simplify=self.simplify_spin.value(),
            overwrite=self.overwrite_check.isChecked(),
        )

    def set_request(self, request: ExportRequest) -> None:
        """Fill the form in from a request (the last export of this project, say); categories
        it does not name stay as they are."""
        self.select_format(request.fmt)
        self.out_edit.setText(str(request.out_dir))
        self.frames_edit.setText(request.frames)
        self.every_spin.setValue(request.every)
        if request.categories is not None:
            for i in range(self.category_list.count()):
                item = self.category_list.item(i)
                chosen = item.text() in request.categories
                item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        self.val_spin.setValue(request.val_fraction)
        self.seed_spin.setValue(request.seed)
        self.images_check.setChecked(request.with_images)
        self.png_check.setChecked(request.png)
        self.only_annotated_check.setChecked(request.only_annotated)
        self.fill_holes_check.setChecked(request.fill_holes)
        self.simplify_spin.setValue(request.simplify)
        self.overwrite_check.setChecked(request.overwrite)

    # ------------------------------------------------------------------ running

    @property
    def running(self) -> bool:
        """Whether an export is in progress."""
        return self._task is not None

    @property
    def task(self) -> BackgroundTask | None:
        """The running export's thread, or None."""
        return self._task

    def start_export(self) -> None:
        """Validate the form and start the export in a background thread."""
        if self.running:
            return
        if not self.out_edit.text().strip():
            self._show_error("Choose a folder to export into.")
            return
        if self.category_list.count() and not any(
            self.category_list.item(i).checkState() == Qt.CheckState.Checked
            for i in range(self.category_list.count())
        ):
            self._show_error("Tick at least one category to export.")
            return
        request = self.request()
        if not request.overwrite and _non_empty_folder(request.out_dir):
            self._show_error(
                f"The folder {request.out_dir} is not empty: choose an empty or new folder, "
                "or tick Overwrite to replace an earlier export there."
            )
            return
        source, open_frames = self._source, self._open_frames if request.with_images else None
        self.last_request = request

        def job(report: Callable[[object], None]) -> ExportSummary:
            return run_export(
                request,
                source,
                open_frames=open_frames,
                progress=lambda done, total: report((done, total)),
                cancel=task.cancel_event,
            )

        task = BackgroundTask(job, self)
        task.progressed.connect(self._on_progress)
        task.succeeded.connect(self._on_done)
        task.failed.connect(self._on_failed)
        self._task = task
        self.summary = None
        self._started = time.perf_counter()
        self._set_running(True)
        self.progress_bar.setRange(0, 0)  # busy until the first frame reports
        self.progress_bar.setTextVisible(True)
        self.status_label.setStyleSheet("")
        self.status_label.setText(f"Exporting {request.fmt} to {request.out_dir} …")
        task.start()

    def cancel_export(self) -> None:
        """Stop the running export after the frame it is writing; nothing is left behind."""
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.status_label.setText("Cancelling …")

    def _set_running(self, running: bool) -> None:
        for widget in (self.export_button, self.close_button, self.format_box, self.out_edit):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.open_folder_button.setEnabled(False)

    def _on_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        if done >= total:
            self.status_label.setText("Writing the annotation files …")
        self.progressed.emit(done, total)

    def _finish(self) -> None:
        if self._task is not None:
            self._task.wait()
            self._task.deleteLater()
        self._task = None
        self._set_running(False)

    def _on_done(self, summary: ExportSummary) -> None:
        self._finish()
        self.summary = summary
        seconds = time.perf_counter() - self._started
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        lines = [
            f"Wrote {summary.images} images and {summary.annotations} annotations to "
            f"{summary.out_dir} ({seconds:.1f} s)."
        ]
        lines += [f"Skipped: {note}" for note in summary.skipped]
        self.status_label.setStyleSheet("")
        self.status_label.setText("\n".join(lines))
        self.open_folder_button.setEnabled(True)
        self.exported.emit(summary)

    def _on_failed(self, exc: BaseException) -> None:
        self._finish()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        if isinstance(exc, ExportCancelled):
            self.status_label.setStyleSheet("")
            self.status_label.setText("Export cancelled; nothing was left in the folder.")
        else:
            self._show_error(f"Export failed: {error_text(exc)}")

    def _show_error(self, text: str) -> None:
        self.status_label.setStyleSheet("color: #b00020;")
        self.status_label.setText(text)

    def open_folder(self) -> None:
        """Show the written dataset's folder in the desktop's file manager."""
        if self.summary is not None:
            self._open_url(QUrl.fromLocalFile(str(self.summary.out_dir)))

    def done(self, result: int) -> None:
        """Closing the dialog cancels a running export and waits for its thread."""
        if self._task is not None:
            self._task.cancel()
            self._task.wait()
        super().done(result)
