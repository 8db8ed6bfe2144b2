"""Batches of jobs run by a few workers that each set up once (e.g. load a model): local
processes (`local_pool`) or Ray actors (`ray_pool`, the `annotator[ray]` extra), scheduled
by `run_batch` with one job of a group at a time, retries on lost workers and per-job
outcomes. Nothing here knows what a job does: the job functions come in a WorkerSpec."""

from annotator.service.batch.jobs import (
    Job,
    JobEvent,
    JobFinished,
    JobOutcome,
    JobProgress,
    JobRetrying,
    JobStarted,
    Status,
    Worker,
    WorkerLost,
    WorkerSpec,
    WorkerStartError,
)
from annotator.service.batch.local_pool import LocalWorker
from annotator.service.batch.scheduler import OnEvent, run_batch

__all__ = [
    "Job",
    "JobEvent",
    "JobFinished",
    "JobOutcome",
    "JobProgress",
    "JobRetrying",
    "JobStarted",
    "LocalWorker",
    "OnEvent",
    "Status",
    "Worker",
    "WorkerLost",
    "WorkerSpec",
    "WorkerStartError",
    "run_batch",
]
