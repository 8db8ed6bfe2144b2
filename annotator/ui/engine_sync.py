"""Keeps the engine's prompts in step with the project (Qt-free).

The engine session holds prompts of its own. When the project's keyframes change behind its
back (undo/redo, a reopened project) they are noted here and replayed just before the next
propagation, so reopening or undoing costs no engine time until tracking needs it. Answers to
replays are recognised by request id and never written to the project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from annotator.domain import Change, FrameMask, MaskKey, Project, Provenance
from annotator.service.keyframes import give_prompt


class EngineSync:
    """Stale keyframes and tracks of one video, and the ids of replay requests in flight."""

    def __init__(self, project: Project, video_id: int) -> None:
        self.project, self.video_id = project, video_id
        self._stale_keys: set[MaskKey] = set()
        self._stale_tracks: set[int] = set()
        self._replays: set[int] = set()

    @property
    def pending(self) -> int:
        """Keyframes and tracks waiting to be replayed."""
        return len(self._stale_keys) + len(self._stale_tracks)

    def note_change(
        self, masks: Mapping[MaskKey, Change[FrameMask]], tracks: Iterable[int]
    ) -> None:
        """An undo/redo changed these records: keyframes among them (and the tracks) must be
        replayed; propagated frames need nothing."""
        for key, change in masks.items():
            if any(r is not None and r.provenance.is_key for r in (change.before, change.after)):
                self._stale_keys.add(key)
        self._stale_tracks.update(tracks)

    def note_keyframes(self, track_ids: Iterable[int]) -> None:
        """Every stored keyframe of these tracks is unknown to the engine (a new session)."""
        for track_id in track_ids:
            for frame in self.project.keyframes(self.video_id, track_id):
                self._stale_keys.add((self.video_id, frame, track_id))

    def note_keys(self, keys: Iterable[MaskKey]) -> None:
        """The engine no longer holds these keyframes as they are stored (a run let them go)."""
        self._stale_keys.update(keys)

    def prompt_sent(self, frame: int, track_id: int) -> None:
        """The user just sent a full prompt for this key: the engine has it now."""
        self._stale_keys.discard((self.video_id, frame, track_id))

    def note_replay(self, request_id: int) -> None:
        """A request whose answer must not be written (e.g. forgetting a removed object)."""
        self._replays.add(request_id)

    def is_replay(self, request_id: int) -> bool:
        """True (once) when `request_id` was a replay."""
        if request_id in self._replays:
            self._replays.discard(request_id)
            return True
        return False

    def flush(self, service: Any) -> int:
        """Replay everything stale to `service`; returns the number of requests sent."""
        sent = 0
        for track_id in sorted(self._stale_tracks):
            if not self.project.has_track(track_id):
                self._replays.add(service.remove_object(track_id).request_id)
                sent += 1
        for video_id, frame, track_id in sorted(self._stale_keys):
            if video_id != self.video_id or not self.project.has_track(track_id):
                continue
            record = self.project.mask(video_id, frame, track_id)
            if record is not None and record.provenance is Provenance.PROMPTED and record.prompt:
                self._replays.add(give_prompt(service, frame, track_id, record.prompt).request_id)
            elif record is not None and record.provenance is Provenance.EDITED:
                future = service.add_mask(frame, track_id, record.mask.to_array())
                self._replays.add(future.request_id)
            else:  # the keyframe is gone, so must its prompts be
                self._replays.add(service.clear_prompts(frame, track_id).request_id)
            sent += 1
        self._stale_keys.clear()
        self._stale_tracks.clear()
        return sent
