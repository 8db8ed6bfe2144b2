"""Lane facts read from a project (kinds, scores, areas, absence), their runs, and the review
aids that flag score drops and area jumps."""

from __future__ import annotations

import numpy as np

from annotator.domain import AddTrack, AddVideo, FrameMask, History, Project, Provenance, SetMasks
from annotator.domain.absence import MarkAbsent
from annotator.service.lane_facts import FrameKind, LaneBook, LaneFacts, kind_runs, read_lane
from annotator.service.review import low_score, next_flagged, review_flags
from tests.domain.helpers import rect_mask

H, W = 40, 40
P, K, E = Provenance.PROPAGATED, Provenance.PROMPTED, Provenance.EDITED


def _project() -> tuple[Project, History, int, int]:
    p = Project()
    h = History(p)
    vid = h.execute(AddVideo("a.mp4", "fp", 25, W, H, 12)).video_id
    tid = h.execute(AddTrack(vid)).track_id
    side = {0: 10, 1: 10, 2: 10, 3: 10, 4: 30, 5: 30, 6: 30, 7: 30}  # area jumps on 4
    score = {0: 9.0, 1: 8.0, 2: 7.5, 3: 7.0, 4: 7.0, 5: 1.0, 6: -2.0, 7: -2.5}
    prov = {0: K, 3: E}
    recs = [
        FrameMask(vid, f, tid, rect_mask(H, W, 0, 0, s, 10), prov.get(f, P), score[f])
        for f, s in side.items()
    ]
    h.execute(SetMasks(recs))
    h.execute(MarkAbsent(vid, tid, 9, 10))
    return p, h, vid, tid


def test_read_lane_and_runs() -> None:
    p, _, vid, tid = _project()
    facts = read_lane(p, vid, tid)
    assert list(facts.kinds) == [2, 1, 1, 3, 1, 1, 1, 1, 0, 5, 5, 0]
    assert facts.scores[1] == 8.0 and np.isnan(facts.scores[8])
    assert facts.areas[0] == 100 and facts.areas[4] == 300
    assert list(facts.keyframes) == [0, 3]
    assert kind_runs(facts.kinds) == [(0, 0, 2), (1, 2, 1), (3, 3, 3), (4, 7, 1), (9, 10, 5)]


def test_partial_reread_only_touches_the_range() -> None:
    p, h, vid, tid = _project()
    facts = read_lane(p, vid, tid)
    h.execute(MarkAbsent(vid, tid, 5, 6))
    read_lane(p, vid, tid, facts, 5, 6)
    assert list(facts.kinds) == [2, 1, 1, 3, 1, 5, 5, 1, 0, 5, 5, 0]
    assert np.isnan(facts.scores[5]) and facts.scores[7] == -2.5


def test_review_flags_score_drop_area_jump_and_low_score() -> None:
    p, _, vid, tid = _project()
    facts = read_lane(p, vid, tid)
    flags = review_flags(facts)
    # 4: area x3 from frame 3; 5: score fell by 6; 6: score crossed zero
    assert list(np.flatnonzero(flags)) == [4, 5, 6]
    assert list(np.flatnonzero(low_score(facts))) == [6, 7]
    assert next_flagged(flags, 0) == 4 and next_flagged(flags, 6) is None
    assert next_flagged(flags, 6, -1) == 5 and next_flagged(flags, 4, -1) is None


def test_kind_runs_of_long_vectors_and_edges() -> None:
    kinds = np.zeros(10_000, np.uint8)
    kinds[100:5000] = FrameKind.PROPAGATED
    kinds[9999] = FrameKind.PROMPTED
    assert kind_runs(kinds) == [(100, 4999, 1), (9999, 9999, 2)]
    assert kind_runs(np.zeros(0, np.uint8)) == []
    assert LaneFacts.empty(3, 5).num_frames == 5


def test_lane_book_rereads_only_what_changed() -> None:
    p, h, vid, tid = _project()
    book = LaneBook(p, vid)
    assert book.refresh() == {tid}
    assert book.refresh() == set()
    h.execute(MarkAbsent(vid, tid, 1, 2))
    book.mark([tid], 1, 2)
    assert book.refresh() == {tid}
    assert list(book.facts(tid).kinds[:4]) == [2, 5, 5, 3]


def test_long_ranges_come_from_the_index_first_then_are_refined(monkeypatch) -> None:
    import annotator.service.lane_facts as lane_facts

    monkeypatch.setattr(lane_facts, "DETAIL_FRAMES", 4)
    p, _, vid, tid = _project()
    book = LaneBook(p, vid)
    book.refresh()
    coarse = book.facts(tid)
    assert list(coarse.kinds) == [2, 1, 1, 2, 1, 1, 1, 1, 0, 5, 5, 0]  # edited looks prompted
    assert np.isnan(coarse.scores).all() and book.refining
    steps = 0
    while book.refining:
        assert book.refine(frames=5) == {tid}
        steps += 1
    assert steps == 3 and book.refine() == set()
    exact = read_lane(p, vid, tid)
    assert np.array_equal(coarse.kinds, exact.kinds) and np.array_equal(coarse.areas, exact.areas)
