"""The one source of "current" in the window (Qt-free, evented): the frame on screen, the
active object and the objects selected with it, the current category, the click mode,
whether a propagation or the engine is running, and whether masks take category colours.

Views and presenters take the model and subscribe (napari's `Dims` pattern); a setter
notifies only when the value really changes, so a view that sets it back never loops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Field = Literal[
    "frame",
    "active_track",
    "selected_tracks",
    "category",
    "positive_clicks",
    "propagating",
    "engine_ready",
    "colour_by_category",
]
Listener = Callable[["ViewChange"], None]


@dataclass(frozen=True)
class ViewChange:
    """`field` went from `old` to `new`."""

    field: Field
    old: object
    new: object


class ViewModel:
    """Current frame (clamped to the video), active track id, click mode and run state."""

    def __init__(self, num_frames: int = 1) -> None:
        self._num_frames = max(1, int(num_frames))
        self._frame = 0
        self._active_track: int | None = None
        self._selected_tracks: frozenset[int] = frozenset()
        self._category: int | None = None
        self._positive_clicks = True
        self._propagating = False
        self._engine_ready = False
        self._colour_by_category = False
        self._listeners: list[tuple[Field | None, Listener]] = []

    # --- subscription -------------------------------------------------------------------
    def subscribe(self, listener: Listener, field: Field | None = None) -> Callable[[], None]:
        """Call `listener(change)` on every change (of `field` only, when given); returns
        the function that unsubscribes."""
        entry = (field, listener)
        self._listeners.append(entry)

        def unsubscribe() -> None:
            if entry in self._listeners:
                self._listeners.remove(entry)

        return unsubscribe

    def _set(self, field: Field, value: object) -> bool:
        attr = f"_{field}"
        old = getattr(self, attr)
        if old == value:
            return False
        setattr(self, attr, value)
        change = ViewChange(field, old, value)
        for wanted, listener in list(self._listeners):
            if wanted is None or wanted == field:
                listener(change)
        return True

    # --- the fields ------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return self._num_frames

    def set_num_frames(self, num_frames: int) -> None:
        """A new video (document swap or video switch): its length; the frame is clamped."""
        self._num_frames = max(1, int(num_frames))
        if self._frame >= self._num_frames:
            self.set_frame(self._num_frames - 1)

    @property
    def frame(self) -> int:
        return self._frame

    def set_frame(self, frame: int) -> bool:
        """Show `frame` (clamped to the video); True when it changed."""
        return self._set("frame", min(max(int(frame), 0), self._num_frames - 1))

    @property
    def active_track(self) -> int | None:
        return self._active_track

    def set_active_track(self, track_id: int | None) -> bool:
        """Make `track_id` the object clicks prompt (None: no object)."""
        return self._set("active_track", track_id)

    @property
    def selected_tracks(self) -> frozenset[int]:
        """The objects selected in the list (the active one among them): what a run limited
        to the selected objects tracks."""
        return self._selected_tracks

    def set_selected_tracks(self, track_ids: frozenset[int]) -> bool:
        return self._set("selected_tracks", frozenset(track_ids))

    @property
    def category(self) -> int | None:
        """The current category: new objects take it (None: the project's default)."""
        return self._category

    def set_category(self, category_id: int | None) -> bool:
        return self._set("category", category_id)

    @property
    def positive_clicks(self) -> bool:
        """Click mode: a plain left click adds a positive point (Q) or a negative one (E)."""
        return self._positive_clicks

    def set_positive_clicks(self, positive: bool) -> bool:
        return self._set("positive_clicks", bool(positive))

    @property
    def propagating(self) -> bool:
        return self._propagating

    def set_propagating(self, running: bool) -> bool:
        return self._set("propagating", bool(running))

    @property
    def engine_ready(self) -> bool:
        return self._engine_ready

    def set_engine_ready(self, ready: bool) -> bool:
        return self._set("engine_ready", bool(ready))

    @property
    def colour_by_category(self) -> bool:
        """Masks and lanes take their object's category colour (else the object's own)."""
        return self._colour_by_category

    def set_colour_by_category(self, on: bool) -> bool:
        return self._set("colour_by_category", bool(on))
