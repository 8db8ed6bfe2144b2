"""The Qt adapter delivers engine events as signals on the GUI thread."""

from __future__ import annotations

import threading

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
