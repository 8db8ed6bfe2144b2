"""Qt glue between the canvas, object panel and timeline, the engine bridge and the Project.

Every click's answer is written as an undoable SetMask (provenance PROMPTED, with the
prompt); objects are tracks (engine object id = track id). The views are refreshed from
the project's change events, so undo/redo and propagated frames repaint the same way.
The engine keeps prompts of its own: keyframes changed by undo/redo (and all of them when a
project is reopened) are replayed to it before the next propagation, so both agree.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from annotator.domain import (
    AddTrack,
    ClearMask,
    Command,
    DomainError,
    History,
    HistoryChanged,
    MasksChanged,
    Project,
    ProjectEvent,
    Prompt,
    Provenance,
    RemoveTrack,
    SetMask,
    SetTrackFlags,
    TracksChanged,
    ViewState,
)
from annotator.service import EngineError, MaskResult, ModelLoaded, VideoReady
from annotator.service.keyframes import give_prompt
from annotator.ui.canvas import AnnotationCanvas
from annotator.ui.engine_bridge import EngineBridge
from annotator.ui.engine_sync import EngineSync
from annotator.ui.object_panel import ObjectPanel
from annotator.ui.overlay import render_overlay
from annotator.ui.timeline import Lane, Timeline

log = logging.getLogger(__name__)

NO_MODEL_HINT = (
    "No model loaded: scrubbing only. Get one with "
    "`annotator models download sam2.1_hiera_tiny`, then reopen."
)
LANE_REFRESH_MS = 80
LAND_AFTER_MS = 200  # a frame is pre-encoded once the scrubbing rests on it this long
# neighbours pre-encoded after landing on a frame: an encode cannot be interrupted, so on a
# CPU (seconds a frame) a click would wait for a neighbour's; on a GPU (tens of ms) it pays
PREENCODE_AHEAD = {"cpu": 0}
PREENCODE_AHEAD_DEFAULT = 4  # coalesces the lane updates of a propagation's many frames


class AnnotationController(QObject):
    """Turns canvas input into engine prompts and engine answers into project records."""

    statusMessage = Signal(str)
    historyChanged = Signal(bool, bool)  # can undo, can redo
    engineReady = Signal()
    _projectEvent = Signal(object)  # writer thread -> GUI thread hop

    def __init__(
        self,
        project: Project,
        video_id: int,
        canvas: AnnotationCanvas,
        panel: ObjectPanel,
        timeline: Timeline,
        bridge: EngineBridge | None = None,
        history: History | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project, self.video_id, self.bridge = project, video_id, bridge
        self.history = history if history is not None else History(project)
        self.canvas, self.panel, self.timeline = canvas, panel, timeline
        video = project.video(video_id)
        self._size = (video.height, video.width)
        self._num_frames = video.num_frames
        self.frame = 0
        self.active_track: int | None = None
        self.engine_ready = False
        self.propagating = False  # set by the PropagationController
        self.preencode_ahead = 0  # set from the device once the model is loaded
        self._closed = False
        self._engine_expected = False
        self._no_model_message = NO_MODEL_HINT
        self._pending: dict[int, tuple[int, int, Prompt]] = {}  # request id -> frame, track
        self.sync = EngineSync(project, video_id)  # the engine's prompts vs the project's
        self._startup_ids: set[int] = set()  # the model load and video open requests
        self._dirty_lanes: set[int] = set()
        self._lanes: dict[int, Lane] = {}
        self._lane_timer = QTimer(self)
        self._lane_timer.setSingleShot(True)
        self._lane_timer.setInterval(LANE_REFRESH_MS)
        self._lane_timer.timeout.connect(self.refresh_lanes)
        self._land_timer = QTimer(self)  # frames passed over while dragging are not encoded
        self._land_timer.setSingleShot(True)
        self._land_timer.setInterval(LAND_AFTER_MS)
        self._land_timer.timeout.connect(self._land)

        canvas.set_frame_size(video.width, video.height)
        canvas.pointClicked.connect(self.add_point)
        canvas.boxDrawn.connect(self.add_box)
        panel.addRequested.connect(self.add_object)
        panel.removeRequested.connect(self.remove_object)
        panel.activeChanged.connect(self.set_active)
        panel.visibilityChanged.connect(self.set_visible)
        self._projectEvent.connect(self._on_project_event, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = project.subscribe(self._projectEvent.emit)
        if bridge is not None:
            bridge.maskReady.connect(self._on_mask)
            bridge.modelLoaded.connect(self._on_model_loaded)
            bridge.videoReady.connect(self._on_video_ready)
            bridge.engineError.connect(self._on_engine_error)

        state = project.view_state
        tracks = project.tracks(video_id)
        if state.track_id is not None and any(t.id == state.track_id for t in tracks):
            self.active_track = state.track_id
        elif tracks:
            self.active_track = tracks[0].id
        self._refresh_panel()
        self._dirty_lanes.update(t.id for t in tracks)
        self.refresh_lanes()

    # --- engine lifecycle ----------------------------------------------------------------
    def start_engine(
        self, frames: object, model: str | None = None, image_size: int | None = None
    ) -> None:
        """Load `model` (a checkpoint path or a cached model name; None: the service has one
        already) and open `frames` on the engine; `engineReady` follows."""
        if self.bridge is None:
            raise RuntimeError("the controller has no engine bridge")
        self._engine_expected = True
        self.engine_ready = False
        self._startup_ids.clear()
        if model is not None:
            future = self.bridge.service.load_model(model, image_size=image_size)
            self._startup_ids.add(future.request_id)
            self.statusMessage.emit(f"Loading model {model}…")
        self._startup_ids.add(self.bridge.service.set_video(frames).request_id)

    def set_no_model(self, message: str = NO_MODEL_HINT) -> None:
        """No model will be loaded: prompts answer with `message`."""
        self._engine_expected = False
        self._no_model_message = message
        self.statusMessage.emit(message)

    @Slot(object)
    def _on_model_loaded(self, event: ModelLoaded) -> None:
        device = event.device.split(":")[0]
        self.preencode_ahead = PREENCODE_AHEAD.get(device, PREENCODE_AHEAD_DEFAULT)
        self.statusMessage.emit(
            f"Model {event.model_name} loaded on {event.device} in {event.seconds:.1f} s"
        )

    @Slot(object)
    def _on_video_ready(self, event: VideoReady) -> None:
        if self._closed or event.request_id not in self._startup_ids:
            return  # not the session this window asked for
        self._startup_ids.discard(event.request_id)
        self.engine_ready = True
        self.sync.note_keyframes(t.id for t in self.project.tracks(self.video_id))
        if self.bridge is not None:
            self.bridge.service.land(self.frame, self.preencode_ahead)
        self.statusMessage.emit("Ready: click an object (right click: background, drag: box)")
        self.engineReady.emit()

    @Slot(object)
    def _on_engine_error(self, event: EngineError) -> None:
        if self._closed:
            return
        self._pending.pop(event.request_id, None)
        if self.sync.is_replay(event.request_id) and not event.needs_restart:
            # e.g. clearing prompts the engine never had: nothing the user must act on
            log.info("engine replay %d: %s", event.request_id, event.message)
            return
        if event.request_id in self._startup_ids or event.needs_restart:
            first = self._engine_expected  # a failed load also fails the video open after it
            self._startup_ids.discard(event.request_id)
            self.engine_ready = False
            if first:
                self.set_no_model(f"The model could not be used: {event.message}")
            return
        self.statusMessage.emit(f"Engine: {event.message}")

    # --- frames and selection -------------------------------------------------------------
    def set_frame(self, frame: int) -> None:
        """The window now shows `frame`: repaint its masks, pre-encode it for clicks."""
        self.frame = frame
        self.timeline.set_current(frame)
        self.refresh_overlay()
        if self.engine_ready:
            self._land_timer.start()

    def _land(self) -> None:
        if self.engine_ready and self.bridge is not None and not self._closed:
            self.bridge.service.land(self.frame, self.preencode_ahead)

    def set_active(self, track_id: int) -> None:
        """Make `track_id` the object that clicks prompt."""
        if track_id == self.active_track:
            return
        self.active_track = track_id
        self.refresh_overlay()

    def add_object(self) -> int:
        """A new track (undoable), made active; returns its id."""
        command = self._execute(AddTrack(self.video_id))
        if command is None:
            return -1
        self.active_track = command.track_id  # type: ignore[attr-defined]
        self._refresh_panel()
        return self.active_track

    def remove_object(self, track_id: int) -> None:
        """Delete a track and its masks (undoable) and make the engine forget it."""
        if self._execute(RemoveTrack(track_id)) is None:
            return
        if self.bridge is not None and self.engine_ready:
            self.sync.note_replay(self.bridge.service.remove_object(track_id).request_id)
        if self.active_track == track_id:
            tracks = self.project.tracks(self.video_id)
            self.active_track = tracks[-1].id if tracks else None
        self._refresh_panel()

    def clear_frame(self) -> None:
        """Remove the active object's mask and prompt on the current frame (undoable)."""
        if self.active_track is None:
            return
        command = self._execute(ClearMask(self.video_id, self.frame, self.active_track))
        if command is not None and command.delta is not None:
            self.sync.note_change(command.delta.masks, [])  # the engine forgets it before tracking

    def set_visible(self, track_id: int, visible: bool) -> None:
        """Show or hide a track's masks (undoable)."""
        self._execute(SetTrackFlags(track_id, hidden=not visible))

    # --- prompts ---------------------------------------------------------------------------
    def current_prompt(self, frame: int, track_id: int) -> Prompt | None:
        """The prompt of a track on a frame: the newest one sent, else the stored one."""
        for pending_frame, pending_track, prompt in reversed(self._pending.values()):
            if (pending_frame, pending_track) == (frame, track_id):
                return prompt
        record = self.project.mask(self.video_id, frame, track_id)
        if record is not None and record.provenance is Provenance.PROMPTED:
            return record.prompt
        return None

    def add_point(self, x: float, y: float, positive: bool) -> None:
        """A click on the current frame for the active object (adds to its clicks there)."""
        track = self._prompt_target()
        if track is None:
            return
        old = self.current_prompt(self.frame, track)
        points = (*(old.points if old else ()), (x, y))
        labels = (*(old.labels if old else ()), 1 if positive else 0)
        self._send(self.frame, track, Prompt(points, labels, old.box if old else None))

    def add_box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A box for the active object on the current frame (replaces its prompt there)."""
        track = self._prompt_target()
        if track is not None:
            self._send(self.frame, track, Prompt(box=(x0, y0, x1, y1)))

    def _prompt_target(self) -> int | None:
        if self.bridge is None or not self._engine_expected:
            self.statusMessage.emit(self._no_model_message)
            return None
        if self.active_track is None and self.add_object() < 0:
            return None
        track = self.project.track(self.active_track)  # type: ignore[arg-type]
        if track.locked:
            self.statusMessage.emit(f"{track.name} is locked; unlock it to edit its masks")
            return None
        if self.propagating:
            self.statusMessage.emit(
                "Propagating: the click is answered when it ends (Esc stops it)"
            )
        return track.id

    def _send(self, frame: int, track: int, prompt: Prompt) -> None:
        assert self.bridge is not None
        request_id = give_prompt(self.bridge.service, frame, track, prompt).request_id
        self.sync.prompt_sent(frame, track)
        self._pending[request_id] = (frame, track, prompt)
        if frame == self.frame and track == self.active_track:
            self.canvas.set_prompt(prompt, self.project.track(track).colour)

    @Slot(object)
    def _on_mask(self, event: MaskResult) -> None:
        if self._closed:
            return
        for merged in event.merged:
            self._pending.pop(merged, None)
            self.sync.is_replay(merged)
        if self.sync.is_replay(event.request_id):
            return
        entry = self._pending.pop(event.request_id, None)
        if entry is None:
            return  # not ours (or answered already)
        frame, track, prompt = entry
        answer = event.objects.get(track)
        if answer is None or not self.project.has_track(track):
            return
        self._execute(
            SetMask(
                self.video_id, frame, track, answer.rle, Provenance.PROMPTED, answer.score, prompt
            )
        )
        self.statusMessage.emit(f"Mask in {event.seconds * 1000:.0f} ms")

    # --- undo / redo -------------------------------------------------------------------------
    def undo(self) -> None:
        """Take back the newest step (a propagation run is one step)."""
        self._step(self.history.undo, "Undid")

    def redo(self) -> None:
        """Re-apply the newest undone step."""
        self._step(self.history.redo, "Redid")

    def _step(self, action: Callable[[], Command | None], verb: str) -> None:
        try:
            command = action()
        except DomainError as exc:
            self.statusMessage.emit(str(exc))
            return
        if command is None:
            return
        self.statusMessage.emit(f"{verb} {command.label}")
        if self.active_track is not None and not self.project.has_track(self.active_track):
            tracks = self.project.tracks(self.video_id)
            self.active_track = tracks[-1].id if tracks else None
        self._refresh_panel()
        if command.delta is not None:
            self.sync.note_change(command.delta.masks, command.delta.tracks)

    def sync_engine(self) -> int:
        """Replay the keyframes the engine may hold otherwise (before a propagation); returns
        the number of requests sent."""
        if self.bridge is None or not self.engine_ready:
            return 0
        return self.sync.flush(self.bridge.service)

    def _execute(self, command: Command) -> Command | None:
        try:
            return self.history.execute(command)
        except DomainError as exc:
            self.statusMessage.emit(str(exc))
            return None

    # --- views -------------------------------------------------------------------------------
    @Slot(object)
    def _on_project_event(self, event: ProjectEvent) -> None:
        if self._closed:
            return
        if isinstance(event, MasksChanged) and event.video_id == self.video_id:
            self._dirty_lanes.update(event.track_ids)
            self._lane_timer.start()
            if event.covers(self.frame):
                self.refresh_overlay()
        elif isinstance(event, TracksChanged) and self.video_id in event.video_ids:
            self._dirty_lanes.update(event.track_ids)
            self._lane_timer.start()
            self._refresh_panel()
            self.refresh_overlay()
        elif isinstance(event, HistoryChanged):
            self.historyChanged.emit(event.can_undo, event.can_redo)

    def refresh_overlay(self) -> None:
        """Repaint the masks and the active object's prompt on the current frame."""
        tracks = {t.id: t for t in self.project.tracks(self.video_id)}
        records = [
            r
            for r in self.project.frame_masks(self.video_id, self.frame)
            if r.track_id in tracks and not tracks[r.track_id].hidden
        ]
        records.sort(key=lambda r: r.track_id == self.active_track)  # active one on top
        layers = [(r.mask.to_array(), tracks[r.track_id].colour) for r in records]
        active = len(records) - 1 if records and records[-1].track_id == self.active_track else None
        overlay = render_overlay(layers, self._size, highlight=active) if layers else None
        self.canvas.set_overlay(overlay)
        prompt = None
        if self.active_track is not None and self.active_track in tracks:
            prompt = self.current_prompt(self.frame, self.active_track)
            self.canvas.set_prompt(prompt, tracks[self.active_track].colour)
        else:
            self.canvas.set_prompt(None)

    def refresh_lanes(self) -> None:
        """Re-read the timeline lanes of the tracks whose masks changed."""
        tracks = self.project.tracks(self.video_id)
        for track in tracks:
            if track.id in self._dirty_lanes or track.id not in self._lanes:
                masked = np.zeros(self._num_frames, bool)
                masked[self.project.frames_with_masks(self.video_id, track.id)] = True
                keys = np.zeros(self._num_frames, bool)
                keys[self.project.keyframes(self.video_id, track.id)] = True
                self._lanes[track.id] = Lane(track.id, track.colour, masked, keys)
            else:
                self._lanes[track.id].colour = track.colour
        self._dirty_lanes.clear()
        alive = {t.id for t in tracks}
        self._lanes = {k: v for k, v in self._lanes.items() if k in alive}
        self.timeline.set_lanes([self._lanes[t.id] for t in tracks if not t.hidden])

    def _refresh_panel(self) -> None:
        tracks = self.project.tracks(self.video_id)
        if self.active_track is not None and all(t.id != self.active_track for t in tracks):
            self.active_track = tracks[-1].id if tracks else None
        self.panel.set_tracks(tracks, self.active_track)

    def close(self) -> None:
        """Stop listening to the project and the engine; save where the user was."""
        self._closed = True
        self.engine_ready = False
        self._unsubscribe()
        self._lane_timer.stop()
        self._land_timer.stop()
        # best effort: a closed or read-only store only loses "where was I"
        with contextlib.suppress(Exception):
            self.project.set_view_state(ViewState(self.video_id, self.frame, self.active_track))
