"""The records a batch passes around: jobs, the events a running job reports, outcomes.

Every record is a plain picklable dataclass, so the same ones travel through a local
worker's pipe and through Ray's object store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Status = Literal["done", "skipped", "failed", "interrupted"]


@dataclass(frozen=True)
class Job:
    """One unit of work. Jobs of one `group` (one project file) never run at the same time;
    `payload` is what the job function receives; `total` the steps expected (progress)."""

    key: str
    group: str
    payload: Any
    total: int | None = None


@dataclass(frozen=True)
class JobStarted:
    """The job began in a worker (its process id and host, e.g. to find or kill it)."""

    pid: int
    host: str


@dataclass(frozen=True)
class JobProgress:
    """One step finished: `index` (a frame), `wrote` False when it was already committed by
    an earlier attempt and so left as it was."""

    index: int
    wrote: bool


@dataclass(frozen=True)
class JobRetrying:
    """The job's worker was lost (killed, crashed); the job runs again in a new worker."""

    reason: str


@dataclass(frozen=True)
class JobFinished:
    """The job's last event: how it ended and why (its steps were reported as progress)."""

    status: Status
    reason: str = ""


JobEvent = JobStarted | JobProgress | JobRetrying | JobFinished


@dataclass
class JobOutcome:
    """How one job of a batch ended, over all its attempts."""

    job: Job
    status: Status
    written: int = 0
    already: int = 0
    attempts: int = 0
    seconds: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker runs: `setup(options)` once (e.g. load the model) giving a context,
    then `run(context, payload)` per job, an iterator of events ending with JobFinished.
    Both are module-level functions (pickled by name); `threads` is each worker's torch
    thread count."""

    setup: Callable[[Any], Any]
    run: Callable[[Any, Any], Iterator[JobEvent]]
    options: Any
    threads: int = 1


class WorkerLost(Exception):
    """The worker died while running a job (the job may be retried in a new one)."""


class WorkerStartError(Exception):
    """A worker could not start (e.g. its model does not load); the message says why."""


class Worker(Protocol):
    """A started worker holding its context; runs one job at a time."""

    def run(self, job: Job) -> Iterator[JobEvent]:
        """The job's events, the last a JobFinished; raises WorkerLost if the worker dies."""
        ...

    def close(self) -> None:
        """Stop the worker (at once; a job in flight keeps the steps it committed)."""
        ...


def start_context(spec: WorkerSpec) -> Any:
    """In a new worker: set its torch threads, then build its context (`spec.setup`)."""
    import torch

    torch.set_num_threads(spec.threads)
    return spec.setup(spec.options)


def run_in_process(spec: WorkerSpec, context: Any, payload: Any) -> Iterator[JobEvent]:
    """Run one job with a worker's context, turning any exception of the job into a failed
    JobFinished so that one bad job never takes its worker down."""
    try:
        yield from spec.run(context, payload)
    except Exception as exc:  # isolation: a job's bug or bad data fails that job only
        yield JobFinished("failed", f"{type(exc).__name__}: {exc}")
