"""The engine's inbox: FIFO requests with click coalescing, plus an idle pre-encode plan.

Requests run in the order they were sent, except that a prompt for the same frame and object
as the request waiting at the tail is merged into it (the newest click set wins), and the
pre-encode plan only runs when no request waits (so any request makes it give way).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from annotator.service.errors import ServiceClosed
from annotator.service.requests import EncodeFrame, Propagate, merge_prompts, prompt_key


class CancelToken:
    """A flag a long request checks between steps (frames); set from any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._event.set()

    @property
    def event(self) -> threading.Event:
        """The underlying event, for engine calls that take one."""
        return self._event

    @property
    def cancelled(self) -> bool:
        """True once `cancel` was called."""
        return self._event.is_set()


@dataclass
class Pending:
    """A submitted request waiting for (or running on) the engine thread.

    `absorbed` holds the ids and futures of older requests merged into this one; they are
    answered with this request's result.
    """

    request_id: int
    request: object
    future: Future
    token: CancelToken = field(default_factory=CancelToken)
    absorbed: list[tuple[int, Future]] = field(default_factory=list)

    def all_futures(self) -> list[Future]:
        """This request's future and those of the requests merged into it."""
        return [self.future, *(f for _, f in self.absorbed)]


@dataclass(frozen=True)
class IdleEncode:
    """One frame of the pre-encode plan; `pending` is set for the frame the user landed on."""

    frame: int
    pending: Pending | None


@dataclass(frozen=True)
class Merged:
    """What `put` did with a prompt merged into the waiting one: `older` was replaced."""

    older: Pending
    merged: Pending


class RequestQueue:
    """Thread-safe inbox for one consumer (the engine thread) and many producers."""

    def __init__(self, plan_frames: Callable[[EncodeFrame], list[int]]) -> None:
        """`plan_frames(request)` lists the frames to pre-encode for a landing, in order."""
        self._cond = threading.Condition()
        self._items: deque[Pending] = deque()
        self._plan: deque[IdleEncode] = deque()
        self._plan_frames = plan_frames
        self._landing: Pending | None = None  # a landing whose frames are not listed yet
        self._closed = False

    def put(self, pending: Pending) -> Merged | None:
        """Append a request, merging it into the waiting tail when both prompt the same frame
        and object. Returns what was merged, if anything."""
        with self._cond:
            if self._closed:
                raise ServiceClosed("the engine service is shut down")
            result = None
            key = prompt_key(pending.request)
            if key is not None and self._items and prompt_key(self._items[-1].request) == key:
                older = self._items[-1]
                combined = merge_prompts(older.request, pending.request)  # type: ignore[arg-type]
                if combined is not None:
                    self._items.pop()
                    pending.request = combined
                    pending.absorbed = [*older.absorbed, (older.request_id, older.future)]
                    result = Merged(older, pending)
            self._items.append(pending)
            self._cond.notify()
            return result

    def replace_plan(self, pending: Pending) -> list[Pending]:
        """Make an EncodeFrame the new pre-encode plan; returns the landing requests of the
        old plan that were never reached (to be answered as superseded). The plan's frames
        are listed when the engine first reaches it, so they fit the video open by then."""
        assert isinstance(pending.request, EncodeFrame)
        with self._cond:
            if self._closed:
                raise ServiceClosed("the engine service is shut down")
            dropped = self._drop_plan()
            self._landing = pending
            self._cond.notify()
            return dropped

    def clear_plan(self) -> list[Pending]:
        """Drop the pre-encode plan (e.g. the video changed); returns its waiting landings."""
        with self._cond:
            return self._drop_plan()

    def abandon_plan(self) -> None:
        """Drop the neighbours left in the current plan (a newer landing stays)."""
        with self._cond:
            self._plan.clear()

    def _drop_plan(self) -> list[Pending]:
        dropped = [t.pending for t in self._plan if t.pending is not None]
        if self._landing is not None:
            dropped.append(self._landing)
        self._plan.clear()
        self._landing = None
        return dropped

    def get(self) -> Pending | IdleEncode | None:
        """Block until there is work: the oldest request first, else the next pre-encode.
        Returns None once the queue is closed."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._items:
                    return self._items.popleft()
                if self._landing is not None:
                    landing, self._landing = self._landing, None
                    assert isinstance(landing.request, EncodeFrame)
                    frames = self._plan_frames(landing.request) or [landing.request.frame]
                    self._plan.extend(
                        IdleEncode(f, landing if i == 0 else None) for i, f in enumerate(frames)
                    )
                if self._plan:
                    return self._plan.popleft()
                self._cond.wait()

    def cancel_waiting_propagations(self) -> None:
        """Set the cancel token of every waiting propagation (they answer at once, empty)."""
        with self._cond:
            for p in self._items:
                if isinstance(p.request, Propagate):
                    p.token.cancel()

    def close(self) -> list[Pending]:
        """Refuse new work, wake the consumer, and return everything that never ran."""
        with self._cond:
            self._closed = True
            left = list(self._items) + self._drop_plan()
            self._items.clear()
            self._cond.notify_all()
            return left

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
