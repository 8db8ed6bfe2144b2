"""Service fixtures: the real engine on a seeded tiny checkpoint, small real frames, and an
event recorder to synchronise on (no sleeps)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from annotator.service import EngineService, Event

PARITY = (Path(__file__).resolve().parents[2] / ".." / "shared" / "parity").resolve()
MODEL = "sam2.1_hiera_tiny"
IMAGE_SIZE = 256  # the model's input size in these tests: same code paths, 16x less work
NUM_FRAMES = 8
FRAME_HW = (90, 160)


@pytest.fixture(scope="session")
def tiny_checkpoint(seeded_checkpoint: Callable[..., Path]) -> Path:
    """The file `make_checkpoint.py sam2.1_hiera_tiny --seed 0` writes."""
    return seeded_checkpoint("sam2.1_hiera_tiny")


@pytest.fixture(scope="session")
def frames() -> list[np.ndarray]:
    """The first frames of the parity clip (bedroom), shrunk to 160 x 90 RGB."""
    import cv2

    files = sorted((PARITY / "frames" / "bedroom").glob("*.png"))[:NUM_FRAMES]
    assert len(files) == NUM_FRAMES, f"parity frames missing under {PARITY}"
    out = []
    for f in files:
        bgr = cv2.imread(str(f), cv2.IMREAD_COLOR)
        assert bgr is not None, f"cannot read {f}"
        small = cv2.resize(bgr, FRAME_HW[::-1], interpolation=cv2.INTER_AREA)
        out.append(np.ascontiguousarray(small[:, :, ::-1]))
    return out


class EventLog:
    """Records every event with the thread it was delivered on; wait on a predicate."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.events: list[Event] = []
        self.threads: list[int] = []
        self.hooks: list[Callable[[Event], None]] = []

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self.threads.append(threading.get_ident())
            self._cond.notify_all()
        for hook in list(self.hooks):
            hook(event)

    def of(self, kind: type) -> list:
        """Events of one type, in arrival order."""
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, predicate: Callable[[list[Event]], bool], timeout: float = 120) -> None:
        """Block until `predicate(events)` holds (fails the test after `timeout` s)."""
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.events), timeout)
        assert ok, f"timed out waiting; events so far: {self.events}"


@pytest.fixture
def log() -> EventLog:
    return EventLog()


@pytest.fixture
def service(tiny_checkpoint: Path, frames: list[np.ndarray], log: EventLog) -> Iterator:
    """A running service with the tiny model loaded and the small clip open."""
    svc = EngineService(num_threads=1, listeners=[log])
    try:
        svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
        svc.set_video(frames).result(120)
        yield svc
    finally:
        assert svc.shutdown(60), "the engine thread did not stop"


class ModuleCalls:
    """Every nn.Module forward in the process (a global pre-hook): class name and thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[tuple[str, int]] = []

    def __call__(self, module: object, args: object) -> None:
        with self._lock:
            self.calls.append((type(module).__name__, threading.get_ident()))

    def count(self, class_name: str) -> int:
        """How many forwards of modules of that class ran so far."""
        with self._lock:
            return sum(1 for name, _ in self.calls if name == class_name)


@pytest.fixture
def module_calls() -> Iterator[ModuleCalls]:
    """Record every module forward while the test runs (the real engine, only observed)."""
    from torch.nn.modules.module import register_module_forward_pre_hook

    calls = ModuleCalls()
    handle = register_module_forward_pre_hook(calls)
    try:
        yield calls
    finally:
        handle.remove()
