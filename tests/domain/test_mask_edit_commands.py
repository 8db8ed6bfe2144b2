"""EditMask: one undo step per edit, stored as EDITED, undo gives back the same RLE bytes."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.domain import (
    AddTrack,
    AddVideo,
    ConflictError,
    History,
    Mask,
    Project,
    Prompt,
    Provenance,
    SetMask,
    SetTrackFlags,
)
from annotator.domain.edit_commands import EditMask
from annotator.domain.mask_edit import FillHoles, GrowMask, PolygonFill, Stroke

H, W = 24, 32


@pytest.fixture()
def setup() -> tuple[Project, History, int, int]:
    project = Project()
    history = History(project)
    vid = history.execute(AddVideo("a.mp4", "fp", 25, W, H, 5)).video_id
    tid = history.execute(AddTrack(vid)).track_id
    return project, history, vid, tid


def test_a_brush_stroke_is_stored_edited_and_undo_restores_identical_bytes(setup) -> None:
    project, history, vid, tid = setup
    base = np.zeros((H, W), bool)
    base[5:15, 5:15] = True
    prompt = Prompt(((10.0, 10.0),), (1,))
    history.execute(SetMask(vid, 2, tid, Mask.from_array(base), Provenance.PROMPTED, 1.5, prompt))
    before = project.mask(vid, 2, tid)
    stroke = Stroke(((20.0, 10.0), (28.0, 12.0)), 2.5)
    command = history.execute(EditMask(vid, 2, tid, stroke))
    assert history.undo_label == "Brush" and command.label == "Brush"
    after = project.mask(vid, 2, tid)
    assert after is not None and after.provenance is Provenance.EDITED and after.score is None
    assert after.prompt == prompt  # kept for display
    assert after.mask == Mask.from_array(stroke.apply(base))
    assert 2 in project.keyframes(vid, tid)
    history.undo()
    restored = project.mask(vid, 2, tid)
    assert restored == before and restored is not None
    assert restored.mask.counts == before.mask.counts  # byte-identical RLE
    history.redo()
    assert project.mask(vid, 2, tid) == after


def test_editing_a_frame_without_a_mask_starts_from_an_empty_one(setup) -> None:
    project, history, vid, tid = setup
    poly = PolygonFill(((2.0, 2.0), (12.0, 2.0), (12.0, 8.0), (2.0, 8.0)))
    history.execute(EditMask(vid, 0, tid, poly))
    rec = project.mask(vid, 0, tid)
    assert rec is not None and rec.mask.area == 60 and rec.mask.size == (H, W)
    history.undo()
    assert project.mask(vid, 0, tid) is None


def test_erasing_everything_removes_the_record_and_noops_are_not_steps(setup) -> None:
    project, history, vid, tid = setup
    base = np.zeros((H, W), bool)
    base[3:6, 3:6] = True
    history.execute(propagated(vid, 1, tid, base))
    steps = history.depth[0]
    history.execute(EditMask(vid, 1, tid, FillHoles()))  # nothing to fill
    assert history.depth[0] == steps
    history.execute(EditMask(vid, 1, tid, Stroke(((4.5, 4.5),), 5.0, erase=True)))
    assert project.mask(vid, 1, tid) is None
    history.undo()
    assert project.mask(vid, 1, tid).mask == Mask.from_array(base)  # type: ignore[union-attr]


def test_a_locked_object_is_not_edited(setup) -> None:
    project, history, vid, tid = setup
    history.execute(SetTrackFlags(tid, locked=True))
    with pytest.raises(ConflictError, match="locked"):
        history.execute(EditMask(vid, 0, tid, GrowMask()))
    assert project.mask(vid, 0, tid) is None


def test_propagation_keeps_an_edited_frame(setup) -> None:
    project, history, vid, tid = setup
    base = np.zeros((H, W), bool)
    base[0:4, 0:4] = True
    history.execute(EditMask(vid, 3, tid, Stroke(((2.0, 2.0),), 3.0)))
    edited = project.mask(vid, 3, tid)
    with history.begin_batch() as batch:
        batch.add_tracked_frame(vid, 3, {tid: (Mask.from_array(base), 2.0)})
        batch.add_tracked_frame(vid, 4, {tid: (Mask.from_array(base), 2.0)})
    assert project.mask(vid, 3, tid) == edited
    assert project.mask(vid, 4, tid).provenance is Provenance.PROPAGATED  # type: ignore[union-attr]


def propagated(vid: int, frame: int, tid: int, pixels: np.ndarray) -> SetMask:
    return SetMask(vid, frame, tid, Mask.from_array(pixels), Provenance.PROPAGATED)
