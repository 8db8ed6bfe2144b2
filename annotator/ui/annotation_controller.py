"""One document's annotation session in the window: composes the view model, the project's
event hop, the engine client and the presenters (overlay, lanes, prompting) for one video,
and runs the object and history operations the actions call.

The engine keeps prompts of its own: keyframes changed by undo/redo (and all of them when a
project is reopened) are replayed to it before the next propagation (`EngineSync`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from annotator.domain import (
    Command,
    DomainError,
    History,
    HistoryChanged,
    Project,
    Prompt,
    ViewState,
)
from annotator.domain.absence import MarkAbsent
from annotator.io.store import StoreError
from annotator.service import EngineError, ModelLoaded
from annotator.service.events import Event
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.engine_client import NO_MODEL_HINT, EngineClient
from annotator.ui.engine_sync import EngineSync
from annotator.ui.presenters.categories import CategoriesPresenter
from annotator.ui.presenters.lanes import LanesPresenter
from annotator.ui.presenters.mask_editing import MaskEditingPresenter
from annotator.ui.presenters.objects import ObjectsPresenter
from annotator.ui.presenters.overlay import OverlayPresenter
from annotator.ui.presenters.prompting import PromptingPresenter
from annotator.ui.presenters.wiring import connect_all, disconnect_all
from annotator.ui.project_events import ProjectEvents
from annotator.ui.view_model import ViewChange, ViewModel

log = logging.getLogger(__name__)

__all__ = ["NO_MODEL_HINT", "AnnotationController"]

LAND_AFTER_MS = 200  # a frame is pre-encoded once the scrubbing rests on it this long
# neighbours pre-encoded after landing on a frame: an encode cannot be interrupted, so on a
# CPU (seconds a frame) a click would wait for a neighbour's; on a GPU (tens of ms) it pays
PREENCODE_AHEAD = {"cpu": 0}
PREENCODE_AHEAD_DEFAULT = 4


class AnnotationController(QObject):
    """See the module docstring. `view` is the one source of the current frame and object."""

    statusMessage = Signal(str)
    historyChanged = Signal(bool, bool)  # can undo, can redo
    stepped = Signal()  # a command ran, or was undone or redone, on the GUI thread just now
    engineReady = Signal()

    def __init__(
        self,
        project: Project,
        video_id: int,
        canvas: Any,
        panel: Any,
        timeline: Any,
        bridge: EngineBridge | None = None,
        history: History | None = None,
        parent: QObject | None = None,
        *,
        view: ViewModel | None = None,
        category_panel: Any = None,
        key_text: Callable[[str], str] = lambda name: name,
    ) -> None:
        """`key_text(action)` names how that action is triggered now, for messages that say
        how to undo or stop something (`ActionRegistry.key_text`)."""
        super().__init__(parent)
        self.key_text = key_text
        self.project, self.video_id, self.bridge = project, video_id, bridge
        self.history = history if history is not None else History(project)
        self.canvas, self.panel, self.timeline = canvas, panel, timeline
        video = project.video(video_id)
        self.view = view if view is not None else ViewModel(video.num_frames)
        self.view.set_num_frames(video.num_frames)
        self.preencode_ahead = 0  # set from the device once the model is loaded
        self._closed = False
        self.events = ProjectEvents(project, self)
        self.client = EngineClient(bridge, self)
        self.sync = EngineSync(project, video_id)  # the engine's prompts vs the project's
        self.prompting = PromptingPresenter(
            project,
            video_id,
            self.view,
            self.client,
            self.sync,
            target=self._prompt_target,
            execute=self.execute,
            status=self.statusMessage.emit,
            parent=self,
        )
        self.overlay = OverlayPresenter(
            project, video_id, self.view, canvas, self.events, self.prompting.current_prompt, self
        )
        self.editing = MaskEditingPresenter(
            project,
            video_id,
            self.view,
            canvas,
            self.prompting,
            self.client,
            self.sync,
            execute=self.execute,
            status=self.statusMessage.emit,
            parent=self,
        )
        self.prompting.promptShown.connect(self._show_prompt)
        self._land_timer = QTimer(self)  # frames passed over while dragging are not encoded
        self._land_timer.setSingleShot(True)
        self._land_timer.setInterval(LAND_AFTER_MS)
        self._land_timer.timeout.connect(self._land)

        canvas.set_frame_size(video.width, video.height)
        self._wired = connect_all(
            [
                (canvas.pointClicked, self.prompting.add_point),
                (canvas.boxDrawn, self.prompting.add_box),
            ]
        )
        self.client.statusMessage.connect(self.statusMessage)
        self.client.modelLoaded.connect(self._on_model_loaded)
        self.client.ready.connect(self._on_engine_ready)
        self.events.historyChanged.connect(self._on_history)
        if bridge is not None:
            bridge.anyEvent.connect(self._on_engine_event)
        self._unsubscribe = [
            self.view.subscribe(self._on_frame, "frame"),
        ]

        state = project.view_state
        tracks = project.tracks(video_id)
        if state.track_id is not None and any(t.id == state.track_id for t in tracks):
            self.view.set_active_track(state.track_id)
        elif tracks:
            self.view.set_active_track(tracks[0].id)
        self.lanes = LanesPresenter(project, video_id, timeline, self.events, self.view, self)
        self.objects = ObjectsPresenter(
            project,
            video_id,
            self.view,
            panel,
            self.events,
            execute=self.execute,
            status=self.statusMessage.emit,
            undo_key=lambda: key_text("undo"),
            on_removed=self._forget_object,
            on_merged=self._note_changed,
            parent=self,
        )
        self._wired += connect_all([(canvas.objectPicked, self.objects.pick)])
        self.categories = (
            None
            if category_panel is None
            else CategoriesPresenter(
                project,
                self.view,
                category_panel,
                self.events,
                execute=self.execute,
                status=self.statusMessage.emit,
                undo_key=lambda: key_text("undo"),
                parent=self,
            )
        )
        self.overlay.refresh()
        timeline.set_current(self.view.frame)

    # --- what other parts read ---------------------------------------------------------------
    @property
    def frame(self) -> int:
        return self.view.frame

    @property
    def active_track(self) -> int | None:
        return self.view.active_track

    @property
    def engine_ready(self) -> bool:
        return self.client.ready_now and not self._closed

    @property
    def propagating(self) -> bool:
        return self.view.propagating

    @propagating.setter
    def propagating(self, running: bool) -> None:
        self.view.set_propagating(running)

    def current_prompt(self, frame: int, track_id: int) -> Prompt | None:
        return self.prompting.current_prompt(frame, track_id)

    # --- engine lifecycle ------------------------------------------------------------------
    def start_engine(
        self,
        frames: object,
        model: str | None = None,
        image_size: int | None = None,
        *,
        device: str = "cpu",
        fast: bool | None = None,
    ) -> None:
        """Load `model` (a checkpoint path or a cached model name; None: the service has one
        already) on `device` and open `frames` on the engine (`fast` None: the device's
        default precision); `engineReady` follows."""
        self.view.set_engine_ready(False)
        self.client.start(frames, model, image_size, device=device, fast=fast)

    def set_no_model(self, message: str = NO_MODEL_HINT) -> None:
        """No model will be loaded: prompts answer with `message`."""
        self.view.set_engine_ready(False)
        self.client.set_no_model(message)

    @Slot(object)
    def _on_model_loaded(self, event: ModelLoaded) -> None:
        device = event.device.split(":")[0]
        self.preencode_ahead = PREENCODE_AHEAD.get(device, PREENCODE_AHEAD_DEFAULT)

    def _on_engine_ready(self) -> None:
        if self._closed:
            return
        self.sync.note_keyframes(t.id for t in self.project.tracks(self.video_id))
        self._land()
        self.view.set_engine_ready(True)
        self.engineReady.emit()

    @Slot(object)
    def _on_engine_event(self, event: Event) -> None:
        if self.sync.is_replay(event.request_id):
            log.debug("engine replay %d answered: %s", event.request_id, type(event).__name__)
        if isinstance(event, EngineError):
            self.client.on_engine_error(event)

    # --- frames and selection ------------------------------------------------------------
    def set_frame(self, frame: int) -> None:
        """The window now shows `frame` (the view model notifies the presenters)."""
        self.view.set_frame(frame)

    def _on_frame(self, change: ViewChange) -> None:
        self.timeline.set_current(self.view.frame)
        if self.engine_ready:
            self._land_timer.start()

    def _land(self) -> None:
        if self.client.ready_now and self.bridge is not None and not self._closed:
            self.bridge.service.land(self.view.frame, self.preencode_ahead)

    def set_active(self, track_id: int) -> None:
        """Make `track_id` the object that clicks prompt."""
        self.view.set_active_track(track_id)

    def add_object(self) -> int:
        """A new track in the current category (undoable), made active; its id (-1: refused)."""
        return self.objects.add()

    def remove_object(self, track_id: int) -> None:
        """Delete a track and its masks (undoable); the engine forgets it."""
        self.objects.remove(track_id)

    def _note_changed(self, command: Command) -> None:
        """The engine learns this command's keyframes (and forgets its deleted tracks)
        before the next propagation."""
        if command.delta is not None:
            self.sync.note_change(command.delta.masks, command.delta.tracks)

    def _forget_object(self, track_id: int) -> None:
        if self.bridge is not None and self.engine_ready:
            self.sync.note_replay(self.bridge.service.remove_object(track_id).request_id)

    def clear_frame(self) -> None:
        """Remove the active object's mask and prompt on the current frame (undoable); the
        frame is marked absent, so no later propagation fills it again (a click undoes it)."""
        track = self.view.active_track
        if track is None:
            return
        command = self.execute(MarkAbsent(self.video_id, track, self.view.frame))
        if command is not None and command.delta is not None:
            self.sync.note_change(command.delta.masks, [])  # the engine forgets it before tracking

    def set_visible(self, track_id: int, visible: bool) -> None:
        """Show or hide a track's masks (undoable)."""
        self.objects.set_visible(track_id, visible)

    def _prompt_target(self) -> int | None:
        """The track a click prompts (a new one when none is active), or None with a reason."""
        if self.bridge is None or not self.client.expected:
            self.statusMessage.emit(self.client.no_model_message)
            return None
        active = self.view.active_track
        if active is not None and self.project.has_track(active):
            track = self.project.track(active)
            if track.hidden:
                self.statusMessage.emit(f"{track.name} is hidden; show it to edit its masks")
                return None
        elif self.add_object() < 0:
            return None
        track = self.project.track(self.view.active_track)  # type: ignore[arg-type]
        if track.locked:
            self.statusMessage.emit(f"{track.name} is locked; unlock it to edit its masks")
            return None
        if self.view.propagating:
            self.statusMessage.emit(
                "Propagating: the click is answered when it ends "
                f"({self.key_text('cancel_propagation')} stops it)"
            )
        return track.id

    def _show_prompt(self, prompt: Prompt, track: int) -> None:
        if track == self.view.active_track and self.project.has_track(track):
            self.canvas.set_prompt(prompt, self.project.track(track).colour)

    # --- undo / redo -----------------------------------------------------------------------
    def undo(self) -> None:
        """Take back the newest step (a propagation run is one step)."""
        self._step(self.history.undo, "Undid")

    def redo(self) -> None:
        """Re-apply the newest undone step."""
        self._step(self.history.redo, "Redid")

    def _step(self, action: Callable[[], Command | None], verb: str) -> None:
        try:
            command = action()
        except (DomainError, StoreError) as exc:
            self.statusMessage.emit(str(exc))
            return
        if command is None:
            return
        self.stepped.emit()
        self.statusMessage.emit(f"{verb} {command.label}")
        self.objects.refresh()
        self._note_changed(command)

    def sync_engine(self) -> int:
        """Replay the keyframes the engine may hold otherwise (before a propagation); returns
        the number of requests sent."""
        if self.bridge is None or not self.engine_ready:
            return 0
        return self.sync.flush(self.bridge.service)

    def execute(self, command: Command) -> Command | None:
        """Run an undoable command; a refusal becomes a status message (None returned)."""
        try:
            done = self.history.execute(command)
        except (DomainError, StoreError) as exc:  # StoreError: e.g. a project opened read-only
            self.statusMessage.emit(str(exc))
            return None
        self.stepped.emit()
        return done

    # --- views -------------------------------------------------------------------------------
    @Slot(object)
    def _on_history(self, event: HistoryChanged) -> None:
        self.historyChanged.emit(event.can_undo, event.can_redo)

    def refresh_overlay(self) -> None:
        """Repaint the masks and the active object's prompt on the current frame."""
        self.overlay.refresh()

    def refresh_lanes(self) -> None:
        """Re-read the timeline lanes of the tracks whose masks changed."""
        self.lanes.refresh()

    def close(self) -> None:
        """Stop listening to the project and the engine; save where the user was."""
        if self._closed:
            return
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        disconnect_all(self._wired)  # the canvas and panels may serve the next document
        self.objects.close()
        if self.categories is not None:
            self.categories.close()
        self.events.close()
        self.prompting.close()
        self.editing.close()
        self.overlay.close()
        self.lanes.close()
        self._land_timer.stop()
        self.client.ready_now = False
        # best effort: a closed or read-only store only loses "where was I"
        with contextlib.suppress(Exception):
            self.project.set_view_state(
                ViewState(self.video_id, self.view.frame, self.view.active_track)
            )
