"""Change events: a tiny Qt-free observer so views update without polling.

Events are delivered synchronously on the thread that made the change, after its transaction
committed (never for a rolled-back change). Listeners must return quickly and never wait on
another thread: a Qt view re-emits them through a queued signal.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

_log = logging.getLogger(__name__)


class ChangeKind(enum.Enum):
    ADDED = "added"
    REMOVED = "removed"
    UPDATED = "updated"


@dataclass(frozen=True)
class CategoriesChanged:
    """Categories were added, removed or changed (name, colour, export id, order)."""

    kind: ChangeKind
    category_ids: frozenset[int]


@dataclass(frozen=True)
class VideosChanged:
    """Videos were added, removed or changed (e.g. relinked path)."""

    kind: ChangeKind
    video_ids: frozenset[int]


@dataclass(frozen=True)
class TracksChanged:
    """Tracks were added, removed or changed (name, colour, category, hidden, locked)."""

    kind: ChangeKind
    track_ids: frozenset[int]
    video_ids: frozenset[int]


@dataclass(frozen=True)
class MasksChanged:
    """Masks of `track_ids` on frames `first`..`last` (inclusive) of one video changed."""

    video_id: int
    track_ids: frozenset[int]
    first: int
    last: int

    def covers(self, frame: int) -> bool:
        """True when `frame` lies in the changed range."""
        return self.first <= frame <= self.last


@dataclass(frozen=True)
class HistoryChanged:
    """The undo/redo stacks changed (labels of the next undo/redo may differ)."""

    can_undo: bool
    can_redo: bool


ProjectEvent = CategoriesChanged | VideosChanged | TracksChanged | MasksChanged | HistoryChanged
Listener = Callable[[ProjectEvent], None]


class EventBus:
    """subscribe(callback) -> unsubscribe(); emit(event) calls every callback in order.

    A listener that raises is logged and skipped, so one broken view cannot stop the others
    (or undo the committed change that caused the event).
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Register `callback`; call the returned function to unregister it (idempotent)."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def emit(self, event: ProjectEvent) -> None:
        """Deliver one event to a snapshot of the listeners."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                _log.exception("event listener %r failed on %r", listener, event)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)
