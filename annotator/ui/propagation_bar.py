"""Propagation controls: backward / both / forward buttons, where a run ends (the in/out
range, the video's end, the active object's next keyframe), all objects or the selected ones,
whether hand edits may be replaced, an optional stop after N absent frames, a progress bar
with frames/s and time left, and Cancel. A plain view: the controller reads its choices and
feeds it the service's progress."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from annotator.service import Direction
from annotator.service.planning import RunEnd
from annotator.ui.widgets.elided_label import ElidedLabel

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
        self.label = ElidedLabel()
        self.label.setMinimumWidth(260)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button in (self.backward_button, self.both_button, self.forward_button):
            layout.addWidget(button)
        options = (self.run_end_box, self.selected_only_box, self.replace_edits_box)
        for box in (*options, self.stop_after_box):
            layout.addWidget(box)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)

        self.backward_button.clicked.connect(
            lambda: self.propagateRequested.emit(Direction.BACKWARD)
        )
        self.both_button.clicked.connect(lambda: self.propagateRequested.emit(Direction.BOTH))
        self.forward_button.clicked.connect(lambda: self.propagateRequested.emit(Direction.FORWARD))
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.set_running(False)

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
