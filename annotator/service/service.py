"""EngineService: one worker thread owns the model, the tracking session and the features.

Callers (the GUI thread, the CLI) submit typed requests from any thread and get a Future;
events (results, progress, errors) go to listeners, called ON THE ENGINE THREAD — the Qt
adapter re-posts them to the GUI thread. No torch code runs on a caller's thread.

Contract: each request is answered once, by its final event (MaskResult, PropagationDone,
...) or by an EngineError with its id, both to listeners and through its Future. Two
exceptions: clicks merged into a newer one are answered by that one's MaskResult (which lists
them in `merged`), and a landing (EncodeFrame) replaced before it ran resolves its Future
with Superseded without an event. Streams (DownloadProgress, PropagationStarted,
FrameTracked, FrameEncoded of neighbours, with id 0) come before the final event.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from annotator.service.errors import EngineFailure, ServiceClosed
from annotator.service.events import EngineError, Event, MaskResult, ServiceStopped, Superseded
from annotator.service.planning import PlanLimits, plan_preencode
from annotator.service.request_queue import IdleEncode, Pending, RequestQueue
from annotator.service.requests import (
    AddBox,
    AddMask,
    AddPoints,
    ClearPrompts,
    Direction,
    EncodeFrame,
    FindCandidates,
    LoadModel,
    Propagate,
    RemoveObject,
    Reset,
    SetVideo,
)

if TYPE_CHECKING:
    from annotator.service.worker import EngineWorker

log = logging.getLogger(__name__)

Listener = Callable[[Event], None]


class RequestFuture(Future):
    """The Future of one submitted request, carrying its id (events name it)."""

    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id


class EngineService:
    """Serialises all engine work on one thread; see the module docstring."""

    def __init__(
        self,
        *,
        num_threads: int | None = None,
        click_threads: int | None = None,
        listeners: Sequence[Listener] = (),
        weights: object | None = None,
        name: str = "annotator-engine",
    ) -> None:
        """Start the engine thread. `num_threads`: torch intra-op threads (default: every
        core but one, so the GUI keeps a core). `click_threads`: threads for a prompt's
        decode, the short burst the user waits on (default: every core). `weights`: the
        engine's WeightsManager that LoadModel by name downloads through (default: the
        per-user cache)."""
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._listeners: list[Listener] = list(listeners)
        self._limits = PlanLimits()
        self._queue = RequestQueue(lambda req: plan_preencode(req, self._limits))
        self._running: Pending | None = None
        self._needs_restart = False
        self._num_threads = num_threads
        self._click_threads = click_threads
        self._weights = weights
        self._last_landing: int | None = None
        # the constructor returns at once: torch loads on the engine thread meanwhile
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # --- listeners ---------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        """Call `listener(event)` on the engine thread for every event from now on."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling `listener`."""
        with self._lock:
            self._listeners.remove(listener)

    # --- state -------------------------------------------------------------------------
    @property
    def thread(self) -> threading.Thread:
        """The engine thread (the only thread that runs torch code)."""
        return self._thread

    @property
    def alive(self) -> bool:
        """True while the engine thread takes requests."""
        return self._thread.is_alive() and not self._needs_restart

    @property
    def needs_restart(self) -> bool:
        """True after a fatal engine error: make a new service."""
        return self._needs_restart

    @property
    def num_frames(self) -> int:
        """Frames of the open video (0 when none)."""
        return self._limits.num_frames

    # --- requests ----------------------------------------------------------------------
    def submit(self, request: object) -> RequestFuture:
        """Queue a request for the engine thread; the Future resolves with its final event
        (or raises EngineFailure). Prompts for the frame and object of the waiting tail
        merge into it; an EncodeFrame replaces the idle pre-encode plan."""
        if self._needs_restart:
            raise ServiceClosed("the engine stopped after a fatal error; restart the service")
        request_id = next(self._ids)
        future = RequestFuture(request_id)
        pending = Pending(request_id, request, future)
        if isinstance(request, EncodeFrame):
            for old in self._queue.replace_plan(pending):
                _resolve(old.all_futures(), Superseded(old.request_id, pending.request_id))
        else:
            if isinstance(request, SetVideo | LoadModel):  # frames of the old video are moot
                for old in self._queue.clear_plan():
                    _resolve(old.all_futures(), Superseded(old.request_id, pending.request_id))
            self._queue.put(pending)
        return future

    def load_model(
        self, source: str | Path, device: str = "cpu", image_size: int | None = None
    ) -> RequestFuture:
        """Load a checkpoint path or a model by name (downloading it with progress)."""
        return self.submit(LoadModel(source, device, image_size))

    def set_video(
        self, frames: object, feature_budget_bytes: int | None = None, fast: bool | None = False
    ) -> RequestFuture:
        """Open a tracking session over a frame source (`fast` None: the device's default
        precision); resolves with VideoReady, which says the precision used."""
        return self.submit(SetVideo(frames, feature_budget_bytes, fast))

    def encode_frame(
        self, frame: int, direction: Direction = Direction.FORWARD, ahead: int = 4
    ) -> RequestFuture:
        """The user landed on `frame`: encode it, then neighbours in `direction` when idle."""
        return self.submit(EncodeFrame(frame, direction, ahead))

    def land(self, frame: int, ahead: int = 4) -> RequestFuture:
        """The user is now on `frame`: encode it, then `ahead` neighbours in the direction of
        travel inferred from the previous landing (forward when there was none)."""
        previous, self._last_landing = self._last_landing, frame
        backward = previous is not None and frame < previous
        return self.encode_frame(
            frame, Direction.BACKWARD if backward else Direction.FORWARD, ahead
        )

    def add_points(
        self,
        frame: int,
        obj_id: int,
        points: Sequence[Sequence[float]],
        labels: Sequence[int],
        clear_old: bool = True,
    ) -> RequestFuture:
        """Clicks for an object on a frame; resolves with a MaskResult."""
        return self.submit(AddPoints.of(frame, obj_id, points, labels, clear_old))

    def add_box(
        self,
        frame: int,
        obj_id: int,
        box: Sequence[float],
        points: Sequence[Sequence[float]] = (),
        labels: Sequence[int] = (),
    ) -> RequestFuture:
        """A box (x0, y0, x1, y1), optionally with clicks; resolves with a MaskResult."""
        b = tuple(float(v) for v in box)
        if len(b) != 4:
            raise ValueError(f"a box is (x0, y0, x1, y1), got {len(b)} numbers")
        pts = tuple((float(p[0]), float(p[1])) for p in points)
        request = AddBox(frame, obj_id, (b[0], b[1], b[2], b[3]), pts, tuple(map(int, labels)))
        return self.submit(request)

    def add_mask(self, frame: int, obj_id: int, mask: np.ndarray) -> RequestFuture:
        """A binary mask prompt (H x W, frame size); resolves with a MaskResult."""
        return self.submit(AddMask(frame, obj_id, np.asarray(mask, dtype=bool).copy()))

    def find_candidates(
        self, frame: int, obj_id: int, point: Sequence[float], label: int
    ) -> RequestFuture:
        """The three candidate masks of a single click; resolves with CandidatesFound."""
        xy = (float(point[0]), float(point[1]))
        return self.submit(FindCandidates(frame, obj_id, xy, int(label)))

    def remove_object(self, obj_id: int) -> RequestFuture:
        """Forget an object; resolves with ObjectRemoved."""
        return self.submit(RemoveObject(obj_id))

    def clear_prompts(self, frame: int, obj_id: int) -> RequestFuture:
        """Remove an object's prompts on a frame; resolves with PromptsCleared."""
        return self.submit(ClearPrompts(frame, obj_id))

    def propagate(
        self,
        start: int,
        direction: Direction = Direction.FORWARD,
        max_frames: int | None = None,
        *,
        objects: Sequence[int] | None = None,
        from_keyframes: bool = True,
        stop_after_absent: int | None = None,
    ) -> RequestFuture:
        """Track objects from `start` (see requests.Propagate); FrameTracked events stream
        to listeners and the Future resolves with PropagationDone."""
        chosen = None if objects is None else tuple(int(o) for o in objects)
        return self.submit(
            Propagate(start, direction, max_frames, chosen, from_keyframes, stop_after_absent)
        )

    def reset(self) -> RequestFuture:
        """Drop all prompts and tracked results; resolves with SessionReset."""
        return self.submit(Reset())

    def cancel(self) -> None:
        """Stop the running propagation (within one frame) and any waiting ones, keeping
        every frame already produced. Jumps the queue: takes effect at once."""
        with self._lock:
            running = self._running
        if running is not None:
            running.token.cancel()
        self._queue.cancel_waiting_propagations()

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Stop taking requests, cancel the running one, and join the engine thread.
        Requests that never ran fail with ServiceClosed. True if the thread ended."""
        left = self._queue.close()
        self.cancel()
        for pending in left:
            _fail(pending.all_futures(), ServiceClosed("the engine service was shut down"))
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> EngineService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # --- engine thread -----------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        """Call every listener with `event` (engine thread); a failing listener is logged."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("an engine service listener failed on %r", event)

    def _set_limits(self, limits: PlanLimits) -> None:
        self._limits = limits

    def _run(self) -> None:
        """The engine thread's loop: one request at a time, pre-encodes when idle."""
        worker: EngineWorker | None = None
        try:
            # torch is imported here, on the engine thread, never on the caller's
            from annotator.service.worker import EngineWorker

            worker = EngineWorker(
                self._emit, self._set_limits, self._num_threads, self._weights, self._click_threads
            )
            while (item := self._queue.get()) is not None:
                if isinstance(item, IdleEncode):
                    self._execute_idle(worker, item)
                else:
                    self._execute(worker, item)
        except BaseException as exc:  # the loop itself broke: nothing can be trusted now
            log.error("the engine thread died", exc_info=exc)
            self._die(None, exc)
        finally:
            if worker is not None:
                worker.close()
            self._emit(ServiceStopped(0))

    def _execute(self, worker: EngineWorker, pending: Pending) -> None:
        """Run one request and answer it (and the requests merged into it)."""
        with self._lock:
            self._running = pending
        try:
            event = worker.handle(pending.request_id, pending.request, pending.token)
        except Exception as exc:
            self._report(worker, pending, exc)
        except BaseException as exc:
            self._die(pending, exc)
            raise
        else:
            if isinstance(event, MaskResult) and pending.absorbed:
                event = dataclasses.replace(event, merged=tuple(i for i, _ in pending.absorbed))
            self._emit(event)
            _resolve(pending.all_futures(), event)
        finally:
            with self._lock:
                self._running = None

    def _execute_idle(self, worker: EngineWorker, item: IdleEncode) -> None:
        """Pre-encode one frame of the plan; the landing frame's future gets the answer."""
        try:
            request_id = item.pending.request_id if item.pending else 0
            event = worker.preencode(request_id, item.frame, landing=item.pending is not None)
        except BaseException as exc:
            if not isinstance(exc, Exception):
                self._die(item.pending, exc)
                raise
            if item.pending is not None:
                self._report(worker, item.pending, exc)
            else:
                log.warning("pre-encoding frame %d failed: %s", item.frame, exc)
            self._queue.abandon_plan()
            return
        if event is not None:
            self._emit(event)
        if item.pending is not None:
            _resolve(item.pending.all_futures(), event or Superseded(item.pending.request_id, 0))

    def _die(self, pending: Pending | None, exc: BaseException) -> None:
        """The engine thread cannot go on: say so once, and fail everything in flight."""
        if self._needs_restart:
            return
        self._needs_restart = True
        request_id = pending.request_id if pending is not None else 0
        message = f"{exc}; the engine stopped and must be restarted"
        self._emit(EngineError(request_id, type(exc).__name__, message, needs_restart=True))
        closed = ServiceClosed(f"the engine thread died ({exc}); restart the service")
        if pending is not None:
            _fail(pending.all_futures(), closed)
        for left in self._queue.close():
            _fail(left.all_futures(), closed)

    def _report(self, worker: EngineWorker, pending: Pending, exc: Exception) -> None:
        """Turn an engine exception into an EngineError event and failed futures."""
        kind, message, fatal = worker.describe_error(exc)
        if fatal:
            self._die(pending, exc)
            return
        self._emit(EngineError(pending.request_id, kind, message))
        _fail(pending.all_futures(), EngineFailure(kind, message))


def _resolve(futures: list[Future], event: Event) -> None:
    for f in futures:
        if not f.done():
            f.set_result(event)


def _fail(futures: list[Future], exc: Exception) -> None:
    for f in futures:
        if not f.done():
            f.set_exception(exc)
