"""Propagation controls: backward / both / forward buttons, where a run ends (the in/out
range, the video's end, the active object's next keyframe), all objects or the selected ones,
whether hand edits may be replaced, an optional stop after N absent frames, a progress bar
with frames/s and time left, and Cancel, on one row, or with the choices on a second row when
the window is too narrow for one. A plain view: the controller reads its choices and feeds it
the service's progress."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLayout,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.service import Direction
from annotator.service.planning import RunEnd
from annotator.ui.widgets.elided_label import ElidedLabel

LABEL_MIN_WIDTH = 120  # the progress message is elided below its whole width
ONE_ROW_LABEL_WIDTH = 300  # ... and has this much on one row ("17 / 41 frames · 4.2 frames/s …")
RUN_ENDS = (
    (RunEnd.RANGE, "to range end"),
    (RunEnd.VIDEO, "to video end"),
    (RunEnd.NEXT_KEYFRAME, "to next keyframe"),
)


# the window replaces these with its actions' tooltips, which name the bound keys
_RUN_TIP = "Track {} from this frame to the run end, each object from its own keyframes"


def format_progress(done: int, total: int, fps: float, eta_seconds: float) -> str:
    """'12 / 100 frames · 5.3 frames/s · 17 s left' (the time rounded up)."""
    if eta_seconds >= 90:
        left = f"{eta_seconds / 60:.1f} min left"
    else:
        left = f"{int(-(-eta_seconds // 1))} s left"
    return f"{done} / {total} frames · {fps:.1f} frames/s · {left}"


class PropagationBar(QWidget):
    """Buttons to start a propagation from the current frame, and its progress."""

    propagateRequested = Signal(object)  # Direction
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backward_button = QPushButton("◀ Propagate back")
        self.backward_button.setToolTip(_RUN_TIP.format("backward"))
        self.both_button = QPushButton("◀▶ Both")
        self.both_button.setToolTip(_RUN_TIP.format("both ways"))
        self.forward_button = QPushButton("Propagate ▶")
        self.forward_button.setToolTip(_RUN_TIP.format("forward"))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; every frame tracked so far is kept")
        self.run_end_box = QComboBox()
        for end, text in RUN_ENDS:
            self.run_end_box.addItem(text, end)
        self.run_end_box.setToolTip(
            "Where a run stops: the in/out range (I/O keys; the whole video without one), the "
            "video's first or last frame, or the active object's next keyframe"
        )
        self.selected_only_box = QCheckBox("selected objects only")
        self.selected_only_box.setToolTip(
            "Track only the objects selected in the object list (the active one; Ctrl or "
            "Shift+click there selects more). Off: every object"
        )
        self.replace_edits_box = QCheckBox("replace my edits")
        self.replace_edits_box.setToolTip(
            "Let this run replace hand-edited masks in its range with tracked ones (undoable; "
            "clicked and boxed frames are always kept). Off: hand edits are never overwritten"
        )
        self.stop_after_box = QSpinBox()
        self.stop_after_box.setRange(0, 999)
        self.stop_after_box.setPrefix("stop after ")
        self.stop_after_box.setSuffix(" absent")
        self.stop_after_box.setSpecialValueText("never stop")
        self.stop_after_box.setToolTip(
            "End an object's run once the model has lost it (score < 0) for this many frames"
        )
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMinimumWidth(60)
        self.label = ElidedLabel()
        self.label.setMinimumWidth(LABEL_MIN_WIDTH)
        self.options = QWidget()  # the run's choices: beside the buttons, or below them
        options = QHBoxLayout(self.options)
        options.setContentsMargins(0, 0, 0, 0)
        for box in (self.run_end_box, self.selected_only_box, self.replace_edits_box):
            options.addWidget(box)
        options.addWidget(self.stop_after_box)
        options.addStretch(1)
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(0, 0, 0, 0)
        # the bar's minimum is minimumSizeHint's (two rows), not one row's the layout would set
        self._rows.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._first_row = QHBoxLayout()
        for button in (self.backward_button, self.both_button, self.forward_button):
            self._first_row.addWidget(button)
        self._first_row.addWidget(self.options)
        self._first_row.addWidget(self.progress, 1)
        self._first_row.addWidget(self.label)
        self._first_row.addWidget(self.cancel_button)
        self._rows.addLayout(self._first_row)

        self.backward_button.clicked.connect(
            lambda: self.propagateRequested.emit(Direction.BACKWARD)
        )
        self.both_button.clicked.connect(lambda: self.propagateRequested.emit(Direction.BOTH))
        self.forward_button.clicked.connect(lambda: self.propagateRequested.emit(Direction.FORWARD))
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.set_running(False)

    @property
    def wrapped(self) -> bool:
        """The run's choices sit on a second row (the bar is too narrow for one)."""
        return self._first_row.indexOf(self.options) < 0

    def one_row_width(self) -> int:
        """The narrowest width that holds everything on one row, the message with the room
        of a progress line."""
        return self._row_width(with_options=True, label=ONE_ROW_LABEL_WIDTH)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Narrow enough for two rows: the window may be narrower than one row's width."""
        hint = super().minimumSizeHint()
        first = self._row_width(with_options=False, label=LABEL_MIN_WIDTH)
        hint.setWidth(max(first, self.options.minimumSizeHint().width()))
        return hint

    def _row_width(self, *, with_options: bool, label: int) -> int:
        """Width of the first row at its parts' minimums, the message `label` wide."""
        parts = [self.backward_button, self.both_button, self.forward_button, self.progress]
        parts += [self.cancel_button, self.options] if with_options else [self.cancel_button]
        spacing = max(0, self._first_row.spacing()) * len(parts)  # the label is one more
        return sum(w.minimumSizeHint().width() for w in parts) + spacing + label

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        wrap = event.size().width() < self.one_row_width()
        if wrap != self.wrapped:
            self._first_row.removeWidget(self.options)
            self._rows.removeWidget(self.options)
            if wrap:
                self._rows.addWidget(self.options)
            else:
                self._first_row.insertWidget(3, self.options)

    @property
    def run_end(self) -> RunEnd:
        return RunEnd(self.run_end_box.currentData())

    def set_run_end(self, end: RunEnd) -> None:
        self.run_end_box.setCurrentIndex(self.run_end_box.findData(end))

    @property
    def selected_only(self) -> bool:
        """The run tracks the selected objects only (else every object)."""
        return self.selected_only_box.isChecked()

    @property
    def replace_edits(self) -> bool:
        """Hand-edited masks in the run's range may give way to tracked ones."""
        return self.replace_edits_box.isChecked()

    @property
    def stop_after_absent(self) -> int | None:
        """Frames without the object that end its run (None: never)."""
        return self.stop_after_box.value() or None

    def set_running(self, running: bool) -> None:
        """Propagate buttons while idle, Cancel while a run is going."""
        for button in (self.backward_button, self.both_button, self.forward_button):
            button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first frame says how many
            self.label.set_full_text("starting…")

    def set_progress(self, done: int, total: int, fps: float, eta_seconds: float) -> None:
        """Show one FrameTracked's progress."""
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.label.set_full_text(format_progress(done, total, fps, eta_seconds))

    def finish(self, message: str) -> None:
        """The run ended: say how (`message`) and re-enable the buttons."""
        self.set_running(False)
        if self.progress.maximum() == 0:  # still "busy": no frame came
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        self.label.set_full_text(message)  # the bar keeps the last frame's progress
