"""Errors of the engine service (raised to callers, or carried by futures)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the engine service's errors."""


class ServiceClosed(ServiceError):
    """The service was shut down (or died) and takes no more requests."""


class EngineFailure(ServiceError):
    """A request failed on the engine thread; `kind` names the cause's class."""

    def __init__(self, kind: str, message: str, needs_restart: bool = False) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.needs_restart = needs_restart


class NotReady(ServiceError):
    """A request needs something the engine does not have yet (a model, a video)."""


class Unsupported(ServiceError):
    """The open media cannot do what was asked (propagating a photo); the message says why."""
