"""Project aggregate: reads, validated writes, transactions, events, ids, view state."""

from __future__ import annotations

import threading

import pytest

from annotator.domain import (
    CategoriesChanged,
    ChangeKind,
    ConflictError,
    FrameMask,
    InvalidValueError,
    MasksChanged,
    MemoryStorage,
    Project,
    Provenance,
    Track,
    TracksChanged,
    UnknownIdError,
    Video,
    ViewState,
)
from tests.domain.helpers import dump, rect_mask

H, W = 12, 16


def make_project() -> tuple[Project, int, int, int]:
    p = Project()
    cat = p.add_category("person", (1, 2, 3))
    vid = p.allocate_id("video")
    p.put_video(Video(vid, "clip.mp4", "abc", 30.0, W, H, 50))
    tid = p.allocate_id("track")
    p.put_track(Track(tid, vid, cat.id, "walker"))
    return p, vid, tid, cat.id


def rec(vid: int, frame: int, tid: int, x: int = 0, prov: Provenance = Provenance.PROPAGATED):
    return FrameMask(vid, frame, tid, rect_mask(H, W, x, 0, x + 3, 4), prov)


def test_reads_are_sorted_and_filtered() -> None:
    p, vid, t1, cat = make_project()
    t2 = p.allocate_id("track")
    p.put_track(Track(t2, vid, None, "other"))
    p.put_masks([rec(vid, f, t, x=f % 5) for f in (9, 2, 5) for t in (t2, t1)])
    p.put_masks(
        [rec(vid, 7, t1, prov=Provenance.EDITED), rec(vid, 3, t2, prov=Provenance.PROMPTED)]
    )
    assert [(r.frame, r.track_id) for r in p.masks(vid)] == [
        (2, t1), (2, t2), (3, t2), (5, t1), (5, t2), (7, t1), (9, t1), (9, t2),
    ]  # fmt: skip
    assert [r.frame for r in p.masks(vid, track=t1)] == [2, 5, 7, 9]
    assert [r.track_id for r in p.masks(vid, frame=5)] == [t1, t2]
    assert [r.frame for r in p.masks(vid, first=3, last=7)] == [3, 5, 5, 7]
    assert p.frames_with_masks(vid) == [2, 3, 5, 7, 9]
    assert p.frames_with_masks(vid, t2) == [2, 3, 5, 9]
    assert p.frames_with_masks(vid, first=3, last=7) == [3, 5, 7]
    assert p.frames_with_masks(vid, t2, first=4) == [5, 9]
    assert p.keyframes(vid, t1) == [7] and p.keyframes(vid, t2) == [3]
    assert p.mask(vid, 4, t1) is None and p.mask(vid, 5, t1) is not None
    assert p.count_masks() == 8 and p.count_masks(vid) == 8
    assert [t.id for t in p.tracks(category_id=cat)] == [t1]


def test_masks_stream_in_chunks_over_long_videos() -> None:
    p, vid, tid, _ = make_project()
    p.put_video(p.video(vid).with_(num_frames=2000))
    p.put_masks([rec(vid, f, tid) for f in range(0, 2000, 2)])
    frames = [r.frame for r in p.masks(vid)]
    assert frames == list(range(0, 2000, 2))
    assert [r.frame for r in p.masks(vid, first=601, last=1203)] == list(range(602, 1203, 2))


def test_writes_are_validated() -> None:
    p, vid, tid, cat = make_project()
    with pytest.raises(UnknownIdError):
        p.put_track(Track(99, 42, None, "x"))  # no such video
    with pytest.raises(UnknownIdError):
        p.put_track(Track(99, vid, 42, "x"))  # no such category
    with pytest.raises(InvalidValueError):
        p.put_masks([rec(vid, 50, tid)])  # past the last frame
    with pytest.raises(InvalidValueError):
        p.put_masks([FrameMask(vid, 0, tid, rect_mask(H + 1, W, 0, 0, 1, 1))])  # wrong size
    with pytest.raises(UnknownIdError):
        p.put_masks([rec(vid, 0, 77)])
    with pytest.raises(ConflictError):
        p.remove_category(cat)  # still used by a track
    with pytest.raises(ConflictError):
        p.remove_video(vid)  # still has tracks
    with pytest.raises(ConflictError):
        p.put_video(p.video(vid).with_(width=W + 2))  # would orphan its masks' size
    assert p.count_masks() == 0


def test_failed_transaction_rolls_back_storage_and_metadata() -> None:
    p, vid, tid, _ = make_project()
    p.put_masks([rec(vid, 1, tid)])
    before = dump(p)
    events: list[object] = []
    p.subscribe(events.append)
    with pytest.raises(InvalidValueError), p.transaction():
        p.put_track(p.track(tid).with_(name="renamed"))
        p.add_category("vehicle")
        p.remove_masks([(vid, 1, tid)])
        p.put_masks([rec(vid, 999, tid)])  # fails: whole transaction undone
    assert dump(p) == before
    assert events == []  # nothing committed, nothing announced


def test_events_fire_after_commit_with_what_changed() -> None:
    p, vid, tid, cat = make_project()
    events: list[object] = []
    unsubscribe = p.subscribe(events.append)
    with p.transaction():
        p.put_masks([rec(vid, 4, tid), rec(vid, 9, tid)])
        assert events == []  # not yet committed
    assert events == [MasksChanged(vid, frozenset({tid}), 4, 9)]
    p.remove_track(tid)
    assert isinstance(events[-1], TracksChanged) and events[-1].kind is ChangeKind.REMOVED
    assert any(isinstance(e, MasksChanged) for e in events[1:])
    p.remove_category(cat)
    assert events[-1] == CategoriesChanged(ChangeKind.REMOVED, frozenset({cat}))
    unsubscribe()
    unsubscribe()  # idempotent
    p.add_category("again")
    assert len(events) == 4


def test_a_failing_listener_does_not_stop_others() -> None:
    p, vid, tid, _ = make_project()
    seen: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("view bug")

    p.subscribe(broken)
    p.subscribe(seen.append)
    p.put_masks([rec(vid, 0, tid)])
    assert len(seen) == 1 and p.mask(vid, 0, tid) is not None


def test_ids_are_never_reused() -> None:
    p, vid, tid, _ = make_project()
    p.remove_track(tid)
    new = p.allocate_id("track")
    assert new > tid
    with pytest.raises(InvalidValueError):
        p.allocate_id("nonsense")


def test_view_state_round_trip_and_stale_ids_dropped() -> None:
    p, vid, tid, _ = make_project()
    assert p.view_state == ViewState()
    p.set_view_state(ViewState(vid, 17, tid))
    assert p.view_state == ViewState(vid, 17, tid)
    p.remove_track(tid)
    assert p.view_state == ViewState(vid, 17, None)


def test_storage_writes_need_a_transaction() -> None:
    s = MemoryStorage()
    with pytest.raises(Exception, match="transaction"):
        s.set_meta("k", "v")


def test_concurrent_writer_and_reader_threads() -> None:
    p, vid, tid, _ = make_project()
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for f in range(50):
                p.put_masks([rec(vid, f, tid)], bulk=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    while not done.is_set():
        frames = p.frames_with_masks(vid)
        assert frames == sorted(frames) and frames == list(range(len(frames)))
    thread.join(timeout=30)
    assert not errors and p.frames_with_masks(vid) == list(range(50))
