"""The window's side of the engine: its start-up (load a model, open the video) and replies to
requests as future callbacks on the GUI thread (`client.send(...).then(ok).fail(err)`),
instead of sets of request ids checked in every slot (Anki's `CollectionOp` pattern).

A reply whose request was merged into a newer one, or superseded by it, resolves with that
newer request's event: `then` callbacks see `reply.request_id != event.request_id` and
usually ignore it (`Reply.then(..., own_only=True)` does that for them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from annotator.service import EngineError, ModelLoaded, VideoReady
from annotator.service.errors import EngineFailure, ServiceError
from annotator.service.events import Event, Superseded
from annotator.ui.engine_bridge import EngineBridge

NO_MODEL_HINT = (
    "No model loaded: scrubbing only. Get one with "
    "`annotator models download sam2.1_hiera_tiny`, then reopen."
)


class Reply:
    """One request's outcome, delivered on the GUI thread to `then` or `fail` callbacks."""

    def __init__(self, request_id: int) -> None:
        self.request_id = request_id
        self._then: list[Callable[[Any], object]] = []
        self._fail: list[Callable[[EngineFailure], object]] = []
        self._outcome: tuple[bool, Any] | None = None

    def then(self, callback: Callable[[Any], object], *, own_only: bool = False) -> Reply:
        """Call `callback(event)` when the request succeeds (`own_only`: not when it was
        merged into or superseded by another request)."""
        if own_only:
            inner = callback

            def callback(event: Any) -> object:  # noqa: F811 - the filtered callback
                if isinstance(event, Superseded) or event.request_id != self.request_id:
                    return None
                return inner(event)

        self._then.append(callback)
        if self._outcome is not None and self._outcome[0]:
            callback(self._outcome[1])
        return self

    def fail(self, callback: Callable[[EngineFailure], object]) -> Reply:
        """Call `callback(failure)` when the request fails (kind, message, needs_restart)."""
        self._fail.append(callback)
        if self._outcome is not None and not self._outcome[0]:
            callback(self._outcome[1])
        return self

    def settle(self, ok: bool, value: Any) -> None:
        """Deliver the outcome (GUI thread; once)."""
        if self._outcome is not None:
            return
        self._outcome = (ok, value)
        for callback in self._then if ok else self._fail:
            callback(value)


def _as_failure(error: BaseException) -> EngineFailure:
    if isinstance(error, EngineFailure):
        return error
    return EngineFailure(type(error).__name__, str(error), isinstance(error, ServiceError))


