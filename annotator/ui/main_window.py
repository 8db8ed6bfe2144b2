"""The main window: composes the canvas, object panel, timeline, propagation bar and the
controllers, and holds the actions and shortcuts; the logic lives in the controllers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from annotator.domain import History, Project
from annotator.service import Direction
from annotator.ui.annotation_controller import AnnotationController
from annotator.ui.canvas import AnnotationCanvas
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.frame_loader import FrameLoader, FrameSource
from annotator.ui.object_panel import ObjectPanel
from annotator.ui.project_setup import ensure_video
from annotator.ui.propagation_bar import PropagationBar
from annotator.ui.propagation_controller import PropagationController
from annotator.ui.timeline import Timeline


class MainWindow(QMainWindow):
    """Canvas and object list over the timeline and the propagation controls.

    `project` defaults to an in-memory one; `bridge` None means no engine (scrubbing only).
    Closing the window cancels a propagation, saves the view state and closes the bridge.
    """

    def __init__(
        self,
        frames: FrameSource,
        title: str = "annotator",
        *,
        project: Project | None = None,
        video_id: int | None = None,
        bridge: EngineBridge | None = None,
        history: History | None = None,
    ) -> None:
        super().__init__()
        if len(frames) == 0:
            raise ValueError("the video has no frames")
        self._frames = frames
        self._shown: tuple[int, bool] = (-1, False)
        self._closed = False
        self._cleanups: list[Callable[[], object]] = []
        self.setWindowTitle(title)
        self.project = project if project is not None else Project()
        if video_id is None:
            video_id = ensure_video(self.project, frames)
        self.bridge = bridge

        self.canvas = AnnotationCanvas()
        self.frame_view = self.canvas  # the older name
        self.objects = ObjectPanel()
        self.timeline = Timeline(len(frames))
        self.propagation_bar = PropagationBar()
        self.frame_label = QLabel()
        self.frame_label.setMinimumWidth(110)
        self._layout()

        self.controller = AnnotationController(
            self.project, video_id, self.canvas, self.objects, self.timeline, bridge, history
        )
        self.propagation = PropagationController(self.controller, self.propagation_bar)
        self.controller.statusMessage.connect(self.statusBar().showMessage)
        self.propagation.statusMessage.connect(self.statusBar().showMessage)
        self._make_actions()

        self.loader = FrameLoader(frames, self)
        self.loader.frameReady.connect(self._paint_frame)
        self.timeline.frameRequested.connect(self.show_frame)
        state = self.project.view_state
        start = state.frame if state.video_id == video_id else 0  # "where was I"
        self._current = -1
        self.show_frame(min(start, len(frames) - 1))

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.canvas, 1)
        top.addWidget(self.objects)
        scrub = QHBoxLayout()
        scrub.addWidget(self.timeline, 1)
        scrub.addWidget(self.frame_label)
        layout = QVBoxLayout()
        layout.addLayout(top, 1)
        layout.addLayout(scrub)
        layout.addWidget(self.propagation_bar)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

    def _make_actions(self) -> None:
        menu = self.menuBar().addMenu("&Edit")
        specs: list[tuple[str, QKeySequence, Callable[[], object]]] = [
            ("Undo", QKeySequence(QKeySequence.StandardKey.Undo), self.controller.undo),
            ("Redo", QKeySequence("Ctrl+Shift+Z"), self.controller.redo),
            ("New object", QKeySequence("N"), self.controller.add_object),
            (
                "Propagate forward",
                QKeySequence("P"),
                lambda: self.propagation.propagate(Direction.FORWARD),
            ),
            (
                "Propagate backward",
                QKeySequence("Shift+B"),
                lambda: self.propagation.propagate(Direction.BACKWARD),
            ),
            (
                "Propagate both ways",
                QKeySequence("Shift+P"),
                lambda: self.propagation.propagate(Direction.BOTH),
            ),
            ("Cancel propagation", QKeySequence("Esc"), self.propagation.cancel),
            ("Clear object on this frame", QKeySequence("Backspace"), self.controller.clear_frame),
            ("Next frame", QKeySequence("."), lambda: self.show_frame(self._current + 1)),
            ("Previous frame", QKeySequence(","), lambda: self.show_frame(self._current - 1)),
        ]
        self.actions_by_name: dict[str, QAction] = {}
        for name, keys, slot in specs:
            action = QAction(name, self)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.actions_by_name[name] = action
        undo, redo = self.actions_by_name["Undo"], self.actions_by_name["Redo"]
        undo.setEnabled(False)
        redo.setEnabled(False)
        redo.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )

        def history_changed(can_undo: bool, can_redo: bool) -> None:
            undo.setEnabled(can_undo)
            redo.setEnabled(can_redo)

        self.controller.historyChanged.connect(history_changed)

    @property
    def current_frame(self) -> int:
        return self._current

    @property
    def shown_exact(self) -> bool:
        """Whether the view holds the exact current frame rather than its scrub proxy."""
        return self._shown == (self.current_frame, True)

    def show_frame(self, index: int) -> None:
        """Display frame `index`, its masks, and keep the timeline and label in step."""
        index = min(max(int(index), 0), len(self._frames) - 1)
        if index == self._current:
            return
        self._current = index
        self.frame_label.setText(f"{index + 1} / {len(self._frames)}")
        self.controller.set_frame(index)
        self.loader.show(index)

    def _paint_frame(self, index: int, frame: np.ndarray, exact: bool) -> None:
        if index == self.current_frame:
            self.canvas.set_frame(frame)
            self._shown = (index, exact)

    def shutdown(self) -> None:
        """Cancel a propagation, save the view state, stop the engine, run the cleanups
        (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.propagation.close()
        self.controller.close()
        if self.bridge is not None:
            self.bridge.close()
        for cleanup in self._cleanups:
            cleanup()

    def add_cleanup(self, cleanup: Callable[[], object]) -> None:
        """Call `cleanup()` on shutdown, after the engine stopped (e.g. close the project)."""
        self._cleanups.append(cleanup)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        self.shutdown()
        super().closeEvent(event)
