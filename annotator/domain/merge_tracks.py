"""Merging two objects of a video into one (an identity that broke in two, or an import that
split one object): every annotation of the source moves to the target, its absent frames
become the target's too, and the source goes. Frames where one has a mask and the other a
mask or an absence are refused, naming them, rather than one silently replacing the other;
undo brings the source back with its own records."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from annotator.domain.absence import Span, absent_frames, absent_spans, normalise, store_absence
from annotator.domain.commands import Command, _check_unlocked
from annotator.domain.delta import Delta
from annotator.domain.errors import ConflictError, InvalidValueError
from annotator.domain.events import MasksChanged
from annotator.domain.project import Project


class MergeTracks(Command):
    """Move every record (mask, prompt, score, provenance) and the absent spans of
    `source_id` to `target_id`, which keeps its name, colour and category; then delete the
    source."""

    label = "Merge objects"

    def __init__(self, source_id: int, target_id: int) -> None:
        super().__init__()
        self.source_id, self.target_id = source_id, target_id
        self._video_id = 0
        self._spans: tuple[list[Span], list[Span]] | None = None  # target's: before, after

    def plan(self, project: Project, delta: Delta) -> None:
        source, target = project.track(self.source_id), project.track(self.target_id)
        if source.id == target.id:
            raise InvalidValueError("cannot merge an object into itself")
        if source.video_id != target.video_id:
            raise InvalidValueError(
                f"{source.name} and {target.name} are on different videos: they cannot merge"
            )
        _check_unlocked(project, source.id)
        _check_unlocked(project, target.id)
        video = source.video_id
        records = list(project.masks(video, track=source.id))
        masked = {r.frame for r in records}
        taken = {r.frame for r in project.masks(video, track=target.id)}
        _refuse(masked & taken, f"{source.name} and {target.name} both have masks on")
        _refuse(
            absent_frames(project, video, source.id) & taken,
            f"{source.name} is marked absent where {target.name} has masks, on",
        )
        _refuse(
            absent_frames(project, video, target.id) & masked,
            f"{target.name} is marked absent where {source.name} has masks, on",
        )
        for record in records:
            moved = dataclasses.replace(record, track_id=target.id)
            delta.mask(record.key, record, None)
            delta.mask(moved.key, None, moved)
        delta.track(source, None)
        before = absent_spans(project, video, target.id)
        self._video_id = video
        self._spans = (before, normalise(before + absent_spans(project, video, source.id)))

    def apply(self, project: Project) -> None:
        with project.transaction():
            super().apply(project)
            assert self._spans is not None
            store_absence(project, self._video_id, self.target_id, self._spans[1])
        self._announce(project)

    def revert(self, project: Project) -> None:
        with project.transaction():
            super().revert(project)
            assert self._spans is not None
            store_absence(project, self._video_id, self.target_id, self._spans[0])
        self._announce(project)

    def _announce(self, project: Project) -> None:
        """The target's lane shows its absent spans, which no mask event covers."""
        assert self._spans is not None
        spans = self._spans[0] + self._spans[1]
        if spans:
            first, last = min(a for a, _ in spans), max(b for _, b in spans)
            project.events.emit(
                MasksChanged(self._video_id, frozenset({self.target_id}), first, last)
            )


def _refuse(frames: set[int], what: str) -> None:
    if frames:
        ordered = sorted(frames)
        raise ConflictError(
            f"{what} frame{'s' if len(ordered) > 1 else ''} {frame_spans(ordered)}: clear one "
            "of them there first"
        )


def frame_spans(frames: Iterable[int], most: int = 6) -> str:
    """Frame numbers as '3-5, 9, 12-20' (the first `most` runs, then '...')."""
    runs = normalise((f, f) for f in frames)
    text = [f"{a}-{b}" if b > a else str(a) for a, b in runs[:most]]
    return ", ".join(text) + (", ..." if len(runs) > most else "")