class EngineClient(QObject):
    """Sends requests to the service behind `bridge` and starts sessions on it.

    Signals: `loading(model)` as a model is asked for, `modelLoaded(ModelLoaded)`, `ready()`
    once a session is open on the video, `unavailable(str)` when no model will answer
    prompts (with the reason for the user), `statusMessage(str)`.
    """

    modelLoaded = Signal(object)
    ready = Signal()
    loading = Signal(str)  # the model being loaded (a path or a model name)
    unavailable = Signal(str)
    statusMessage = Signal(str)
    _settled = Signal(object, bool, object)  # reply, ok, event or failure: engine -> GUI hop

    def __init__(self, bridge: EngineBridge | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.expected = False  # a model was asked for (prompts wait for it)
        self.ready_now = False
        self.fast = False  # the open session's precision (bf16 fast mode), as the engine says
        self.photo = False  # the engine segments the open source as a photo (image predictor)
        self.image_size = 1024  # the model's input size (asked for last, then as opened)
        self.model_name = ""  # the loaded model and its device ("" until one is known)
        self.device = ""
        self.no_model_message = NO_MODEL_HINT
        self._generation = 0
        self._closed = False
        self._settled.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def service(self) -> Any:
        """The engine service (None without an engine)."""
        return None if self.bridge is None else self.bridge.service

    def send(self, request: Callable[[Any], Any]) -> Reply:
        """`request(service)` submits one request and returns its future; the Reply settles
        on the GUI thread. A closed service fails the reply (after this call returns)."""
        if self.bridge is None:
            raise RuntimeError("the window has no engine")
        try:
            future = request(self.bridge.service)
        except ServiceError as exc:
            reply = Reply(-1)
            self._settled.emit(reply, False, _as_failure(exc))
            return reply
        reply = Reply(future.request_id)
        future.add_done_callback(lambda f: self._forward(reply, f))
        return reply

    def _forward(self, reply: Reply, future: Any) -> None:
        """Runs on the engine thread: only queue the outcome for the GUI thread."""
        if future.cancelled() or self._closed:
            return
        error = future.exception()
        with contextlib.suppress(RuntimeError):  # the client was deleted meanwhile
            self._settled.emit(reply, error is None, future.result() if error is None else error)

    @Slot(object, bool, object)
    def _deliver(self, reply: Reply, ok: bool, value: object) -> None:
        if self._closed:
            return
        reply.settle(ok, value if ok else _as_failure(value))  # type: ignore[arg-type]

    # --- the session ------------------------------------------------------------------------
    def start(
        self,
        frames: object,
        model: str | None = None,
        image_size: int | None = None,
        *,
        device: str = "cpu",
        fast: bool | None = None,
    ) -> None:
        """Load `model` (a checkpoint path or cached model name; None: the service has one)
        on `device` and open `frames` (`fast`: bf16 where native; None: the device's default,
        which the engine picks); `ready` follows, or `unavailable` with the reason."""
        if self.bridge is None:
            raise RuntimeError("the window has no engine bridge")
        self._generation += 1
        generation = self._generation
        self.expected, self.ready_now = True, False
        if model is not None:
            self.image_size = image_size or 1024
            self.loading.emit(model)
            self.statusMessage.emit(f"Loading model {model}…")
            self.send(lambda s: s.load_model(model, device=device, image_size=image_size)).then(
                lambda e: self._on_model(generation, e)
            ).fail(lambda f: self._on_start_failed(generation, f))
        self.send(lambda s: s.set_video(frames, fast=fast)).then(
            lambda e: self._on_video(generation, e)
        ).fail(lambda f: self._on_start_failed(generation, f))

    def set_no_model(self, message: str = NO_MODEL_HINT) -> None:
        """No model will be loaded: prompts answer with `message`."""
        self._generation += 1
        self.expected, self.ready_now = False, False
        self.no_model_message = message
        self.unavailable.emit(message)
        self.statusMessage.emit(message)

    def _on_model(self, generation: int, event: Event) -> None:
        if generation != self._generation or not isinstance(event, ModelLoaded):
            return
        self.model_name, self.device = event.model_name, event.device
        self.modelLoaded.emit(event)
        self.statusMessage.emit(
            f"Model {event.model_name} loaded on {event.device} in {event.seconds:.1f} s"
        )

    def _on_video(self, generation: int, event: Event) -> None:
        if generation != self._generation or not isinstance(event, VideoReady):
            return
        self.ready_now = True
        self.fast, self.photo = event.fast, event.photo
        if event.model_name:  # what the session runs (also with an engine loaded before us)
            self.model_name, self.device = event.model_name, event.device
            self.image_size = event.image_size or self.image_size
        self.statusMessage.emit("Ready: click an object (right click: background, drag: box)")
        self.ready.emit()

    def _on_start_failed(self, generation: int, failure: EngineFailure) -> None:
        if generation != self._generation or not self.expected:
            return  # a failed load also fails the video open after it: say it once
        self.set_no_model(f"The model could not be used: {failure.message}")

    def on_engine_error(self, event: EngineError) -> None:
        """A fatal engine error (needs restart): prompts stop until a new start."""
        if event.needs_restart and self.expected:
            self.set_no_model(f"The model could not be used: {event.message}")

    def close(self) -> None:
        """Drop every outstanding reply (idempotent); the window closes the bridge."""
        self._closed = True
        self.ready_now = False
