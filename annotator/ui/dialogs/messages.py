"""Exceptions as the sentence a dialog shows: the cause, and for unknown kinds their type."""

from __future__ import annotations

from annotator.domain import DomainError
from annotator.engine.checkpoint_errors import CheckpointError
from annotator.engine.weights import WeightsError
from annotator.io.formats import FormatError
from annotator.io.frames import FrameSourceError
from annotator.io.store import StoreError

_EXPLAINED = (FormatError, StoreError, FrameSourceError, DomainError, WeightsError, CheckpointError)
"""Errors whose message already says what is wrong and where (no type name needed)."""


def error_text(exc: BaseException) -> str:
    """One readable line for an error raised by a dialog's job (never a traceback)."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    text = str(exc).strip()
    if isinstance(exc, _EXPLAINED) and text:
        return text
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
