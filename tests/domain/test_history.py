"""History: propagation batches as one step, memory-bounded depth, events, busy refusals."""

from __future__ import annotations

import threading

import pytest

from annotator.domain import (
    AddCategory,
    AddTrack,
    AddVideo,
    FrameMask,
    History,
    HistoryChanged,
    HistoryError,
    MasksChanged,
    Project,
    Provenance,
    SetMask,
    SetTrackFlags,
)
from tests.domain.helpers import blob_mask, dump

H, W = 48, 64


def setup(max_bytes: int = 1 << 30) -> tuple[Project, History, int, int, int]:
    p = Project()
    h = History(p, max_bytes=max_bytes)
    vid = h.execute(AddVideo("a.mp4", "fp", 25, W, H, 100)).video_id
    t1 = h.execute(AddTrack(vid)).track_id
    t2 = h.execute(AddTrack(vid)).track_id
    return p, h, vid, t1, t2


def frame_records(vid: int, frame: int, tracks: list[int]) -> list[FrameMask]:
    return [
        FrameMask(vid, frame, t, blob_mask(H, W, 10 + frame % 40 + t, 20, 8, 6), score=1.0)
        for t in tracks
    ]


def test_propagation_run_is_one_undo_step() -> None:
    p, h, vid, t1, t2 = setup()
    h.execute(SetMask(vid, 0, t1, blob_mask(H, W, 20, 20, 5, 5), Provenance.PROMPTED))
    before = dump(p)
    events: list[object] = []
    p.subscribe(events.append)
    with h.begin_batch("Propagate forward") as batch:
        assert not h.can_undo
        with pytest.raises(HistoryError):
            h.undo()
        for f in range(0, 30):
            batch.add_frame(frame_records(vid, f, [t1, t2]))
    assert p.frames_with_masks(vid) == list(range(30))
    assert p.mask(vid, 0, t1).provenance is Provenance.PROMPTED  # keyframe kept
    per_frame = [e for e in events if isinstance(e, MasksChanged)]
    assert len(per_frame) == 30 and per_frame[5].first == per_frame[5].last == 5
    assert h.undo_label == "Propagate forward"
    after = dump(p)
    h.undo()
    assert dump(p) == before
    h.redo()
    assert dump(p) == after
    with pytest.raises(HistoryError):
        batch.add_frame(frame_records(vid, 31, [t1]))


def test_batch_skips_locked_and_deleted_tracks_and_can_replace_keyframes() -> None:
    p, h, vid, t1, t2 = setup()
    h.execute(SetTrackFlags(t2, locked=True))
    h.execute(SetMask(vid, 3, t1, blob_mask(H, W, 20, 20, 5, 5), Provenance.EDITED))
    batch = h.begin_batch(keep_keyframes=False)
    written = batch.add_frame(frame_records(vid, 3, [t1, t2, 999]))
    batch.close()
    assert [r.track_id for r in written] == [t1]
    assert p.mask(vid, 3, t1).provenance is Provenance.PROPAGATED
    assert p.mask(vid, 3, t2) is None


def test_replace_edits_lets_those_hand_edits_give_way_but_never_prompted_masks() -> None:
    p, h, vid, t1, t2 = setup()
    h.execute(SetMask(vid, 0, t1, blob_mask(H, W, 20, 20, 5, 5), Provenance.PROMPTED))
    h.execute(SetMask(vid, 2, t1, blob_mask(H, W, 30, 20, 5, 5), Provenance.EDITED))
    h.execute(SetMask(vid, 3, t2, blob_mask(H, W, 30, 20, 5, 5), Provenance.EDITED))
    h.execute(SetMask(vid, 1, t2, blob_mask(H, W, 30, 20, 5, 5), Provenance.EDITED))
    before = dump(p)
    released = [(vid, 0, t1), (vid, 2, t1), (vid, 3, t2)]  # frame 0 is prompted: kept anyway
    with h.begin_batch("Propagate forward", replace_edits=released) as batch:
        for f in range(4):
            gone = [(vid, f, t2)] if f == 3 else []  # t2 lost on its edited frame
            batch.add_frame(frame_records(vid, f, [t1] if f == 3 else [t1, t2]), gone)
    assert p.mask(vid, 0, t1).provenance is Provenance.PROMPTED
    assert p.mask(vid, 0, t1).mask == blob_mask(H, W, 20, 20, 5, 5)
    assert p.mask(vid, 2, t1).provenance is Provenance.PROPAGATED
    assert p.mask(vid, 2, t1).mask == frame_records(vid, 2, [t1])[0].mask
    assert p.mask(vid, 3, t2) is None
    assert p.mask(vid, 1, t2).provenance is Provenance.EDITED  # not among those released
    h.undo()
    assert dump(p) == before
    with h.begin_batch() as batch:  # the default keeps the same edits
        batch.add_frame(frame_records(vid, 2, [t1]), [(vid, 3, t2)])
    assert dump(p) == before


