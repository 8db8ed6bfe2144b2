"""The Qt adapter delivers engine events as signals on the GUI thread."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QCoreApplication, QThread

from annotator.service.events import EngineError, Event, ServiceStopped
from annotator.service.service import EngineService
from annotator.ui.engine_bridge import EngineBridge


def test_events_arrive_as_signals_on_the_gui_thread(qtbot) -> None:
    service = EngineService(num_threads=1)
    listener_threads: list[int] = []
    service.add_listener(lambda e: listener_threads.append(threading.get_ident()))
    bridge = EngineBridge(service)
    seen: list[tuple[Event, bool, int]] = []

    def on_error(event: Event) -> None:
        gui = QThread.currentThread() is QCoreApplication.instance().thread()
        seen.append((event, gui, threading.get_ident()))

    bridge.engineError.connect(on_error)
    generic: list[Event] = []
    bridge.anyEvent.connect(generic.append)
    try:
        with qtbot.waitSignal(bridge.engineError, timeout=10_000):
            future = service.reset()  # no video open: the engine answers with an error
        assert future.exception(5) is not None
        ((event, on_gui, ident),) = seen
        assert isinstance(event, EngineError) and event.kind == "NotReady"
        assert on_gui and ident == threading.get_ident()  # the test runs the GUI thread
        assert listener_threads and set(listener_threads) == {service.thread.ident}
        assert generic == [event]
    finally:
        with qtbot.waitSignal(bridge.stopped, timeout=30_000) as stopped:
            service.shutdown()
            bridge.close()
    assert isinstance(stopped.args[0], ServiceStopped)
    assert not service.thread.is_alive()


def test_masks_and_propagated_frames_arrive_on_the_gui_thread(qtbot, tiny_checkpoint) -> None:
    frames = [np.random.default_rng(i).integers(0, 256, (48, 64, 3), np.uint8) for i in range(3)]
    service = EngineService(num_threads=1)
    bridge = EngineBridge(service)
    gui = QCoreApplication.instance().thread()
    received: list[tuple[str, object, bool]] = []
    for name in ("maskReady", "frameTracked", "propagationDone"):
        getattr(bridge, name).connect(
            lambda e, n=name: received.append((n, e, QThread.currentThread() is gui))
        )
    try:
        bridge.service.load_model(tiny_checkpoint, image_size=256).result(120)
        bridge.service.set_video(frames).result(120)
        with qtbot.waitSignal(bridge.maskReady, timeout=60_000):
            bridge.service.add_points(0, 1, [[30.0, 20.0]], [1])
        with qtbot.waitSignal(bridge.propagationDone, timeout=120_000):
            bridge.service.propagate(0)
    finally:
        bridge.close()
        assert service.shutdown(60)
    assert [n for n, _, _ in received] == ["maskReady"] + ["frameTracked"] * 3 + ["propagationDone"]
    assert all(on_gui for _, _, on_gui in received)
    mask = received[0][1].objects[1].mask  # type: ignore[attr-defined]
    assert isinstance(mask, np.ndarray) and mask.shape == (48, 64) and mask.dtype == np.bool_
    assert [e.frame for n, e, _ in received if n == "frameTracked"] == [0, 1, 2]  # type: ignore[attr-defined]
