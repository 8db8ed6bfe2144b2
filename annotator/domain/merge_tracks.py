"""Merging two objects of a video into one (an identity that broke in two, or an import that
split one object): every annotation of the source moves to the target, and the source goes.
Frames where both have an annotation are refused, naming them, rather than one silently
replacing the other; undo brings the source back with its own records."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from annotator.domain.commands import Command, _check_unlocked
from annotator.domain.delta import Delta
from annotator.domain.errors import ConflictError, InvalidValueError
from annotator.domain.project import Project


class MergeTracks(Command):
    """Move every record (mask, prompt, absence) of `source_id` to `target_id`, which keeps
    its name, colour and category; then delete the source."""

    label = "Merge objects"

    def __init__(self, source_id: int, target_id: int) -> None:
        super().__init__()
        self.source_id, self.target_id = source_id, target_id

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
        records = list(project.masks(source.video_id, track=source.id))
        taken = {r.frame for r in project.masks(target.video_id, track=target.id)}
        both = sorted(r.frame for r in records if r.frame in taken)
        if both:
            raise ConflictError(
                f"{source.name} and {target.name} both have masks on frame"
                f"{'s' if len(both) > 1 else ''} {frame_spans(both)}: clear one of them "
                "there first"
            )
        for record in records:
            moved = dataclasses.replace(record, track_id=target.id)
            delta.mask(record.key, record, None)
            delta.mask(moved.key, None, moved)
        delta.track(source, None)


def frame_spans(frames: Sequence[int], most: int = 6) -> str:
    """Sorted frame numbers as '3-5, 9, 12-20' (the first `most` runs, then '...')."""
    runs: list[list[int]] = []
    for frame in frames:
        if runs and frame == runs[-1][1] + 1:
            runs[-1][1] = frame
        else:
            runs.append([frame, frame])
    text = [f"{a}-{b}" if b > a else str(a) for a, b in runs[:most]]
    return ", ".join(text) + (", ..." if len(runs) > most else "")
