"""Ranges: a propagation from the current frame to the range end, the video end or the
active object's next keyframe, forward, backward or both."""

from __future__ import annotations

from annotator.service.planning import (
    RunEnd,
    RunPlan,
    count_propagated,
    edits_to_release,
    plan_runs,
)
from annotator.service.requests import Direction

F, B, BOTH = Direction.FORWARD, Direction.BACKWARD, Direction.BOTH
N = 100


def test_video_end_in_each_direction() -> None:
    assert plan_runs(10, F, RunEnd.VIDEO, N) == [RunPlan(10, F, 89)]
    assert plan_runs(10, B, RunEnd.VIDEO, N) == [RunPlan(10, B, 10)]
    assert plan_runs(10, BOTH, RunEnd.VIDEO, N) == [RunPlan(10, F, 89), RunPlan(9, B, 9)]
    assert plan_runs(0, BOTH, RunEnd.VIDEO, N) == [RunPlan(0, F, 99)]


def test_range_end_uses_the_marker_ahead_and_covers_it() -> None:
    runs = plan_runs(30, BOTH, RunEnd.RANGE, N, in_out=(20, 40))
    assert runs == [RunPlan(30, F, 10), RunPlan(29, B, 9)]
    frames = [f for r in runs for f in _frames(r)]
    assert sorted(frames) == list(range(20, 41))
    assert plan_runs(30, F, RunEnd.RANGE, N, in_out=(40, 20)) == [RunPlan(30, F, 10)]
    assert plan_runs(50, F, RunEnd.RANGE, N, in_out=(20, 40)) == []  # past the out marker
    assert plan_runs(50, B, RunEnd.RANGE, N, in_out=(20, 40)) == [RunPlan(50, B, 30)]
    assert plan_runs(5, F, RunEnd.RANGE, N) == [RunPlan(5, F, 94)]  # no markers: whole video


def test_next_keyframe_of_the_object() -> None:
    keys = [0, 10, 60]
    assert plan_runs(10, F, RunEnd.NEXT_KEYFRAME, N, keyframes=keys) == [RunPlan(10, F, 50)]
    assert plan_runs(10, B, RunEnd.NEXT_KEYFRAME, N, keyframes=keys) == [RunPlan(10, B, 10)]
    assert plan_runs(70, F, RunEnd.NEXT_KEYFRAME, N, keyframes=keys) == [RunPlan(70, F, 29)]
    assert plan_runs(30, BOTH, RunEnd.NEXT_KEYFRAME, N, keyframes=keys) == [
        RunPlan(30, F, 30),
        RunPlan(29, B, 19),
    ]


def test_outside_the_video_plans_nothing() -> None:
    assert plan_runs(N, F, RunEnd.VIDEO, N) == []
    assert plan_runs(-1, B, RunEnd.VIDEO, N) == []


def _frames(plan: RunPlan) -> list[int]:
    count = count_propagated(plan.start, plan.direction, plan.max_frames, N)
    step = 1 if plan.direction == F else -1
    return [plan.start + step * k for k in range(count)]


def test_run_frames_cover_the_frames_each_run_writes() -> None:
    assert list(RunPlan(5, Direction.FORWARD, 3).frames(100)) == [5, 6, 7, 8]
    assert list(RunPlan(5, Direction.BACKWARD, 3).frames(100)) == [2, 3, 4, 5]
    assert list(RunPlan(97, Direction.FORWARD, None).frames(100)) == [97, 98, 99]
    assert list(RunPlan(2, Direction.BACKWARD, 10).frames(100)) == [0, 1, 2]


def test_edits_released_are_inside_the_runs_not_the_start_and_leave_a_keyframe() -> None:
    plans = plan_runs(10, Direction.BOTH, RunEnd.RANGE, 100, (5, 20))
    keyframes = {
        1: {0: False, 10: True, 15: True, 30: True},  # prompted 0; edits at 10 (start), 15, 30
        2: {12: True},  # its only keyframe: released, it would have nothing to track from
        3: {4: True, 6: True, 18: False},  # 4 is outside the range
    }
    assert edits_to_release(plans, 100, keyframes) == [(15, 1), (6, 3)]
    assert edits_to_release([], 100, keyframes) == []
