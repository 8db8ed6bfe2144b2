"""Clicks and boxes on the canvas become engine prompts, and the engine's answers become
undoable SetMask records (provenance PROMPTED, with the prompt). Objects are tracks and the
engine's object id is the track id.

While a prompt is on its way its newest version is the one shown and extended by the next
click; an answer merged into a newer request is not written (the newer one will be).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from annotator.domain import Command, Project, Prompt, Provenance, SetMask
from annotator.service import MaskResult
from annotator.service.errors import EngineFailure
from annotator.service.keyframes import give_prompt
from annotator.ui.engine_client import EngineClient
from annotator.ui.engine_sync import EngineSync
from annotator.ui.view_model import ViewModel


class PromptingPresenter(QObject):
    """Sends the active object's prompts on the current frame and records the answers."""

    promptShown = Signal(object, int)  # the prompt now shown for (frame, track), its track
    answered = Signal(int, int)  # frame, track: a mask was written

    def __init__(
        self,
        project: Project,
        video_id: int,
        view: ViewModel,
        client: EngineClient,
        sync: EngineSync,
        *,
        target: Callable[[], int | None],
        execute: Callable[[Command], Command | None],
        status: Callable[[str], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project, self.video_id, self.view = project, video_id, view
        self.client, self.sync = client, sync
        self._target, self._execute, self._status = target, execute, status
        self._pending: dict[int, tuple[int, int, Prompt]] = {}  # request id -> frame, track
        self._closed = False

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
        """A click on the current frame for the active object (adds to its clicks there);
        in negative click mode (E) a plain click is negative and a right click positive."""
        track = self._target()
        if track is None:
            return
        if not self.view.positive_clicks:
            positive = not positive
        frame = self.view.frame
        old = self.current_prompt(frame, track)
        points = (*(old.points if old else ()), (x, y))
        labels = (*(old.labels if old else ()), 1 if positive else 0)
        self.send(frame, track, Prompt(points, labels, old.box if old else None))

    def add_box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A box for the active object on the current frame (replaces its prompt there)."""
        track = self._target()
        if track is not None:
            self.send(self.view.frame, track, Prompt(box=(x0, y0, x1, y1)))

    def send(self, frame: int, track: int, prompt: Prompt) -> None:
        """Give `prompt` to the engine; its answer is recorded when it comes."""
        reply = self.client.send(lambda s: give_prompt(s, frame, track, prompt))
        self._pending[reply.request_id] = (frame, track, prompt)
        self.sync.prompt_sent(frame, track)
        reply.then(lambda event: self._on_answer(reply.request_id, event)).fail(
            lambda failure: self._on_failure(reply.request_id, failure)
        )
        self.promptShown.emit(prompt, track)

    def _on_answer(self, request_id: int, event: object) -> None:
        entry = self._pending.pop(request_id, None)
        if self._closed or entry is None or not isinstance(event, MaskResult):
            return
        if event.request_id != request_id:
            return  # merged into a newer prompt, which writes the mask
        frame, track, prompt = entry
        answer = event.objects.get(track)
        if answer is None or not self.project.has_track(track):
            return
        command = SetMask(
            self.video_id, frame, track, answer.rle, Provenance.PROMPTED, answer.score, prompt
        )
        what = "box" if prompt.box is not None and not prompt.points else "click"
        command.label = f"{what} on {self.project.track(track).name}"
        if self._execute(command) is not None:
            self._status(f"Mask in {event.seconds * 1000:.0f} ms")
            self.answered.emit(frame, track)

    def _on_failure(self, request_id: int, failure: EngineFailure) -> None:
        self._pending.pop(request_id, None)
        if not self._closed:
            self._status(f"Engine: {failure.message}")

    def close(self) -> None:
        self._closed = True
        self._pending.clear()
