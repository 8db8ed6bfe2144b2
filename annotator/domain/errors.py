"""Exceptions of the domain layer: every bad input or impossible edit raises one of these."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error raised by `annotator.domain`."""


class InvalidMaskError(DomainError, ValueError):
    """A mask array or RLE record is malformed (wrong shape, dtype or encoding)."""


class InvalidValueError(DomainError, ValueError):
    """A field of a domain record is out of range (negative frame, bad colour, ...)."""


class UnknownIdError(DomainError, KeyError):
    """An id names no category, video or track of the project."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain message
        return str(self.args[0]) if self.args else ""


class ConflictError(DomainError):
    """An edit cannot apply to the current state (duplicate id, locked track, ...)."""


class HistoryError(DomainError):
    """Undo/redo was asked for at a moment it cannot run (nothing to undo, batch recording)."""
