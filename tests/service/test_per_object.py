"""Per-object tracking through the service and the real engine: an object is covered only
outward from its own keyframes, only the chosen objects are tracked, an empty mask prompt
(absence) stays empty, and an object's run can stop after it has been gone for N frames."""

from __future__ import annotations

import numpy as np

from annotator.service import Direction, FrameTracked, ObjectMask

from .conftest import FRAME_HW, NUM_FRAMES

CLICK_1 = ([[80.0, 45.0]], [1])
BOX_2 = (20.0, 50.0, 70.0, 85.0)
LATE = 4  # object 2's keyframe


def _per_frame(log, request_id: int) -> dict[int, dict[int, ObjectMask]]:
    return {e.frame: e.objects for e in log.of(FrameTracked) if e.request_id == request_id}


def _prompt_both(service) -> None:
    service.add_points(0, 1, *CLICK_1).result(120)
    service.add_box(LATE, 2, BOX_2).result(120)


def test_forward_run_starts_each_object_at_its_first_keyframe(service, log) -> None:
    _prompt_both(service)
    done = service.propagate(0, Direction.FORWARD).result(300)
    frames = _per_frame(log, done.request_id)
    assert sorted(frames) == list(range(NUM_FRAMES))
    for f, objects in frames.items():
        assert sorted(objects) == ([1, 2] if f >= LATE else [1]), f


def test_backward_run_starts_each_object_at_its_last_keyframe(service, log) -> None:
    _prompt_both(service)
    done = service.propagate(NUM_FRAMES - 1, Direction.BACKWARD).result(300)
    frames = _per_frame(log, done.request_id)
    assert sorted(frames) == list(range(NUM_FRAMES))
    for f, objects in frames.items():
        want = [2] if 0 < f <= LATE else [1, 2] if f == 0 else []
        assert sorted(objects) == want, f


def test_only_the_chosen_objects_are_tracked(service, log) -> None:
    _prompt_both(service)
    done = service.propagate(0, Direction.BOTH, objects=[2]).result(300)
    frames = _per_frame(log, done.request_id)
    assert all(sorted(o) == ([2] if f >= LATE else []) for f, o in frames.items())


def test_the_reference_behaviour_tracks_every_object_everywhere(service, log) -> None:
    _prompt_both(service)
    done = service.propagate(0, Direction.FORWARD, from_keyframes=False).result(300)
    frames = _per_frame(log, done.request_id)
    assert all(sorted(o) == [1, 2] for o in frames.values())


def test_absence_stays_empty_and_can_stop_the_run(service, log) -> None:
    service.add_points(0, 1, *CLICK_1).result(120)
    service.add_mask(2, 1, np.zeros(FRAME_HW, dtype=bool)).result(120)
    done = service.propagate(0, Direction.FORWARD).result(300)
    frames = _per_frame(log, done.request_id)
    assert frames[0][1].area > 0
    score = frames[2][1].score
    assert frames[2][1].area == 0 and score is not None and score < 0
    assert all(1 in o for o in frames.values())  # an absent frame does not end the run
    done = service.propagate(0, Direction.FORWARD, stop_after_absent=1).result(300)
    frames = _per_frame(log, done.request_id)
    assert [f for f, o in sorted(frames.items()) if 1 in o] == [0, 1, 2]
