"""Absence: spans arithmetic, the undoable commands, and the SQLite store keeping it."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain import (
    AddTrack,
    AddVideo,
    ConflictError,
    FrameMask,
    History,
    InvalidValueError,
    MasksChanged,
    Project,
    Provenance,
    SetMasks,
    SetTrackFlags,
)
from annotator.domain.absence import (
    MarkAbsent,
    MarkPresent,
    absent_frames,
    absent_spans,
    effective_absence,
    normalise,
    video_absence,
    with_span,
    without_span,
)
from annotator.io.store import create_project, open_project
from tests.domain.helpers import dump, rect_mask

H, W = 8, 8


def _fill(project: Project) -> tuple[History, int, int, int]:
    h = History(project)
    vid = h.execute(AddVideo("a.mp4", "fp", 25, W, H, 30)).video_id
    t1 = h.execute(AddTrack(vid)).track_id
    t2 = h.execute(AddTrack(vid)).track_id
    recs = [
        FrameMask(vid, f, t, rect_mask(H, W, 0, 0, t + 1, 3)) for f in range(20) for t in (t1, t2)
    ]
    h.execute(SetMasks(recs))
    return h, vid, t1, t2


def test_span_arithmetic() -> None:
    assert normalise([(5, 3), (7, 9), (10, 10), (20, 22)]) == [(3, 5), (7, 10), (20, 22)]
    assert with_span([(1, 2)], 3, 4) == [(1, 4)]
    assert without_span([(0, 10)], 3, 4) == [(0, 2), (5, 10)]
    assert without_span([(0, 10)], 0, 10) == []
    assert without_span([(2, 3)], 5, 9) == [(2, 3)]


def test_mark_absent_removes_masks_of_that_track_only_and_undoes() -> None:
    p = Project()
    h, vid, t1, t2 = _fill(p)
    before = dump(p)
    seen: list[MasksChanged] = []
    p.subscribe(lambda e: seen.append(e) if isinstance(e, MasksChanged) else None)
    h.execute(MarkAbsent(vid, t1, 12, 13))
    assert absent_spans(p, vid, t1) == [(12, 13)]
    assert absent_frames(p, vid, t2) == set()
    assert [f for f in p.frames_with_masks(vid, t1) if 10 <= f <= 15] == [10, 11, 14, 15]
    assert len(p.frames_with_masks(vid, t2)) == 20
    assert any(e.track_ids == {t1} and e.first == 12 and e.last == 13 for e in seen)
    h.execute(MarkAbsent(vid, t1, 14))
    assert video_absence(p, vid) == {t1: [(12, 14)]}
    h.undo()
    h.undo()
    assert absent_spans(p, vid, t1) == []
    assert dump(p) == before
    h.redo()
    assert absent_spans(p, vid, t1) == [(12, 13)]
    assert p.mask(vid, 12, t1) is None


def test_mark_present_splits_a_span_and_undoes() -> None:
    p = Project()
    h, vid, t1, _ = _fill(p)
    h.execute(MarkAbsent(vid, t1, 2, 9))
    h.execute(MarkPresent(vid, t1, 5, 6))
    assert absent_spans(p, vid, t1) == [(2, 4), (7, 9)]
    h.undo()
    assert absent_spans(p, vid, t1) == [(2, 9)]


def test_refusals_name_the_problem() -> None:
    p = Project()
    h, vid, t1, _ = _fill(p)
    with pytest.raises(InvalidValueError, match="past the end of video"):
        h.execute(MarkAbsent(vid, t1, 25, 30))
    with pytest.raises(InvalidValueError, match="not a span"):
        MarkAbsent(vid, t1, 5, 4)
    h.execute(SetTrackFlags(t1, locked=True))
    with pytest.raises(ConflictError, match="locked"):
        h.execute(MarkAbsent(vid, t1, 1))
    assert absent_spans(p, vid, t1) == []
    with p.transaction():
        p.storage.set_meta(f"absence.{vid}.{t1}", "{not json")
    with pytest.raises(InvalidValueError, match="mark its absent frames again"):
        absent_spans(p, vid, t1)


def test_absence_is_stored_in_the_project_file(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    with create_project(path) as p:
        h, vid, t1, t2 = _fill(p)
        h.execute(MarkAbsent(vid, t1, 12, 13))
        h.execute(MarkAbsent(vid, t2, 0))
        saved = dump(p)
    with open_project(path) as p:
        assert video_absence(p, vid) == {t1: [(12, 13)], t2: [(0, 0)]}
        assert dump(p) == saved


def test_a_keyframe_on_an_absent_frame_wins() -> None:
    p = Project()
    h, vid, t1, _ = _fill(p)
    h.execute(MarkAbsent(vid, t1, 3, 6))
    h.execute(SetMasks([FrameMask(vid, 4, t1, rect_mask(H, W, 0, 0, 2, 2), Provenance.PROMPTED)]))
    assert effective_absence(p, vid) == {t1: [(3, 3), (5, 6)]}
    assert absent_spans(p, vid, t1) == [(3, 6)]  # what the user marked stays recorded
