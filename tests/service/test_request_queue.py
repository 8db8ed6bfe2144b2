"""The engine inbox: click merging, FIFO order, the idle pre-encode plan, closing."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from annotator.service.errors import ServiceClosed
from annotator.service.planning import PlanLimits, count_propagated, plan_preencode
from annotator.service.request_queue import IdleEncode, Pending, RequestQueue
from annotator.service.requests import (
    AddBox,
    AddMask,
    AddPoints,
    Direction,
    EncodeFrame,
    Propagate,
    RemoveObject,
    merge_prompts,
)


def _pending(i: int, request: object) -> Pending:
    return Pending(i, request, Future())


def _queue(n: int = 100, ahead: int = 10) -> RequestQueue:
    return RequestQueue(lambda r: plan_preencode(r, PlanLimits(n, ahead)))


def test_newer_click_set_replaces_the_waiting_one() -> None:
    a = AddPoints.of(3, 1, [[1, 2]], [1])
    b = AddPoints.of(3, 1, [[1, 2], [5, 6]], [1, 0])
    assert merge_prompts(a, b) == b


def test_appended_clicks_accumulate_on_clicks_and_on_a_box() -> None:
    a = AddPoints.of(3, 1, [[1, 2]], [1])
    b = AddPoints.of(3, 1, [[5, 6]], [0], clear_old=False)
    assert merge_prompts(a, b) == AddPoints.of(3, 1, [[1, 2], [5, 6]], [1, 0])
    box = AddBox(3, 1, (0, 0, 9, 9))
    assert merge_prompts(box, b) == AddBox(3, 1, (0, 0, 9, 9), ((5.0, 6.0),), (0,))


def test_other_frame_or_object_or_mask_then_clicks_do_not_merge() -> None:
    a = AddPoints.of(3, 1, [[1, 2]], [1])
    assert merge_prompts(a, AddPoints.of(4, 1, [[1, 2]], [1])) is None
    assert merge_prompts(a, AddPoints.of(3, 2, [[1, 2]], [1])) is None
    import numpy as np

    mask = AddMask(3, 1, np.zeros((4, 4), bool))
    assert merge_prompts(mask, AddPoints.of(3, 1, [[1, 2]], [1], clear_old=False)) is None
    assert merge_prompts(a, mask) is mask


def test_queue_merges_only_into_the_waiting_tail_and_keeps_fifo() -> None:
    q = _queue()
    q.put(_pending(1, AddPoints.of(0, 1, [[1, 1]], [1])))
    q.put(_pending(2, RemoveObject(7)))
    merged = q.put(_pending(3, AddPoints.of(0, 1, [[2, 2]], [1])))
    assert merged is None  # a different request waits between them: order must hold
    for i in range(4, 10):
        merged = q.put(_pending(i, AddPoints.of(0, 1, [[i, i]], [1])))
        assert merged is not None
    got = [q.get() for _ in range(3)]
    assert [p.request_id for p in got if isinstance(p, Pending)] == [1, 2, 9]
    last = got[2]
    assert isinstance(last, Pending)
    assert last.request == AddPoints.of(0, 1, [[9, 9]], [1])
    assert [i for i, _ in last.absorbed] == [3, 4, 5, 6, 7, 8]
    assert len(last.all_futures()) == 7


def test_plan_runs_only_when_no_request_waits_and_is_replaced_by_a_new_landing() -> None:
    q = _queue(n=10, ahead=3)
    first = _pending(1, EncodeFrame(8, Direction.FORWARD, ahead=5))
    assert q.replace_plan(first) == []
    q.put(_pending(2, Propagate(0)))
    item = q.get()
    assert isinstance(item, Pending) and item.request_id == 2  # a request before pre-encodes
    item = q.get()
    assert item == IdleEncode(8, first)
    second = _pending(3, EncodeFrame(5, Direction.BACKWARD, ahead=2))
    assert q.replace_plan(second) == []  # frame 8 was already reached
    third = _pending(4, EncodeFrame(1, Direction.BOTH, ahead=3))
    assert q.replace_plan(third) == [second]  # frame 5 never ran: superseded
    frames = [q.get() for _ in range(4)]
    assert [f.frame for f in frames if isinstance(f, IdleEncode)] == [1, 2, 0, 3]


def test_plan_stays_inside_the_video_and_the_budget() -> None:
    limits = PlanLimits(num_frames=6, max_ahead=2)
    assert plan_preencode(EncodeFrame(4, Direction.FORWARD, ahead=9), limits) == [4, 5]
    assert plan_preencode(EncodeFrame(1, Direction.BACKWARD, ahead=9), limits) == [1, 0]
    assert plan_preencode(EncodeFrame(9, Direction.FORWARD), limits) == []


def test_propagated_frame_counts() -> None:
    assert count_propagated(0, Direction.FORWARD, None, 10) == 10
    assert count_propagated(6, Direction.FORWARD, 2, 10) == 3
    assert count_propagated(6, Direction.BACKWARD, None, 10) == 7
    assert count_propagated(9, Direction.FORWARD, 5, 10) == 1
    assert count_propagated(4, Direction.BOTH, 2, 10) == 5
    assert count_propagated(0, Direction.BOTH, None, 10) == 10


def test_get_blocks_until_work_and_close_wakes_and_returns_what_never_ran() -> None:
    q = _queue()
    got: list[object] = []
    t = threading.Thread(target=lambda: got.append(q.get()))
    t.start()
    q.put(_pending(1, RemoveObject(1)))
    t.join(5)
    assert [p.request_id for p in got if isinstance(p, Pending)] == [1]
    q.put(_pending(2, RemoveObject(2)))

    def get_twice() -> None:
        got.append(q.get())
        got.append(q.get())

    t = threading.Thread(target=get_twice)
    left = q.close()
    t.start()
    t.join(5)
    assert [p.request_id for p in left] == [2]
    assert got[1:] == [None, None]
    with pytest.raises(ServiceClosed):
        q.put(_pending(3, RemoveObject(3)))


def test_plan_frames_are_listed_when_the_engine_reaches_them() -> None:
    limits = [PlanLimits(0, 0)]  # no video yet when the landing is sent
    q = RequestQueue(lambda r: plan_preencode(r, limits[0]))
    landing = _pending(1, EncodeFrame(3, Direction.FORWARD, ahead=2))
    q.replace_plan(landing)
    limits[0] = PlanLimits(num_frames=10, max_ahead=5)  # the video opened meanwhile
    assert [q.get() for _ in range(3)] == [
        IdleEncode(3, landing),
        IdleEncode(4, None),
        IdleEncode(5, None),
    ]
    q.replace_plan(_pending(2, EncodeFrame(1)))
    assert q.clear_plan()[0].request_id == 2
    assert q.close() == []


def test_abandoning_a_plan_keeps_a_newer_landing() -> None:
    q = _queue(n=10, ahead=3)
    first = _pending(1, EncodeFrame(0, Direction.FORWARD, ahead=3))
    q.replace_plan(first)
    assert q.get() == IdleEncode(0, first)
    newer = _pending(2, EncodeFrame(5, Direction.FORWARD, ahead=0))
    q.replace_plan(newer)
    q.abandon_plan()  # e.g. encoding a neighbour of the first landing failed
    assert q.get() == IdleEncode(5, newer)
