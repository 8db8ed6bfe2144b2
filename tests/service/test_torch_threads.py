"""The engine thread leaves a core to the GUI thread."""

from __future__ import annotations

import threading

from annotator.service.torch_threads import (
    configure_engine_threads,
    engine_thread_count,
    usable_cores,
)


def test_engine_threads_leave_one_core() -> None:
    assert engine_thread_count(1) == 1
    assert engine_thread_count(2) == 1
    assert engine_thread_count(16) == 15
    assert engine_thread_count() == max(1, usable_cores() - 1)


def test_configure_sets_the_count_on_the_calling_thread() -> None:
    got: list[int] = []
    t = threading.Thread(target=lambda: got.append(configure_engine_threads(1)))
    t.start()
    t.join(30)
    assert got == [1]
