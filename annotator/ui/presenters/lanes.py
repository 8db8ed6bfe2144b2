"""Feeds the timeline one lane per object (in its object's or category's colour), hidden ones
dimmed (propagated, prompted, edited, imported, absent and low-score frames, review flags),
re-reading only the frames whose masks changed (a `LaneBook`), at most every LANE_REFRESH_MS
while frames stream in."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot

from annotator.domain import MasksChanged, Project, TracksChanged
from annotator.domain.categories import display_colour
from annotator.service.lane_facts import LaneBook, LaneFacts
from annotator.ui.project_events import ProjectEvents
from annotator.ui.timeline import Lane
from annotator.ui.view_model import ViewModel

LANE_REFRESH_MS = 80  # coalesces the lane updates of a propagation's many frames
REFINE_MS = 30  # between refining steps of lanes read from the index (see LaneBook)
REFINE_FRAMES = 32  # masks read per step (about 10 ms)
REFINE_STEPS_PER_SHOW = 30  # refined steps between two rebuilds of the lanes


class LanesPresenter(QObject):
    """Keeps `timeline.set_lanes` in step with the project's masks and tracks."""

    def __init__(
        self,
        project: Project,
        video_id: int,
        timeline: Any,
        events: ProjectEvents,
        view: ViewModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project, self.video_id, self.timeline = project, video_id, timeline
        self.view = view
        self._num_frames = project.video(video_id).num_frames
        self.book = LaneBook(project, video_id)
        self._lanes: dict[int, Lane] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LANE_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._refiner = QTimer(self)
        self._refiner.setInterval(REFINE_MS)
        self._refiner.timeout.connect(self._refine)
        self._refined: set[int] = set()
        self._steps = 0
        events.masksChanged.connect(self._on_masks)
        events.tracksChanged.connect(self._on_tracks)
        events.categoriesChanged.connect(self._timer.start)  # a category colour may change
        self._unsubscribe = view.subscribe(lambda _c: self.refresh(), "colour_by_category")
        self.refresh()

    @Slot(object)
    def _on_masks(self, event: MasksChanged) -> None:
        if event.video_id == self.video_id:
            self.book.mark(event.track_ids, event.first, event.last)
            self._timer.start()

    @Slot(object)
    def _on_tracks(self, event: TracksChanged) -> None:
        if self.video_id in event.video_ids:  # new tracks are read, colours compared
            self._timer.start()

    def refresh(self) -> None:
        """Re-read the frames whose masks changed and rebuild those objects' lanes."""
        self._show(self.book.refresh())
        if self.book.refining and not self._refiner.isActive():
            self._refiner.start()

    def _refine(self) -> None:
        """One small step of reading lanes known from the index only; shown now and then."""
        self._refined |= self.book.refine(REFINE_FRAMES)
        self._steps += 1
        if not self.book.refining or self._steps % REFINE_STEPS_PER_SHOW == 0:
            self._show(self._refined)
            self._refined = set()
        if not self.book.refining:
            self._refiner.stop()

    def _show(self, changed: set[int]) -> None:
        tracks = self.project.tracks(self.video_id)
        by_category = self.view.colour_by_category
        for track in tracks:
            lane = self._lanes.get(track.id)
            colour = display_colour(self.project, track, by_category)
            stale = lane is None or (lane.colour, lane.hidden) != (colour, track.hidden)
            if track.id in changed or stale:
                facts = self.book.facts(track.id)
                self._lanes[track.id] = Lane.from_facts(
                    facts, colour, str(track.id), hidden=track.hidden
                )
        alive = {t.id for t in tracks}
        self._lanes = {k: v for k, v in self._lanes.items() if k in alive}
        # a hidden object keeps its (dimmed) lane: hiding one never moves the others
        self.timeline.set_lanes([self._lanes[t.id] for t in tracks])

    def facts(self, track_id: int) -> LaneFacts | None:
        """What the lanes know of a track (None: not read yet)."""
        return self.book.facts(track_id) if track_id in self._lanes else None

    def flags(self, track_id: int) -> np.ndarray:
        """The track's review flags (bool per frame; all False when unknown)."""
        lane = self._lanes.get(track_id)
        if lane is None or lane.flags is None:
            return np.zeros(self._num_frames, bool)
        return lane.flags

    def close(self) -> None:
        self._unsubscribe()
        self._timer.stop()
        self._refiner.stop()
