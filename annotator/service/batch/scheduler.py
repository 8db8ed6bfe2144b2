"""Runs a batch of jobs on a few workers, each started once and fed one job at a time.

One thread per worker slot takes the next job whose group (project file) is not already
running, runs it and forwards its events to the calling thread, which reports them and
assembles the outcomes. A worker that dies (killed, out of memory) is replaced and its job
run again, up to `retries` times; a job that fails on its own fails alone. Ctrl+C stops the
workers at once: every step already committed stays, the rest is reported interrupted.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from annotator.service.batch.jobs import (
    Job,
    JobEvent,
    JobFinished,
    JobOutcome,
    JobProgress,
    JobRetrying,
    JobStarted,
    Worker,
    WorkerLost,
    WorkerStartError,
)

OnEvent = Callable[[Job, int, JobEvent], None]
"""Called on the caller's thread with (job, attempt number from 1, event)."""


class _Board:
    """The jobs not yet taken and the groups now running, shared by the slot threads."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self._cond = threading.Condition()
        self._pending = deque(jobs)
        self._busy: set[str] = set()
        self.stopped = False

    def take(self) -> Job | None:
        """The next job whose group is free (waiting for one to free up); None when done."""
        with self._cond:
            while not self.stopped and self._pending:
                for job in self._pending:
                    if job.group not in self._busy:
                        self._pending.remove(job)
                        self._busy.add(job.group)
                        return job
                self._cond.wait()
            return None

    def release(self, job: Job) -> None:
        with self._cond:
            self._busy.discard(job.group)
            self._cond.notify_all()

    def stop(self) -> list[Job]:
        """Take no more jobs; the ones never taken."""
        with self._cond:
            self.stopped = True
            left = list(self._pending)
            self._pending.clear()
            self._cond.notify_all()
            return left


@dataclass
class _Tally:
    """What the caller's thread knows of one job while it runs."""

    outcome: JobOutcome
    started: float | None = None
    written: set[int] = field(default_factory=set)  # steps written by any attempt
    already: set[int] = field(default_factory=set)  # steps found committed, never written here


def run_batch(
    jobs: Sequence[Job],
    start_worker: Callable[[], Worker],
    *,
    workers: int,
    retries: int = 1,
    on_event: OnEvent | None = None,
) -> list[JobOutcome]:
    """Run `jobs` on up to `workers` workers made by `start_worker`; their outcomes in job
    order. A worker lost mid-job is replaced and the job retried up to `retries` times."""
    board = _Board(jobs)
    events: queue.Queue[tuple[Job, int, JobEvent] | None] = queue.Queue()  # None: a slot ended
    live: set[Worker] = set()
    live_lock = threading.Lock()
    start_errors: list[str] = []

    def emit(job: Job, attempt: int, event: JobEvent) -> None:
        events.put((job, attempt, event))

    def run_one(job: Job, worker: Worker | None) -> Worker | None:
        """Run `job` to its end (retrying on a lost worker); the worker left for the next."""
        attempt = 0
        while True:
            attempt += 1
            if worker is None:
                try:
                    worker = start_worker()
                except WorkerStartError as exc:
                    start_errors.append(str(exc))
                    emit(job, attempt, JobFinished("failed", f"no worker could start: {exc}"))
                    board.stop()
                    return None
                with live_lock:
                    live.add(worker)
            try:
                for event in worker.run(job):
                    emit(job, attempt, event)
                return worker
            except WorkerLost as exc:
                with live_lock:
                    live.discard(worker)
                worker.close()
                worker = None
                if board.stopped:
                    emit(job, attempt, JobFinished("interrupted", "stopped before the end"))
                    return None
                if attempt > retries:
                    emit(job, attempt, JobFinished("failed", f"{exc} (tried {attempt} times)"))
                    return None
                emit(job, attempt, JobRetrying(str(exc)))

    def slot() -> None:
        worker: Worker | None = None
        try:
            while (job := board.take()) is not None:
                try:
                    worker = run_one(job, worker)
                finally:
                    board.release(job)
        finally:
            if worker is not None:
                with live_lock:
                    live.discard(worker)
                worker.close()
            events.put(None)

    tallies = {job.key: _Tally(JobOutcome(job, "interrupted")) for job in jobs}
    threads = [threading.Thread(target=slot, daemon=True) for _ in range(min(workers, len(jobs)))]
    for thread in threads:
        thread.start()
    alive = len(threads)
    interrupted = False
    while alive:
        try:
            item = events.get()
            if item is None:
                alive -= 1
                continue
            _record(tallies[item[0].key], item[1], item[2])
            if on_event is not None:
                on_event(*item)
        except KeyboardInterrupt:
            interrupted = True
            board.stop()
            with live_lock:
                stopping = list(live)
            for worker in stopping:
                worker.close()
    reason = "stopped by Ctrl+C before it started" if interrupted else "not run"
    if start_errors and not interrupted:
        reason = f"no worker could start: {start_errors[-1]}"
    outcomes = []
    for job in jobs:
        tally = tallies[job.key]
        if tally.started is None and tally.outcome.attempts == 0:
            tally.outcome.status, tally.outcome.reason = (
                ("interrupted", reason) if interrupted else ("failed", reason)
            )
        outcomes.append(tally.outcome)
    return outcomes


def _record(tally: _Tally, attempt: int, event: JobEvent) -> None:
    """Fold one event into the job's outcome."""
    outcome = tally.outcome
    outcome.attempts = max(outcome.attempts, attempt)
    now = time.perf_counter()
    if isinstance(event, JobStarted) and tally.started is None:
        tally.started = now
    elif isinstance(event, JobProgress):
        if event.wrote:
            tally.written.add(event.index)
            tally.already.discard(event.index)
        elif event.index not in tally.written:
            tally.already.add(event.index)
    elif isinstance(event, JobFinished):
        outcome.status, outcome.reason = event.status, event.reason
    elif isinstance(event, JobRetrying):
        outcome.reason = event.reason
    outcome.written, outcome.already = len(tally.written), len(tally.already)
    if tally.started is not None:
        outcome.seconds = now - tally.started
