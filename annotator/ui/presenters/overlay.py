"""Keeps the canvas's masks and prompt in step with the project and the view model: the
current frame's visible masks (the active one on top, in their object's or category's colour)
and the active object's prompt.

Decoded masks are cached by their RLE (equal pixels, equal key), so scrubbing back over a
frame, or repainting after another object changed, decodes nothing again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Slot

from annotator.domain import Mask, MasksChanged, Project, Prompt
from annotator.domain.categories import display_colour
from annotator.ui.project_events import ProjectEvents
from annotator.ui.view_model import ViewChange, ViewModel

DECODED_CACHE = 64  # masks kept decoded (a few frames' worth of objects)

PromptFor = Callable[[int, int], Prompt | None]


class MaskCache:
    """bool (H, W) arrays of recently shown masks, least recently used dropped first."""

    def __init__(self, capacity: int = DECODED_CACHE) -> None:
        self.capacity = capacity
        self._arrays: OrderedDict[Mask, np.ndarray] = OrderedDict()

    def array(self, mask: Mask) -> np.ndarray:
        found = self._arrays.get(mask)
        if found is None:
            found = mask.to_array()
            found.flags.writeable = False  # shared: the canvas copies before editing
            self._arrays[mask] = found
            while len(self._arrays) > self.capacity:
                self._arrays.popitem(last=False)
        else:
            self._arrays.move_to_end(mask)
        return found


class OverlayPresenter(QObject):
    """Repaints the canvas's masks when the frame, the active object or a mask changes."""

    def __init__(
        self,
        project: Project,
        video_id: int,
        view: ViewModel,
        canvas: Any,
        events: ProjectEvents,
        prompt_for: PromptFor,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project, self.video_id, self.view, self.canvas = project, video_id, view, canvas
        self.prompt_for = prompt_for
        self.cache = MaskCache()
        self.refresh_count = 0  # how often the canvas was given new masks (tests, bench)
        events.masksChanged.connect(self._on_masks)
        events.tracksChanged.connect(self.refresh)
        events.categoriesChanged.connect(self.refresh)
        self._unsubscribe = [
            view.subscribe(self._on_view, "frame"),
            view.subscribe(self._on_view, "active_track"),
            view.subscribe(self._on_view, "colour_by_category"),
        ]

    def _on_view(self, _change: ViewChange) -> None:
        self.refresh()

    @Slot(object)
    def _on_masks(self, event: MasksChanged) -> None:
        if event.video_id == self.video_id and event.covers(self.view.frame):
            self.refresh()

    def refresh(self, *_args: object) -> None:
        """Give the canvas the current frame's visible masks and the active prompt."""
        frame, active = self.view.frame, self.view.active_track
        tracks = {t.id: t for t in self.project.tracks(self.video_id)}
        records = [
            r
            for r in self.project.frame_masks(self.video_id, frame)
            if r.track_id in tracks and not tracks[r.track_id].hidden
        ]
        records.sort(key=lambda r: r.track_id == active)  # the active one on top
        by_category = self.view.colour_by_category
        colours = {
            tid: display_colour(self.project, track, by_category) for tid, track in tracks.items()
        }
        layers = [(r.track_id, self.cache.array(r.mask), colours[r.track_id]) for r in records]
        self.canvas.set_masks(layers, active)
        self.refresh_count += 1
        if active is not None and active in tracks:
            colour = colours[active]
            self.canvas.set_active_object(active, colour)
            self.canvas.set_prompt(self.prompt_for(frame, active), colour)
        else:
            self.canvas.set_active_object(None)
            self.canvas.set_prompt(None)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
