"""Runs propagations from the current frame: every streamed frame is written to the project
at once (its own committed transaction) inside ONE history batch, so a single undo takes
the whole run back while a crash loses at most the frame being computed.

A run goes from the current frame to where the bar says (the in/out range, the video's end,
the active object's next keyframe), for every object or the selected ones, each object tracked
only outward from its own keyframes; absent frames reach the engine as empty mask prompts
first. A cancelled run can be resumed from the frame it reached. When the user lets it replace
hand edits, the edits in its range stop being engine prompts for the run (see
`edits_to_release`); those it did not reach are given back to the engine afterwards.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from annotator.domain import DomainError, MaskKey, PropagationBatch, Provenance
from annotator.domain.absence import effective_absence
from annotator.service import (
    Direction,
    EngineError,
    FrameTracked,
    PropagationDone,
    PropagationStarted,
)
from annotator.service.keyframes import AbsenceReplay
from annotator.service.planning import (
    RunPlan,
    edits_to_release,
    keyframes_by_track,
    plan_runs,
)
from annotator.ui.annotation_controller import AnnotationController
from annotator.ui.propagation_bar import PropagationBar


class PropagationController(QObject):
    """Starts, follows, cancels and resumes propagation runs for an AnnotationController."""

    finished = Signal(object)  # PropagationDone, or EngineError when the run failed
    statusMessage = Signal(str)

    def __init__(
        self, annotation: AnnotationController, bar: PropagationBar, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.annotation, self.bar = annotation, bar
        self._batch: PropagationBatch | None = None
        self._request_id: int | None = None
        self._queue: list[RunPlan] = []  # runs after the current one (BOTH: the backward)
        self._objects: list[int] | None = None
        self._left: list[RunPlan] = []  # what a cancelled chain had not done yet: resume()
        self._plan = RunPlan(0, Direction.FORWARD, None)  # the run in progress
        self._reached: int | None = None  # last frame it tracked
        self._chain_frames, self._chain_seconds = 0, 0.0  # what the chain's runs did so far
        self._released: list[MaskKey] = []  # hand edits the engine was told to let go
        self._absence = AbsenceReplay()
        bar.propagateRequested.connect(self.propagate)
        bar.cancelRequested.connect(self.cancel)
        annotation.engineReady.connect(self._absence.reset)  # a new session holds none
        bridge = annotation.bridge
        if bridge is not None:
            bridge.propagationStarted.connect(self._on_started)
            bridge.frameTracked.connect(self._on_frame)
            bridge.propagationDone.connect(self._on_done)
            bridge.engineError.connect(self._on_error)

    @property
    def running(self) -> bool:
        return self._batch is not None

    @property
    def can_resume(self) -> bool:
        return bool(self._left) and not self.running

    def propagate(
        self, direction: Direction = Direction.FORWARD, max_frames: int | None = None
    ) -> bool:
        """Track from the current frame in `direction` to the bar's run end (or at most
        `max_frames` frames past it); False if refused."""
        ann = self.annotation
        n = ann.view.num_frames
        if max_frames is not None:
            plans = [RunPlan(ann.frame, Direction(direction), max_frames)]
        else:
            active = ann.view.active_track
            keys = ann.project.keyframes(ann.video_id, active) if active is not None else []
            in_out = getattr(ann.timeline, "in_out", None)
            plans = plan_runs(ann.frame, Direction(direction), self.bar.run_end, n, in_out, keys)
        if not plans:
            self.statusMessage.emit(
                f"Nothing to propagate {Direction(direction).value} from frame {ann.frame}: "
                "it is outside the in/out range"
            )
            return False
        return self._start(plans, f"Propagate {Direction(direction).value}")

    def resume(self) -> bool:
        """Continue the cancelled chain from the frame it reached."""
        if not self.can_resume:
            self.statusMessage.emit("Nothing to resume")
            return False
        return self._start(list(self._left), "Resume propagation")

    def _start(self, plans: list[RunPlan], label: str) -> bool:
        ann = self.annotation
        if self.running:
            self.statusMessage.emit("A propagation is already running")
            return False
        if ann.bridge is None or not ann.engine_ready:
            self.statusMessage.emit("The model is not ready yet")
            return False
        if not any(ann.project.keyframes(ann.video_id, t.id) for t in ann.project.tracks()):
            self.statusMessage.emit("Click an object first: there is nothing to propagate")
            return False
        self._objects = self._chosen_objects() if self.bar.selected_only else None
        ann.sync_engine()  # replays queue ahead of the propagation
        self._replay_absence()
        if self.bar.replace_edits:
            self._release_edits(plans)
        self._batch = ann.history.begin_batch(label, replace_edits=self._released)
        self._queue, self._left = list(plans), []
        self._chain_frames, self._chain_seconds = 0, 0.0
        self.bar.set_running(True)
        ann.propagating = True
        self._submit_next()
        return True

    def _submit_next(self) -> None:
        plan = self._queue.pop(0)
        ann = self.annotation
        assert ann.bridge is not None
        future = ann.bridge.service.propagate(
            plan.start,
            plan.direction,
            plan.max_frames,
            objects=self._objects,
            stop_after_absent=self.bar.stop_after_absent,
        )
        self._request_id, self._reached, self._plan = future.request_id, None, plan
        self.statusMessage.emit(f"Propagating {plan.direction.value} from frame {plan.start}…")

    def _chosen_objects(self) -> list[int]:
        """The objects selected in the list, the active one always among them."""
        view = self.annotation.view
        chosen = set(view.selected_tracks)
        if view.active_track is not None:
            chosen.add(view.active_track)
        alive = {t.id for t in self.annotation.project.tracks(self.annotation.video_id)}
        return sorted(chosen & alive)

    def _replay_absence(self) -> None:
        """Send the engine the absent frames it does not hold yet (and unmark the others)."""
        ann = self.annotation
        assert ann.bridge is not None
        service, sync = ann.bridge.service, ann.sync
        add, drop = self._absence.changes(effective_absence(ann.project, ann.video_id))
        video = ann.project.video(ann.video_id)
        for frame, track in drop:
            if ann.project.has_track(track) and frame not in ann.project.keyframes(
                ann.video_id, track
            ):
                sync.note_replay(service.clear_prompts(frame, track).request_id)
        empty = np.zeros((video.height, video.width), dtype=bool)
        for frame, track in add:
            if ann.project.has_track(track):
                sync.note_replay(service.add_mask(frame, track, empty).request_id)

    def _release_edits(self, plans: list[RunPlan]) -> None:
        """Clear the engine's mask prompts on the hand edits this run may replace, so it
        tracks through those frames instead of repeating the edits."""
        ann = self.annotation
        assert ann.bridge is not None
        project, video = ann.project, ann.video_id
        tracks = self._objects or [t.id for t in project.tracks(video) if not t.locked]
        records = [
            rec
            for track in tracks
            for frame in project.keyframes(video, track)
            if (rec := project.mask(video, frame, track)) is not None
        ]
        keyframes = keyframes_by_track(records)
        for frame, track in edits_to_release(plans, ann.view.num_frames, keyframes):
            ann.sync.note_replay(ann.bridge.service.clear_prompts(frame, track).request_id)
            self._released.append((video, frame, track))

    def _give_back_edits(self) -> None:
        """Edits a run let go but did not replace (cancelled, failed) go back to the engine
        before the next run."""
        project = self.annotation.project
        kept = [
            key
            for key in self._released
            if (rec := project.mask(*key)) is not None and rec.provenance is Provenance.EDITED
        ]
        self.annotation.sync.note_keys(kept)
        self._released = []

    def cancel(self) -> None:
        """Stop the run after the frame being computed; every finished frame is kept."""
        if self.running and self.annotation.bridge is not None:
            self.annotation.bridge.service.cancel()
            self.statusMessage.emit("Cancelling…")

    @Slot(object)
    def _on_started(self, event: PropagationStarted) -> None:
        if self.running and event.request_id == self._request_id:
            self.bar.set_progress(0, event.total_frames, 0.0, 0.0)

    @Slot(object)
    def _on_frame(self, event: FrameTracked) -> None:
        batch = self._batch
        if batch is None or event.request_id != self._request_id:
            return
        ann = self.annotation
        self._reached = event.frame
        masks = {tid: (obj.rle, obj.score) for tid, obj in event.objects.items()}
        try:
            batch.add_tracked_frame(ann.video_id, event.frame, masks)
        except DomainError as exc:
            self.statusMessage.emit(f"Frame {event.frame} not saved: {exc}")
        self.bar.set_progress(event.done, event.total, event.frames_per_second, event.eta_seconds)

    @Slot(object)
    def _on_done(self, event: PropagationDone) -> None:
        if self._batch is None or event.request_id != self._request_id:
            return
        self._chain_frames += len(event.frames)
        self._chain_seconds += event.seconds
        if not event.cancelled and self._queue:
            self._submit_next()
            return
        if event.cancelled:
            self._left = [self._rest_of_run(), *self._queue]
        self._close_batch()
        message = done_message(
            self._chain_frames,
            self._chain_seconds,
            self.annotation.key_text("resume_propagation") if event.cancelled else None,
        )
        self.bar.finish(message)
        self.statusMessage.emit(message)
        self.finished.emit(event)

    def _rest_of_run(self) -> RunPlan:
        """The cancelled run from the frame it reached (that frame again: cheap, exact)."""
        plan = self._plan
        if self._reached is None or plan.max_frames is None:
            start = plan.start if self._reached is None else self._reached
            return RunPlan(start, plan.direction, plan.max_frames)
        done = abs(self._reached - plan.start)
        return RunPlan(self._reached, plan.direction, max(0, plan.max_frames - done))

    @Slot(object)
    def _on_error(self, event: EngineError) -> None:
        if self._batch is None or event.request_id != self._request_id:
            return
        self._queue = []
        self._close_batch()
        self.bar.finish(f"Propagation failed: {event.message}")
        self.finished.emit(event)

    def _close_batch(self) -> None:
        batch, self._batch, self._request_id = self._batch, None, None
        self.annotation.propagating = False
        if batch is not None:
            batch.close()
        self._give_back_edits()

    def close(self) -> None:
        """Cancel a running propagation and keep what it wrote (window closing)."""
        self.cancel()
        self._queue = []
        self._close_batch()


def done_message(frames: int, seconds: float, resume_key: str | None) -> str:
    """What the status bar says when a propagation (both of its runs, for BOTH) ends:
    'Propagation tracked 12 frames in 3.4 s', or, cancelled, how to resume it."""
    counted = f"{frames} frame{'' if frames == 1 else 's'} in {seconds:.1f} s"
    if resume_key is None:
        return f"Propagation tracked {counted}"
    return f"Propagation cancelled after {counted} ({resume_key} resumes from there)"
