"""A fake engine service for fast widget tests: the calls the window makes, answered at once
on a worker thread with simple masks (a disc around each positive click, a filled box), so
presenters are exercised through the real bridge, client and thread hop without a model.
End-to-end flows keep running on the real engine (test_window_flow.py, test_annotation.py)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from annotator.service.events import (
    Event,
    MaskResult,
    ModelLoaded,
    ObjectMask,
    ObjectRemoved,
    PromptsCleared,
    ServiceStopped,
    VideoReady,
)
from annotator.service.service import RequestFuture

RADIUS = 10


class FakeEngineService:
    """Answers load_model, set_video, add_points, add_box, land, remove_object and
    clear_prompts like EngineService does, from one worker thread."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._listeners: list[Callable[[Event], None]] = []
        self._size = (1, 1)  # (H, W) of the open video
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.thread = threading.current_thread()

    # --- what EngineBridge uses -------------------------------------------------------------
    def add_listener(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Event], None]) -> None:
        self._listeners.remove(listener)

    def shutdown(self, timeout: float = 30.0) -> bool:
        self._answer(lambda rid: ServiceStopped(rid))
        return True

    def _answer(self, make: Callable[[int], Event]) -> RequestFuture:
        """Resolve a new request on a worker thread, telling the listeners first."""
        future = RequestFuture(next(self._ids))

        def run() -> None:
            event = make(future.request_id)
            for listener in list(self._listeners):
                listener(event)
            future.set_result(event)

        worker = threading.Thread(target=run, name="fake-engine")
        worker.start()
        return future

    # --- requests ---------------------------------------------------------------------------
    def load_model(self, source: object, device: str = "cpu", **_kw: object) -> RequestFuture:
        self.calls.append(("load_model", (source, device)))
        return self._answer(lambda rid: ModelLoaded(rid, "fake", device, 0.0))

    def set_video(self, frames: Any, **_kw: object) -> RequestFuture:
        first = frames[0]
        self._size = (int(first.shape[0]), int(first.shape[1]))
        self.calls.append(("set_video", (len(frames),)))
        h, w = self._size
        return self._answer(lambda rid: VideoReady(rid, len(frames), w, h))

    def land(self, frame: int, ahead: int = 4) -> RequestFuture:
        self.calls.append(("land", (frame, ahead)))
        return self._answer(lambda rid: VideoReady(rid, 0, 0, 0))

    def add_points(
        self, frame: int, obj_id: int, points: Sequence[Sequence[float]], labels: Sequence[int]
    ) -> RequestFuture:
        self.calls.append(("add_points", (frame, obj_id, tuple(map(tuple, points)))))
        mask = np.zeros(self._size, bool)
        yy, xx = np.mgrid[: self._size[0], : self._size[1]]
        for (x, y), label in zip(points, labels, strict=True):
            disc = (xx - x) ** 2 + (yy - y) ** 2 <= RADIUS**2
            mask = mask | disc if label else mask & ~disc
        return self._mask(frame, obj_id, mask)

    def add_box(
        self, frame: int, obj_id: int, box: Sequence[float], *_prompts: object
    ) -> RequestFuture:
        self.calls.append(("add_box", (frame, obj_id, tuple(box))))
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        mask = np.zeros(self._size, bool)
        mask[y0:y1, x0:x1] = True
        return self._mask(frame, obj_id, mask)

    def _mask(self, frame: int, obj_id: int, mask: np.ndarray) -> RequestFuture:
        answer = {obj_id: ObjectMask.of(mask, 1.0)}
        return self._answer(lambda rid: MaskResult(rid, frame, answer, (), 0.001))

    def remove_object(self, obj_id: int) -> RequestFuture:
        self.calls.append(("remove_object", (obj_id,)))
        return self._answer(lambda rid: ObjectRemoved(rid, obj_id))

    def clear_prompts(self, frame: int, obj_id: int) -> RequestFuture:
        self.calls.append(("clear_prompts", (frame, obj_id)))
        return self._answer(lambda rid: PromptsCleared(rid, frame, obj_id, {}))
