"""Merging one object into another: every record moves (prompts and provenance with it) and
so do its absent frames, the source goes, undo restores both exactly; overlaps (mask on
mask, mask on absence) and locks are refused."""

from __future__ import annotations

import pytest

from annotator.domain import (
    AddTrack,
    AddVideo,
    ConflictError,
    FrameMask,
    History,
    InvalidValueError,
    MergeTracks,
    Project,
    Prompt,
    Provenance,
    SetMasks,
    SetTrackFlags,
)
from annotator.domain.absence import MarkAbsent, absent_spans
from annotator.domain.merge_tracks import frame_spans
from tests.domain.helpers import dump, rect_mask

H, W = 10, 10


def _project() -> tuple[Project, History, int, int, int]:
    """Object 'a' on frames 0-2 (frame 0 prompted), object 'b' on frames 5-6."""
    p = Project()
    h = History(p)
    vid = h.execute(AddVideo("a.mp4", "fp", 25, W, H, 20)).video_id
    a = h.execute(AddTrack(vid, name="a")).track_id
    b = h.execute(AddTrack(vid, name="b")).track_id
    prompt = Prompt(points=((2.0, 2.0),), labels=(1,))
    records = [FrameMask(vid, 0, a, rect_mask(H, W, 0, 0, 4, 4), Provenance.PROMPTED, 1.5, prompt)]
    records += [FrameMask(vid, f, a, rect_mask(H, W, f, 0, f + 4, 4)) for f in (1, 2)]
    records += [FrameMask(vid, f, b, rect_mask(H, W, f, 5, f + 3, 9)) for f in (5, 6)]
    h.execute(SetMasks(records))
    return p, h, vid, a, b


def test_every_record_moves_to_the_target_and_undo_restores_both() -> None:
    p, h, vid, a, b = _project()
    before = dump(p)
    wanted = {r.frame: r for r in p.masks(vid, track=b)}
    h.execute(MergeTracks(b, a))
    assert not p.has_track(b) and p.track(a).name == "a"
    assert p.frames_with_masks(vid, a) == [0, 1, 2, 5, 6]
    for frame, old in wanted.items():
        moved = p.mask(vid, frame, a)
        assert moved is not None and (moved.mask, moved.provenance) == (old.mask, old.provenance)
    first = p.mask(vid, 0, a)
    assert first is not None and first.prompt is not None and first.score == 1.5
    h.undo()
    assert dump(p) == before
    h.redo()
    assert not p.has_track(b) and p.frames_with_masks(vid, a) == [0, 1, 2, 5, 6]


def test_frames_where_both_have_masks_are_refused_by_name() -> None:
    p, h, vid, a, b = _project()
    h.execute(SetMasks([FrameMask(vid, f, b, rect_mask(H, W, 0, 5, 3, 9)) for f in (1, 2, 4)]))
    before = dump(p)
    with pytest.raises(ConflictError, match=r"both have masks on frames 1-2: clear one"):
        h.execute(MergeTracks(b, a))
    assert dump(p) == before  # nothing moved


def test_merging_into_itself_a_locked_object_or_another_video_is_refused() -> None:
    p, h, vid, a, b = _project()
    with pytest.raises(InvalidValueError, match="into itself"):
        h.execute(MergeTracks(a, a))
    other = h.execute(AddVideo("b.mp4", "fp2", 25, W, H, 5)).video_id
    c = h.execute(AddTrack(other, name="c")).track_id
    with pytest.raises(InvalidValueError, match="different videos"):
        h.execute(MergeTracks(c, a))
    h.execute(SetTrackFlags(a, locked=True))
    with pytest.raises(ConflictError, match="locked"):
        h.execute(MergeTracks(b, a))
    assert p.has_track(b) and p.frames_with_masks(vid, b) == [5, 6]


def test_frame_spans_reads_as_ranges() -> None:
    assert frame_spans([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert frame_spans(list(range(0, 20, 2)), most=3) == "0, 2, 4, ..."


def test_the_sources_absent_frames_become_the_targets_and_undo_gives_them_back() -> None:
    p, h, vid, a, b = _project()
    h.execute(MarkAbsent(vid, b, 10, 11))
    h.execute(MarkAbsent(vid, a, 3))
    h.execute(MergeTracks(b, a))
    assert absent_spans(p, vid, a) == [(3, 3), (10, 11)]  # tracking keeps them empty
    h.undo()
    assert absent_spans(p, vid, a) == [(3, 3)] and absent_spans(p, vid, b) == [(10, 11)]
    h.redo()
    assert absent_spans(p, vid, a) == [(3, 3), (10, 11)]


def test_an_absence_on_the_other_objects_masked_frames_is_refused() -> None:
    p, h, vid, a, b = _project()
    h.execute(MarkAbsent(vid, a, 5))  # b has a mask on frame 5
    with pytest.raises(ConflictError, match="a is marked absent where b has masks, on frame 5"):
        h.execute(MergeTracks(b, a))
    h.undo()
    h.execute(MarkAbsent(vid, b, 1, 2))  # a has masks on frames 1-2
    with pytest.raises(ConflictError, match="b is marked absent where a has masks, on frames 1-2"):
        h.execute(MergeTracks(b, a))
    assert p.has_track(b)
