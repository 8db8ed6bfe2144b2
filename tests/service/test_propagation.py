"""Propagation streams one result per frame, stops within one frame of a cancel keeping what
was done, and never loses a request sent while it runs."""

from __future__ import annotations

import threading

import numpy as np

from annotator.service import (
    Direction,
    EngineService,
    FrameTracked,
    MaskResult,
    PropagationDone,
    PropagationStarted,
    RequestFuture,
)

from .conftest import IMAGE_SIZE, NUM_FRAMES

CLICK = ([[80.0, 45.0], [30.0, 70.0]], [1, 0])


def _tracked(log, request_id: int) -> list[FrameTracked]:
    return [e for e in log.of(FrameTracked) if e.request_id == request_id]


def test_propagation_streams_every_frame_with_progress(service, log) -> None:
    service.add_points(0, 1, *CLICK).result(120)
    done = service.propagate(0).result(300)
    assert isinstance(done, PropagationDone) and not done.cancelled
    assert done.frames == tuple(range(NUM_FRAMES))
    (started,) = [e for e in log.of(PropagationStarted) if e.request_id == done.request_id]
    assert started.total_frames == NUM_FRAMES
    tracked = _tracked(log, done.request_id)
    assert [e.frame for e in tracked] == list(range(NUM_FRAMES))
    assert [e.done for e in tracked] == list(range(1, NUM_FRAMES + 1))
    assert all(e.total == NUM_FRAMES and e.frames_per_second > 0 for e in tracked)
    assert tracked[-1].eta_seconds == 0
    assert all(e.eta_seconds >= 0 for e in tracked)
    for e in tracked:
        (mask,) = e.objects.values()
        assert mask.mask.dtype == np.bool_ and mask.mask.shape == (90, 160)
        assert mask.rle.size == (90, 160) and mask.area == int(mask.mask.sum())


def test_cancel_stops_within_one_frame_and_keeps_every_frame_returned(
    service, log, tiny_checkpoint, frames
) -> None:
    service.add_points(0, 1, *CLICK).result(120)

    def cancel_after_second_frame(event: object) -> None:
        if isinstance(event, FrameTracked) and event.done == 2:
            service.cancel()  # on the engine thread, between frames 2 and 3: deterministic

    log.hooks.append(cancel_after_second_frame)
    done = service.propagate(0).result(300)
    log.hooks.clear()
    assert done.cancelled
    assert 2 <= len(done.frames) <= 3, "must stop within one frame of the cancel"
    assert [e.frame for e in _tracked(log, done.request_id)] == list(done.frames)

    # Resume right after the last returned frame: its memory comes from the frames the
    # cancelled run returned, so it matches an uninterrupted run only if they were kept.
    resume_at = done.frames[-1] + 1
    resumed = service.propagate(resume_at).result(300)
    assert not resumed.cancelled and resumed.frames == tuple(range(resume_at, NUM_FRAMES))
    with EngineService(num_threads=1) as fresh:
        fresh.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
        fresh.set_video(frames).result(120)
        fresh.add_points(0, 1, *CLICK).result(120)
        whole: dict[int, FrameTracked] = {}
        fresh.add_listener(
            lambda e: whole.__setitem__(e.frame, e) if isinstance(e, FrameTracked) else None
        )
        fresh.propagate(0).result(300)
    for e in _tracked(log, resumed.request_id):
        np.testing.assert_array_equal(e.objects[1].mask, whole[e.frame].objects[1].mask)
        score, expected = e.objects[1].score, whole[e.frame].objects[1].score
        assert score is not None and expected is not None and abs(score - expected) < 1e-4


def test_requests_sent_during_propagation_are_answered_after_it(service, log) -> None:
    service.add_points(0, 1, *CLICK).result(120)
    sent: dict[str, RequestFuture] = {}

    def send_while_running(event: object) -> None:
        # on the engine thread, right after the run's first frame: certainly mid-run
        if isinstance(event, FrameTracked) and event.done == 1 and not sent:
            sent["click"] = service.add_points(6, 2, [[50.0, 40.0]], [1])
            sent["back"] = service.propagate(6, Direction.BACKWARD, max_frames=1)

    log.hooks.append(send_while_running)
    run = service.propagate(0, max_frames=3)
    done = run.result(300)
    click, back = sent["click"], sent["back"]
    clicked, back_done = click.result(300), back.result(300)

    assert not done.cancelled and done.frames == (0, 1, 2, 3)
    assert isinstance(clicked, MaskResult) and set(clicked.objects) == {1, 2}
    assert back_done.frames == (6, 5) and not back_done.cancelled
    answers = [
        e
        for e in log.events
        if isinstance(e, PropagationDone | MaskResult | PropagationStarted)
        and e.request_id in {run.request_id, click.request_id, back.request_id}
    ]
    kinds = [(type(e).__name__, e.request_id) for e in answers]
    assert kinds == [
        ("PropagationStarted", run.request_id),
        ("PropagationDone", run.request_id),
        ("MaskResult", click.request_id),
        ("PropagationStarted", back.request_id),
        ("PropagationDone", back.request_id),
    ]


def test_cancel_before_a_queued_propagation_starts_answers_it_empty(service, log) -> None:
    service.add_points(0, 1, *CLICK).result(120)
    first_frame = threading.Event()
    log.hooks.append(lambda e: first_frame.set() if isinstance(e, FrameTracked) else None)
    running = service.propagate(0)
    queued = service.propagate(7, Direction.BACKWARD)
    assert first_frame.wait(120)
    service.cancel()
    a, b = running.result(300), queued.result(300)
    assert a.cancelled and len(a.frames) < NUM_FRAMES
    assert b.cancelled and b.frames == ()
    # still usable afterwards
    assert isinstance(service.add_points(3, 1, [[60.0, 30.0]], [1]).result(120), MaskResult)
