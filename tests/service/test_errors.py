"""Engine errors reach the caller with their cause, and the service keeps working."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.service import (
    EngineError,
    EngineFailure,
    EngineService,
    MaskResult,
    ObjectRemoved,
    PromptsCleared,
    ServiceClosed,
    SessionReset,
)

from .conftest import IMAGE_SIZE


def test_engine_errors_are_reported_and_the_service_keeps_working(
    tiny_checkpoint, frames, log, tmp_path
) -> None:
    with EngineService(num_threads=1, listeners=[log]) as svc:
        bad = tmp_path / "truncated.pt"
        bad.write_bytes(tiny_checkpoint.read_bytes()[:4096])
        with pytest.raises(EngineFailure) as failure:
            svc.load_model(bad).result(60)
        error = log.of(EngineError)[-1]
        assert "Checkpoint" in error.kind and str(bad) in error.message
        assert not error.needs_restart and failure.value.kind == error.kind

        with pytest.raises(EngineFailure, match="no video is open"):
            svc.add_points(0, 1, [[1, 1]], [1]).result(60)
        with pytest.raises(EngineFailure, match="no model is loaded"):
            svc.set_video(frames).result(60)

        svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
        svc.set_video(frames).result(120)
        with pytest.raises(EngineFailure) as failure:
            svc.add_points(len(frames) + 5, 1, [[1, 1]], [1]).result(60)
        assert str(len(frames) + 5) in failure.value.message

        def broken_listener(event: object) -> None:
            raise RuntimeError("a listener bug")

        svc.add_listener(broken_listener)
        bug = svc.submit(object())  # a bug: a request the engine does not know
        with pytest.raises(EngineFailure, match="internal engine error"):
            bug.result(60)
        assert log.of(EngineError)[-1].request_id == bug.request_id
        assert svc.alive and not svc.needs_restart

        result = svc.add_points(1, 1, [[80, 45]], [1]).result(120)
        assert isinstance(result, MaskResult) and result.objects[1].area > 0
        box = svc.add_box(1, 2, (10, 10, 100, 80)).result(120)
        mask = svc.add_mask(1, 3, box.objects[2].mask).result(120)
        assert isinstance(mask, MaskResult) and set(mask.objects) == {1, 2, 3}
        with pytest.raises(EngineFailure):
            svc.add_mask(1, 3, np.ones((5, 5), bool)).result(60)  # wrong size
        cleared = svc.clear_prompts(1, 3).result(60)
        assert isinstance(cleared, PromptsCleared) and cleared.obj_id == 3
        assert isinstance(svc.remove_object(2).result(60), ObjectRemoved)
        assert isinstance(svc.reset().result(60), SessionReset)
        assert svc.alive

    assert not svc.thread.is_alive()
    with pytest.raises(ServiceClosed):
        svc.add_points(0, 1, [[1, 1]], [1])


def test_shutdown_during_propagation_stops_it_and_fails_waiting_requests(
    tiny_checkpoint, frames, log
) -> None:
    import threading

    from annotator.service import FrameTracked

    svc = EngineService(num_threads=1, listeners=[log])
    svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
    svc.set_video(frames).result(120)
    svc.add_points(0, 1, [[80, 45]], [1]).result(120)
    first = threading.Event()
    log.hooks.append(lambda e: first.set() if isinstance(e, FrameTracked) else None)
    running = svc.propagate(0)
    waiting = svc.reset()
    assert first.wait(120)
    assert svc.shutdown(60)
    assert running.result(1).cancelled
    with pytest.raises(ServiceClosed):
        waiting.result(1)


class _FramesOutOfMemory:
    """A frame source whose decoder runs out of memory on one frame (as a real one can)."""

    def __init__(self, frames: list, bad: int) -> None:
        self._frames, self._bad = frames, bad

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, i: int) -> np.ndarray:
        if i == self._bad:
            raise MemoryError(f"cannot allocate frame {i}")
        return self._frames[i]


def test_out_of_memory_is_reported_features_dropped_and_service_usable(
    tiny_checkpoint, frames, log
) -> None:
    from annotator.service import FrameEncoded

    with EngineService(num_threads=1, listeners=[log]) as svc:
        svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
        svc.set_video(_FramesOutOfMemory(frames, bad=2)).result(120)
        assert not svc.encode_frame(1, ahead=0).result(120).cached
        with pytest.raises(EngineFailure) as failure:
            svc.add_points(2, 1, [[50, 40]], [1]).result(120)
        assert failure.value.kind == "OutOfMemory" and not failure.value.needs_restart
        assert "out of memory" in log.of(EngineError)[-1].message
        again = svc.encode_frame(1, ahead=0).result(120)
        assert isinstance(again, FrameEncoded) and not again.cached  # the cache was emptied
        assert isinstance(svc.add_points(1, 1, [[50, 40]], [1]).result(120), MaskResult)
        assert svc.alive


class _FramesThatAbort(_FramesOutOfMemory):
    """A frame source that aborts the thread reading it (BaseException, not Exception)."""

    def __getitem__(self, i: int) -> np.ndarray:
        if i == self._bad:
            raise SystemExit(f"decoder aborted on frame {i}")
        return self._frames[i]


def test_a_fatal_engine_error_says_the_service_needs_a_restart(
    tiny_checkpoint, frames, log
) -> None:
    from annotator.service import ServiceStopped

    svc = EngineService(num_threads=1, listeners=[log])
    svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
    svc.set_video(_FramesThatAbort(frames, bad=1)).result(120)
    doomed = svc.add_points(1, 1, [[50, 40]], [1])
    waiting = svc.reset()
    with pytest.raises(ServiceClosed):
        doomed.result(120)
    with pytest.raises(ServiceClosed):
        waiting.result(120)
    log.wait_for(lambda evs: any(isinstance(e, ServiceStopped) for e in evs))
    (error,) = log.of(EngineError)
    assert error.needs_restart and "aborted on frame 1" in error.message
    assert svc.needs_restart and not svc.alive
    with pytest.raises(ServiceClosed, match="restart"):
        svc.add_points(0, 1, [[1, 1]], [1])
    assert svc.shutdown(10)


def test_loading_another_model_keeps_the_video_open(service, log, tiny_checkpoint, frames) -> None:
    from annotator.service import ModelLoaded, VideoReady

    service.add_points(0, 1, [[50, 40]], [1]).result(120)
    loaded = service.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
    assert isinstance(loaded, ModelLoaded) and loaded.device == "cpu"
    (reopened,) = [e for e in log.of(VideoReady) if e.request_id == loaded.request_id]
    assert reopened.num_frames == len(frames)
    # the session starts afresh: object 1 is unknown until prompted again
    with pytest.raises(EngineFailure, match="unknown object"):
        service.remove_object(1).result(60)
    assert isinstance(service.add_points(0, 1, [[50, 40]], [1]).result(120), MaskResult)
