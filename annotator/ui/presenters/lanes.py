"""Feeds the timeline one lane per visible object (frames with masks, keyframes), re-reading
only the objects whose masks changed, at most every LANE_REFRESH_MS while frames stream in."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot

from annotator.domain import MasksChanged, Project, TracksChanged
from annotator.ui.project_events import ProjectEvents
from annotator.ui.timeline import Lane

LANE_REFRESH_MS = 80  # coalesces the lane updates of a propagation's many frames


class LanesPresenter(QObject):
    """Keeps `timeline.set_lanes` in step with the project's masks and tracks."""

    def __init__(
        self,
        project: Project,
        video_id: int,
        timeline: Any,
        events: ProjectEvents,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project, self.video_id, self.timeline = project, video_id, timeline
        self._num_frames = project.video(video_id).num_frames
        self._dirty: set[int] = set()
        self._lanes: dict[int, Lane] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LANE_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        events.masksChanged.connect(self._on_masks)
        events.tracksChanged.connect(self._on_tracks)
        self._dirty.update(t.id for t in project.tracks(video_id))
        self.refresh()

    @Slot(object)
    def _on_masks(self, event: MasksChanged) -> None:
        if event.video_id == self.video_id:
            self._dirty.update(event.track_ids)
            self._timer.start()

    @Slot(object)
    def _on_tracks(self, event: TracksChanged) -> None:
        if self.video_id in event.video_ids:
            self._dirty.update(event.track_ids)
            self._timer.start()

    def refresh(self) -> None:
        """Re-read the lanes of the tracks whose masks changed."""
        tracks = self.project.tracks(self.video_id)
        for track in tracks:
            if track.id in self._dirty or track.id not in self._lanes:
                masked = np.zeros(self._num_frames, bool)
                masked[self.project.frames_with_masks(self.video_id, track.id)] = True
                keys = np.zeros(self._num_frames, bool)
                keys[self.project.keyframes(self.video_id, track.id)] = True
                self._lanes[track.id] = Lane(track.id, track.colour, masked, keys)
            else:
                self._lanes[track.id].colour = track.colour
        self._dirty.clear()
        alive = {t.id for t in tracks}
        self._lanes = {k: v for k, v in self._lanes.items() if k in alive}
        self.timeline.set_lanes([self._lanes[t.id] for t in tracks if not t.hidden])

    def close(self) -> None:
        self._timer.stop()
