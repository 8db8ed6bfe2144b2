"""No torch code runs on the thread that created the service: every model call (recorded by
a global module hook) runs on the engine thread, and a profiler on the creating thread sees
no call into torch or the engine while the whole workflow runs."""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any

import numpy as np

from annotator.service import Direction, EngineService, FrameTracked

from .conftest import IMAGE_SIZE

WATCHED = ("torch", "annotator.engine", "annotator.service.worker", "annotator.service.video")


def _module_of(frame: FrameType, event: str, arg: Any) -> str:
    if event == "call":
        return str(frame.f_globals.get("__name__", ""))
    if event == "c_call":
        owner = getattr(arg, "__self__", None)
        return str(getattr(arg, "__module__", None) or getattr(type(owner), "__module__", ""))
    return ""


def test_no_torch_code_runs_on_the_thread_that_created_the_service(
    tiny_checkpoint, frames, module_calls
) -> None:
    here = threading.get_ident()
    calls_here: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        name = _module_of(frame, event, arg)
        if name.startswith(WATCHED):
            calls_here.append(f"{name}:{frame.f_code.co_name}")

    tracked: list[int] = []
    sys.setprofile(profile)
    try:
        svc = EngineService()

        def on_event(event: object) -> None:
            if isinstance(event, FrameTracked):
                tracked.append(event.frame)

        svc.add_listener(on_event)
        svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
        svc.set_video(frames).result(120)
        svc.encode_frame(0, Direction.FORWARD, ahead=2).result(120)
        svc.add_points(0, 1, [[80.0, 45.0]], [1]).result(120)
        box = svc.add_box(0, 2, (10.0, 10.0, 90.0, 80.0), [[50.0, 40.0]], [1]).result(120)
        svc.add_mask(3, 3, box.objects[2].mask).result(120)
        svc.propagate(0, Direction.FORWARD, max_frames=2).result(300)
        svc.propagate(3, Direction.BACKWARD, max_frames=1).result(300)
        svc.clear_prompts(3, 3).result(120)
        svc.remove_object(2).result(120)
        svc.reset().result(120)
        engine_thread = svc.thread.ident
        assert svc.shutdown(60)
        clean = len(calls_here)
        import torch

        torch.ones(1).add_(1)  # control: the profiler does see torch calls on this thread
    finally:
        sys.setprofile(None)

    assert calls_here[:clean] == [], f"torch ran on the creating thread: {calls_here[:10]}"
    assert len(calls_here) > clean, "the profiler missed a torch call: the check is blind"
    assert tracked == [0, 1, 2, 3, 2]
    assert module_calls.count("ImageEncoder") >= 4 and module_calls.count("MaskDecoder") >= 3
    threads = {ident for _, ident in module_calls.calls}
    assert threads == {engine_thread} and engine_thread != here
    assert isinstance(box.objects[2].mask, np.ndarray)
