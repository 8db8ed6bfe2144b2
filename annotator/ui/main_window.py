"""The main window: composition only. The canvas and the object panel over the timeline and
the propagation bar; menus built from the action registry; a status bar with a permanent
model / device / precision field. The logic lives in the controller and its presenters.

Hooks for other parts: `window.document` (project, video, frames, history),
`window.view` (the current frame, active object, click mode: subscribe to it),
`window.registry` (add ActionSpecs; menus and the F1 list read it), `window.client` (engine
requests with then/fail callbacks), `window.events` (the project's changes on the GUI thread).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import History, Project
from annotator.io.frames.orientation import turned_by_exif
from annotator.io.media import ensure_video, media_kind
from annotator.ui.actions import ActionRegistry
from annotator.ui.annotation_controller import AnnotationController
from annotator.ui.canvas import AnnotationCanvas
from annotator.ui.canvas_actions import install_canvas_tools
from annotator.ui.dialog_menus import DialogMenus
from annotator.ui.document import Document
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.engine_client import EngineClient
from annotator.ui.file_drop import FileDrop
from annotator.ui.file_menu import FileMenu
from annotator.ui.frame_loader import FrameLoader, FrameSource
from annotator.ui.presenters.frame_count import FrameCountWatcher
from annotator.ui.project_events import ProjectEvents
from annotator.ui.propagation_bar import PropagationBar
from annotator.ui.propagation_controller import PropagationController
from annotator.ui.settings import Settings
from annotator.ui.timeline import Timeline
from annotator.ui.timeline_actions import connect_timeline, install_timeline
from annotator.ui.view_model import ViewChange, ViewModel
from annotator.ui.widgets.category_panel import CategoryPanel
from annotator.ui.widgets.image_strip import ImageStrip
from annotator.ui.widgets.object_panel import ObjectPanel
from annotator.ui.window_actions import (
    edit_actions,
    navigation_actions,
    object_actions,
    propagation_actions,
)

UNREADABLE_GREY = 64  # the placeholder shown for a frame that cannot be decoded
MENUS = ("File", "Edit", "View", "Track", "Model", "Help")
TIMELINE_LANES = 4  # lanes the timeline shows; Shift+wheel scrolls to the others
FIRST_SIZE = QSize(1280, 820)  # the window before any size was saved


def first_start_size(screen: QSize) -> QSize:
    """1280 x 820, or 90 % of a smaller screen: room for the frame beside the panels."""
    return QSize(
        min(FIRST_SIZE.width(), screen.width() * 9 // 10),
        min(FIRST_SIZE.height(), screen.height() * 9 // 10),
    )


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
        document: Document | None = None,
    ) -> None:
        super().__init__()
        if len(frames) == 0:
            raise ValueError("the video has no frames")
        if document is None:
            project = project if project is not None else Project()
            if video_id is None:
                video_id = ensure_video(project, frames)
            document = Document(project, video_id, frames, history or History(project))
        self._closed = False
        self.frame_problem: str | None = None  # why the shown frame is a placeholder
        self._cleanups: list[Callable[[], object]] = []
        self.setWindowTitle(title)
        self.bridge = bridge
        self.view = ViewModel(len(frames))
        self.canvas = AnnotationCanvas()
        self.frame_view = self.canvas  # the older name
        self.objects = ObjectPanel()
        self.categories_panel = CategoryPanel()
        self.frame_label = QLabel()
        self.frame_label.setMinimumWidth(110)
        self.read_only_label = QLabel("Read-only")  # shown while the project cannot be edited
        self.statusBar().addPermanentWidget(self.read_only_label)
        self.exif_label = QLabel("As stored (EXIF turn ignored)")  # shown for such photos
        self.exif_label.setToolTip(
            "This photo is shown as stored: its EXIF asks viewers to turn it, which the "
            "annotator (like training tools) does not; masks and exports follow the pixels shown"
        )
        self.statusBar().addPermanentWidget(self.exif_label)
        self.model_label = QLabel("No model")
        self.model_label.setToolTip("The model answering clicks, its device and precision")
        self.statusBar().addPermanentWidget(self.model_label)
        self.settings = Settings()
        self.image_strip = ImageStrip()
        self.registry = ActionRegistry(self)
        self.file_menu = FileMenu(self)
        self.file_drop = FileDrop(self)
        self.dialogs = DialogMenus(self)
        self.image_strip.photoRequested.connect(self.file_menu.switch_to)
        self.menus: dict[str, QMenu] = {}
        self._scrub = QHBoxLayout()
        self._central = QVBoxLayout()
        self._show_document(document)
        self._layout()
        self.registry.add_all(self.file_menu.specs())
        self.registry.add_all(edit_actions(self))
        self.registry.add_all(navigation_actions(self))
        self.registry.add_all(propagation_actions(self))
        self.canvas_tools = install_canvas_tools(self)
        self.registry.add_all(object_actions(self))
        self.playback = install_timeline(self)
        self.registry.add_all(self.dialogs.specs())
        self.dialogs.default_keys = {
            s.name: tuple(self.registry.keys_of(s.name)) for s in self.registry.specs
        }
        self.registry.mirror_tooltip(self.objects.add_button, "new_object")
        self._mirror_propagation_tips()
        self._restore_settings()
        self.build_menus()
        self.view.subscribe(self._on_view_change)
        self.refresh_actions()

    def _show_document(self, document: Document) -> None:
        """Build the per-document parts (controller, presenters, timeline, loader)."""
        self.document = document
        self.project = document.project
        self._frames = document.frames
        self._shown = (-1, False)
        self._current = -1
        num_frames = len(document.frames)
        self.view.set_num_frames(num_frames)
        self.timeline = Timeline(num_frames, visible_lanes=TIMELINE_LANES)
        self.propagation_bar = PropagationBar()
        self.controller = AnnotationController(
            document.project,
            document.video_id,
            self.canvas,
            self.objects,
            self.timeline,
            self.bridge,
            document.history,
            self,
            view=self.view,
            category_panel=self.categories_panel,
            key_text=self.registry.key_text,
        )
        self.propagation = PropagationController(self.controller, self.propagation_bar, self)
        self.controller.statusMessage.connect(self.statusBar().showMessage)
        self.propagation.statusMessage.connect(self.statusBar().showMessage)
        self.controller.historyChanged.connect(lambda *_: self.refresh_actions())
        self.controller.stepped.connect(self.refresh_actions)
        self.client.modelLoaded.connect(self._show_model)
        self.client.ready.connect(self._show_model)  # the session says its precision
        self.client.unavailable.connect(lambda _why: self.model_label.setText("No model"))
        self.client.loading.connect(
            lambda model: self.model_label.setText(f"Loading {Path(model).stem}…")
        )
        self.loader = FrameLoader(document.frames, self)
        self.loader.frameReady.connect(self._paint_frame)
        self.loader.frameFailed.connect(self._frame_failed)
        self.timeline.frameRequested.connect(self.show_frame)
        connect_timeline(self)
        self._scrub.insertWidget(0, self.timeline, 1)
        self._central.addWidget(self.propagation_bar)
        state = self.project.view_state
        start = state.frame if state.video_id == document.video_id else 0  # "where was I"
        self.show_frame(min(start, num_frames - 1))
        photo = document.is_photo
        self.timeline.setVisible(not photo)
        self.propagation_bar.setVisible(not photo)
        self.frame_label.setVisible(not photo)
        self.refresh_media()
        self.frames_watcher = FrameCountWatcher(self, self.controller)
        self.show_read_only()
        self.exif_label.setVisible(photo and turned_by_exif(document.video.path))

    def show_read_only(self) -> str | None:
        """Say why the project cannot be edited (damaged rows, a read-only filesystem): the
        status bar's message and a lasting 'Read-only' mark whose tooltip repeats it."""
        storage = self.project.storage
        reason = getattr(storage, "read_only_reason", None)
        if reason is None and getattr(storage, "read_only", False):
            name = self.document.path.name if self.document.path else "The project"
            reason = f"{name} was opened read-only"
        self.read_only_label.setVisible(reason is not None)
        self.read_only_label.setToolTip(reason or "")
        if reason is not None:
            self.statusBar().showMessage(reason)
        return reason

    def refresh_media(self) -> None:
        """The image strip lists the project's photos when a photo is shown."""
        photos = [v for v in self.project.videos if media_kind(v) == "photo"]
        self.image_strip.setVisible(self.document.is_photo)
        self.image_strip.set_photos(photos, self.document.video_id)

    def _restore_settings(self) -> None:
        geometry, state = self.settings.geometry(), self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(first_start_size(self.screen().availableGeometry().size()))
        if state is not None:
            self.restoreState(state)
        options = self.canvas.masks.options
        opacity = self.settings.overlay_opacity(options.opacity)
        self.canvas.set_overlay_options(replace(options, opacity=opacity))
        by_category = self.settings.colour_by_category()
        self.view.set_colour_by_category(by_category)
        self.registry["overlay_by_category"].setChecked(by_category)
        for name, keys in self.settings.shortcuts().items():
            if name in self.registry:
                with contextlib.suppress(ValueError):  # a key taken since: keep the default
                    self.registry.rebind(name, keys)

    def set_document(self, document: Document, *, close_old: bool = True) -> None:
        """Show another document in this window (File > Open, New, switching videos): the
        old one is closed (its lock released) and the engine opens the new frames with the
        model it has."""
        had_engine = self.controller.client.expected
        fast = self.controller.client.fast  # the precision in use stays
        no_model = self.controller.client.no_model_message
        self._close_document(close_old)
        self._show_document(document)
        self._mirror_propagation_tips()
        self.setWindowTitle(document.title)
        if self.bridge is not None and had_engine:
            self.controller.start_engine(document.frames, fast=fast)
        else:
            self.controller.set_no_model(no_model)
        self.refresh_actions()

    def _mirror_propagation_tips(self) -> None:
        """The propagation bar's buttons name the keys their actions are bound to."""
        bar = self.propagation_bar
        for button, name in (
            (bar.backward_button, "propagate_backward"),
            (bar.both_button, "propagate_both"),
            (bar.forward_button, "propagate_forward"),
            (bar.cancel_button, "cancel_propagation"),
        ):
            self.registry.mirror_tooltip(button, name)

    def _close_document(self, close_old: bool) -> None:
        self.propagation.close()
        self.controller.close()
        self.client.close()
        for widget in (self.timeline, self.propagation_bar):
            widget.setParent(None)
            widget.deleteLater()
        for part in (self.propagation, self.controller, self.loader):
            part.deleteLater()
        if close_old:
            self.document.close()

    # --- hooks ---------------------------------------------------------------------------
    @property
    def client(self) -> EngineClient:
        return self.controller.client

    @property
    def events(self) -> ProjectEvents:
        return self.controller.events

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.canvas, 1)
        side = QVBoxLayout()
        side.addWidget(self.objects, 3)
        side.addWidget(self.categories_panel, 2)
        top.addLayout(side)
        self._scrub.addWidget(self.frame_label)
        self._central.insertLayout(0, top, 1)
        self._central.insertLayout(1, self._scrub)
        self._central.insertWidget(2, self.image_strip)
        central = QWidget()
        central.setLayout(self._central)
        self.setCentralWidget(central)

    def build_menus(self) -> None:
        """(Re)build the menu bar from the registry: one menu per ActionSpec.menu."""
        self.menuBar().clear()
        self.menus = {}
        for name in MENUS:
            actions = self.registry.in_menu(name)
            if actions:
                menu = self.menuBar().addMenu(f"&{name}")
                menu.addActions(actions)
                self.menus[name] = menu
        if "File" in self.menus:
            self.file_menu.install_submenus(self.menus["File"])

    def refresh_actions(self) -> None:
        """Enabled states from their rules; Undo/Redo say what they would take back."""
        self.registry.refresh()
        history = self.controller.history
        undo, redo = self.registry["undo"], self.registry["redo"]
        undo.setText(f"Undo {history.undo_label}" if history.undo_label else "Undo")
        redo.setText(f"Redo {history.redo_label}" if history.redo_label else "Redo")

    def _on_view_change(self, change: ViewChange) -> None:
        if change.field != "frame":
            self.refresh_actions()
        elif self.read_only_label.isHidden() and getattr(self.project.storage, "read_only", False):
            self.show_read_only()  # a damaged row found while reading this frame's masks

    def _show_model(self, *_: object) -> None:
        client = self.client
        if client.model_name:
            precision = "fast (bf16)" if client.fast else "exact"
            self.model_label.setText(
                f"{client.model_name} · {client.device} · {precision} · {client.image_size} px"
            )

    # --- frames --------------------------------------------------------------------------
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
        # numbered from 0, as the timeline, Go to frame, the command line and exports number them
        self.frame_label.setText(f"frame {index} / {len(self._frames) - 1}")
        self.controller.set_frame(index)
        self.loader.show(index)

    def _paint_frame(self, index: int, frame: np.ndarray, exact: bool) -> None:
        if index == self.current_frame:
            self.canvas.set_frame(frame)
            self._shown = (index, exact)
            self.frame_problem = None

    def _frame_failed(self, index: int, message: str) -> None:
        """An unreadable frame: a grey placeholder and a message; the window goes on."""
        if index != self.current_frame:
            return
        video = self.document.video
        self.canvas.set_frame(np.full((video.height, video.width, 3), UNREADABLE_GREY, np.uint8))
        self._shown = (index, True)
        self.frame_problem = (
            f"Frame {index} of {Path(video.path).name} cannot be read: {message.rstrip('.')}. "
            "The other frames can still be annotated; replace the file to fix it."
        )
        self.statusBar().showMessage(self.frame_problem)

    # --- closing -------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Close its dialogs, cancel a propagation, save the view state, stop the engine, run
        the cleanups (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for dialog in self.findChildren(QDialog):  # a modal one would block other windows
            dialog.close()
        self.propagation.close()
        self.controller.close()
        self.client.close()
        if self.bridge is not None:
            self.bridge.close()
        for cleanup in self._cleanups:
            cleanup()

    def add_cleanup(self, cleanup: Callable[[], object]) -> None:
        """Call `cleanup()` on shutdown, after the engine stopped (e.g. close the project)."""
        self._cleanups.append(cleanup)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)
