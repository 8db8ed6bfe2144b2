"""Undoable hand edits of one object's mask on one frame (brush, eraser, polygon, fill
holes...). The edit is replayed on the stored mask when the command is first applied; the
result is stored with provenance EDITED (a keyframe that propagation keeps), and undo puts
back the exact record that was there (the same RLE bytes)."""

from __future__ import annotations

import numpy as np

from annotator.domain.commands import Command, _check_unlocked
from annotator.domain.delta import Delta
from annotator.domain.entities import FrameMask, Provenance
from annotator.domain.mask import Mask
from annotator.domain.mask_edit import MaskEdit
from annotator.domain.project import Project


class EditMask(Command):
    """Apply a `MaskEdit` to a track's mask on a frame (no mask there yet: an empty one).

    An edit that leaves no pixel removes the record; one that changes nothing is a no-op
    (not an undo step). The frame's prompt stays with the record, for display only."""

    def __init__(self, video_id: int, frame: int, track_id: int, edit: MaskEdit) -> None:
        super().__init__()
        self.video_id, self.frame, self.track_id, self.edit = video_id, frame, track_id, edit
        self.label = edit.label

    def plan(self, project: Project, delta: Delta) -> None:
        _check_unlocked(project, self.track_id)
        video = project.video(self.video_id)
        key = (self.video_id, self.frame, self.track_id)
        before = project.mask(*key)
        if before is not None:
            pixels = before.mask.to_array()
        else:
            pixels = Mask.empty(video.height, video.width).to_array()
        edited = self.edit.apply(pixels)
        if before is not None and np.array_equal(edited, pixels):
            return
        if not edited.any():
            if before is not None:
                delta.mask(key, before, None)
            return
        prompt = before.prompt if before is not None else None
        after = FrameMask(
            self.video_id, self.frame, self.track_id, Mask.from_array(edited),
            Provenance.EDITED, None, prompt,
        )  # fmt: skip
        delta.mask(key, before, after)