def test_a_rerun_that_loses_the_object_removes_its_old_propagated_masks() -> None:
    p, h, vid, t1, t2 = setup()
    with h.begin_batch() as batch:
        for f in range(4):
            batch.add_frame(frame_records(vid, f, [t1, t2]))
    h.execute(SetMask(vid, 2, t2, blob_mask(H, W, 5, 5, 4, 4), Provenance.EDITED))
    before = dump(p)
    with h.begin_batch() as batch:  # the re-run finds t1 gone on frames 1..3, t2 on 2..3
        for f in range(4):
            gone = [(vid, f, t1)] if f >= 1 else []
            gone += [(vid, f, t2)] if f >= 2 else []
            batch.add_frame(
                frame_records(vid, f, [t for t in (t1, t2) if (vid, f, t) not in gone]), gone
            )
    assert p.frames_with_masks(vid, t1) == [0]
    assert p.frames_with_masks(vid, t2) == [0, 1, 2]  # frame 2 was the user's: kept
    assert p.mask(vid, 2, t2).provenance is Provenance.EDITED
    h.undo()  # the whole re-run, removals included, is one step
    assert dump(p) == before


def test_empty_batch_leaves_no_undo_step() -> None:
    p, h, vid, t1, t2 = setup()
    depth = h.depth
    h.begin_batch().close()
    assert h.depth == depth


def test_history_depth_is_bounded_by_bytes_not_count() -> None:
    p, h, vid, t1, t2 = setup(max_bytes=20_000)
    for f in range(100):
        h.execute(SetMask(vid, f, t1, blob_mask(H, W, 10 + f % 40, 20, 8, 6)))
        assert h.bytes_used <= 20_000
    undo_steps, _ = h.depth
    assert 5 < undo_steps < 100
    while h.undo() is not None:
        pass
    assert p.frames_with_masks(vid) == list(range(100 - undo_steps))  # oldest edits stay


def test_a_step_bigger_than_the_budget_is_still_undoable() -> None:
    p, h, vid, t1, t2 = setup(max_bytes=1_000)
    with h.begin_batch() as batch:
        for f in range(20):
            batch.add_frame(frame_records(vid, f, [t1, t2]))
    assert h.depth[0] == 1 and h.bytes_used > 1_000
    h.undo()
    assert p.count_masks() == 0


def test_history_events_and_labels() -> None:
    p, h, vid, t1, t2 = setup()
    seen: list[HistoryChanged] = []
    p.subscribe(lambda e: seen.append(e) if isinstance(e, HistoryChanged) else None)
    h.execute(AddCategory("person"))
    assert seen[-1] == HistoryChanged(True, False) and h.undo_label == "Add category"
    h.undo()
    assert seen[-1].can_redo and h.redo_label == "Add category"
    h.execute(AddCategory("car"))
    assert not h.can_redo  # a new edit forgets the redo stack
    h.clear()
    assert h.depth == (0, 0) and h.undo() is None and h.redo() is None


def test_gui_edits_while_an_engine_thread_records_a_batch() -> None:
    p, h, vid, t1, t2 = setup()
    before = dump(p)
    first_frame = threading.Event()
    stop = threading.Event()
    errors: list[BaseException] = []

    def engine() -> None:
        try:
            with h.begin_batch("Propagate") as batch:
                for f in range(100):
                    batch.add_frame(frame_records(vid, f, [t1]))
                    first_frame.set()
                    if stop.is_set():
                        break
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_frame.set()

    worker = threading.Thread(target=engine)
    worker.start()
    assert first_frame.wait(timeout=30)
    with pytest.raises(HistoryError, match="Propagate"):
        h.undo()
    h.execute(SetMask(vid, 50, t2, blob_mask(H, W, 30, 30, 6, 6)))  # other edits go on
    stop.set()
    worker.join(timeout=30)
    assert not worker.is_alive() and not errors
    assert h.undo_label == "Edit mask"
    h.undo()
    h.undo()
    assert dump(p) == before
