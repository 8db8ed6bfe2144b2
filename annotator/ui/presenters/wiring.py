"""Connections a presenter makes to widgets that outlive it (the canvas and panels stay with
the window when a document is swapped), kept so they can all be undone on close."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

Wiring = list[tuple[Any, Callable[..., object]]]


def connect_all(pairs: Sequence[tuple[Any, Callable[..., object]]]) -> Wiring:
    """Connect each (signal, slot); returns the list `disconnect_all` takes."""
    for signal, slot in pairs:
        signal.connect(slot)
    return list(pairs)


def disconnect_all(wiring: Wiring) -> None:
    """Undo `connect_all` (a widget already deleted is skipped)."""
    for signal, slot in wiring:
        with contextlib.suppress(RuntimeError, TypeError):
            signal.disconnect(slot)
    wiring.clear()
