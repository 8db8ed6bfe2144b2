"""Workers as local processes: each is spawned (its own interpreter, torch and model), builds
its context once and runs jobs sent over a pipe, sending their events back as they happen."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from annotator.service.batch.jobs import (
    Job,
    JobEvent,
    JobFinished,
    WorkerLost,
    WorkerSpec,
    WorkerStartError,
    run_in_process,
    start_context,
)


def _serve(conn: Connection, spec: WorkerSpec) -> None:
    """The worker process: set up once, then run each payload received until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    try:
        context = start_context(spec)
    except Exception as exc:  # reported to the parent, which says why no worker started
        conn.send(("failed", str(exc) or type(exc).__name__))
        return
    conn.send(("ready", os.getpid()))
    while (payload := conn.recv()) is not None:
        for event in run_in_process(spec, context, payload):
            conn.send(event)


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class LocalWorker:
    """One worker process (see module doc); `pid` is its process id."""

    def __init__(self, spec: WorkerSpec) -> None:
        context = multiprocessing.get_context("spawn")  # no forked torch or threads
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, spec), name="annotator-batch-worker", daemon=True
        )
        self._process.start()
        child.close()
        try:
            kind, value = self._receive()
        except WorkerLost as exc:
            raise WorkerStartError(str(exc)) from exc
        if kind != "ready":
            self.close()
            raise WorkerStartError(str(value))
        self.pid = int(value)

    def _receive(self) -> Any:
        try:
            return self._conn.recv()
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self._process.join()
            raise WorkerLost(
                f"worker process {self._process.pid} died ({_exit_reason(self._process.exitcode)})"
            ) from exc

    def run(self, job: Job) -> Iterator[JobEvent]:
        """Send the job's payload and yield its events up to the JobFinished."""
        try:
            self._conn.send(job.payload)
        except OSError as exc:
            self._process.join()
            raise WorkerLost(f"worker process {self._process.pid} is gone") from exc
        while True:
            event = self._receive()
            yield event
            if isinstance(event, JobFinished):
                return

    def close(self) -> None:
        """Stop the process now (safe from any thread; a job in flight keeps its commits)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
