"""Turns the canvas's corrections into project commands and engine requests.

- A mask edit (brush, eraser, polygon, or an operation such as fill holes) becomes one
  `EditMask` (provenance EDITED). The engine gets the edited mask as a mask prompt on that
  frame before the next propagation (EngineSync replays EDITED keyframes with add_mask), so
  tracking continues from the corrected shape; propagation keeps the frame.
- Removing or moving a click, or adjusting the box, sends the corrected full prompt (its
  answer is stored like any click's: one undoable step); removing the last click removes the
  frame's mask (without marking the object absent there).
- Tab asks the engine for the three candidates of a single click; Enter stores the one shown
  (EDITED, so tracking follows that reading; the click is kept for display).
- Keep (K) makes a good tracked mask the user's own, as if edited: kept and tracked from, and
  no longer flagged for review.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject

from annotator.domain import ClearMask, Command, Mask, Project, Prompt, Provenance, SetMask
from annotator.domain.edit_commands import EditMask
from annotator.domain.mask_edit import MaskEdit
from annotator.domain.prompt_edits import with_box, with_point_moved, without_point
from annotator.service import CandidatesFound
from annotator.ui.canvas import AnnotationCanvas
from annotator.ui.canvas.commands import OPERATIONS
from annotator.ui.canvas.view import NO_OBJECT_TO_EDIT
from annotator.ui.engine_client import EngineClient
from annotator.ui.engine_sync import EngineSync
from annotator.ui.presenters.prompting import PromptingPresenter
from annotator.ui.view_model import ViewModel


class MaskEditingPresenter(QObject):
    """See the module docstring."""

    def __init__(
        self,
        project: Project,
        video_id: int,
        view: ViewModel,
        canvas: AnnotationCanvas,
        prompting: PromptingPresenter,
        client: EngineClient,
        sync: EngineSync,
        *,
        execute: Callable[[Command], Command | None],
        status: Callable[[str], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project, self.video_id, self.view, self.canvas = project, video_id, view, canvas
        self.prompting, self.client, self.sync = prompting, client, sync
        self._execute, self._status = execute, status
        self._candidates: tuple[int, int, np.ndarray] | None = None  # frame, track, masks
        self._asked = 0  # request id of the candidates asked for last
        # the canvas outlives documents: these are disconnected again by close()
        self._connections = [
            (canvas.maskEdited, self.edit_mask),
            (canvas.pointRemoved, self.remove_point),
            (canvas.pointMoved, self.move_point),
            (canvas.boxAdjusted, self.adjust_box),
            (canvas.candidatesRequested, self.find_candidates),
            (canvas.candidateChosen, self.keep_candidate),
            (canvas.editRefused, self._refused),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)
        self._unsubscribe = [
            view.subscribe(self._drop_candidates, "frame"),
            view.subscribe(self._drop_candidates, "active_track"),
        ]
        prompting.promptShown.connect(self._drop_candidates)

    def _refused(self, message: str) -> None:
        self._status(message)

    # --- mask edits -----------------------------------------------------------------------
    def edit_mask(self, edit: MaskEdit) -> Command | None:
        """Apply an edit to the active object's mask on the shown frame (one undo step)."""
        track = self.view.active_track
        command = None
        if track is not None:
            command = self._execute(EditMask(self.video_id, self.view.frame, track, edit))
        if command is None:  # no object, or refused (a locked object...): said already
            self.canvas.cancel_mask_edit()
            return None
        if command.delta is not None:
            self.sync.note_change(command.delta.masks, [])
        return command

    def apply_operation(self, name: str) -> Command | None:
        """Run a whole-mask operation of `canvas.commands.OPERATIONS` (fill holes...) on the
        active object's mask on the shown frame."""
        spec = next((op for op in OPERATIONS if op.name == name), None)
        if spec is None:
            raise ValueError(f"no mask operation {name!r}")
        if self.view.active_track is None:
            self._status(NO_OBJECT_TO_EDIT)
            return None
        return self.edit_mask(spec.make())

    def keep_tracked(self) -> Command | None:
        """The active object's tracked (or imported) mask on the shown frame becomes the
        user's own (EDITED, one undo step): later runs keep it and track from it, and a review
        flag there goes, since only tracked frames are judged."""
        track, frame = self.view.active_track, self.view.frame
        if track is None:
            self._status(NO_OBJECT_TO_EDIT)
            return None
        name = self.project.track(track).name
        record = self.project.mask(self.video_id, frame, track)
        if record is None:
            self._status(f"{name} has no mask on frame {frame} to keep")
            return None
        if record.provenance.is_key:
            self._status(f"{name}'s mask on frame {frame} is yours already")
            return None
        command = SetMask(self.video_id, frame, track, record.mask, Provenance.EDITED, record.score)
        command.label = f"keep {name}'s mask on frame {frame}"
        done = self._execute(command)
        if done is None:
            return None
        if done.delta is not None:
            self.sync.note_change(done.delta.masks, [])  # a mask prompt before the next run
        self._status(
            f"Kept {name}'s mask on frame {frame} as yours: later runs keep it and track from it"
        )
        return done

    # --- prompt corrections -----------------------------------------------------------------
    def _prompt(self, index: int | None = None) -> tuple[int, Prompt] | None:
        track = self.view.active_track
        if track is None:
            return None
        prompt = self.prompting.current_prompt(self.view.frame, track)
        if prompt is None or (index is not None and index >= len(prompt.points)):
            return None
        return track, prompt

    def remove_point(self, index: int) -> None:
        """Drop click `index`; with the last one gone the frame's mask goes too (the frame
        is not marked absent: only the click is taken back, propagation may fill it)."""
        found = self._prompt(index)
        if found is None:
            return
        track, prompt = found
        remaining = without_point(prompt, index)
        if remaining is not None:
            self.prompting.send(self.view.frame, track, remaining)
            return
        command = self._execute(ClearMask(self.video_id, self.view.frame, track))
        if command is not None and command.delta is not None:
            self.sync.note_change(command.delta.masks, [])  # the engine forgets the click

    def move_point(self, index: int, x: float, y: float) -> None:
        found = self._prompt(index)
        if found is not None:
            moved = with_point_moved(found[1], index, x, y)
            self.prompting.send(self.view.frame, found[0], moved)

    def adjust_box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        found = self._prompt()
        if found is not None:
            boxed = with_box(found[1], (x0, y0, x1, y1))
            self.prompting.send(self.view.frame, found[0], boxed)

    # --- candidates -------------------------------------------------------------------------
    def find_candidates(self) -> None:
        """Ask the engine for the single click's three masks."""
        found = self._prompt()
        if found is None or self.client.service is None or not self.client.ready_now:
            return
        track, prompt = found
        if len(prompt.points) != 1 or prompt.box is not None:
            return
        frame = self.view.frame
        point, label = prompt.points[0], prompt.labels[0]
        reply = self.client.send(lambda s: s.find_candidates(frame, track, point, label))
        self._asked = reply.request_id
        reply.then(lambda event: self._on_candidates(frame, track, event), own_only=True)

    def _on_candidates(self, frame: int, track: int, event: object) -> None:
        if not isinstance(event, CandidatesFound) or event.request_id != self._asked:
            return
        if (frame, track) != (self.view.frame, self.view.active_track):
            return  # the user moved on
        if event.candidates is None:
            self._status("No candidates for this click any more: click again")
            return
        masks = event.candidates.masks
        self._candidates = (frame, track, masks)
        self.canvas.set_candidates(list(masks), (event.candidates.best + 1) % len(masks))
        self._status("Tab: next candidate, Enter: keep it, Esc: keep the mask as it was")

    def keep_candidate(self, index: int) -> Command | None:
        """Store candidate `index` as the object's mask on its frame (one undo step)."""
        kept, self._candidates = self._candidates, None
        self.canvas.set_candidates(None)
        if kept is None:
            return None
        frame, track, masks = kept
        prompt = self.prompting.current_prompt(frame, track)
        mask = Mask.from_array(masks[index])
        choice = SetMask(self.video_id, frame, track, mask, Provenance.EDITED, None, prompt)
        choice.label = "Choose candidate"
        command = self._execute(choice)
        if command is not None and command.delta is not None:
            self.sync.note_change(command.delta.masks, [])
            self._status(f"Kept candidate {index + 1} of {len(masks)}")
        return command

    def _drop_candidates(self, *_args: object) -> None:
        """The frame, the object or the prompt changed: the candidates no longer apply."""
        self._asked = 0
        if self._candidates is not None or self.canvas.candidate_count:
            self._candidates = None
            self.canvas.set_candidates(None)

    def close(self) -> None:
        """Stop listening (the document closes; the canvas stays with the window)."""
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._drop_candidates()
        self.canvas.cancel_mask_edit()
