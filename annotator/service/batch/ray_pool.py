"""Workers as Ray actors (the optional `annotator[ray]` extra): one actor per worker builds
its context once (loads the model) and streams each job's events back as a generator.

Use it with `ray.init()` done (`connect` does it: a local cluster, or `address` of a
running one). An actor asks Ray for `cpus` CPUs and `gpus` GPUs; Ray places it on a node
that has them and shows it only those GPUs.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import ray
from ray.exceptions import RayActorError, WorkerCrashedError

from annotator.service.batch.jobs import (
    Job,
    JobEvent,
    WorkerLost,
    WorkerSpec,
    WorkerStartError,
    run_in_process,
    start_context,
)


def connect(address: str | None = None) -> None:
    """Join the Ray cluster at `address` (None: start a local one) unless already joined;
    raises ConnectionError at once when nothing listens at a HOST:PORT address (Ray itself
    would retry for minutes)."""
    if ray.is_initialized():
        return
    host, colon, port = (address or "").rpartition(":")
    if colon and host and port.isdigit() and "://" not in host:
        try:
            socket.create_connection((host, int(port)), timeout=10).close()
        except OSError as exc:
            raise ConnectionError(
                f"nothing answers at {address} ({exc.strerror or exc}); is Ray running there "
                "(`ray start --head`)?"
            ) from exc
    ray.init(address=address, log_to_driver=False)


@ray.remote
class BatchActor:
    """Holds one worker's context; `run` is a streaming generator of a job's events."""

    def __init__(self, spec: WorkerSpec) -> None:
        self._spec = spec
        self._error = ""
        try:
            self._context: Any = start_context(spec)
        except Exception as exc:  # returned by ready(), not raised: a clear start error
            self._error = str(exc) or type(exc).__name__

    def ready(self) -> tuple[int, str]:
        """(process id, why it could not start or "")."""
        return os.getpid(), self._error

    def run(self, payload: Any) -> Iterator[JobEvent]:
        yield from run_in_process(self._spec, self._context, payload)


class RayWorker:
    """One Ray actor (see module doc); `pid` is its process id on its node."""

    def __init__(self, spec: WorkerSpec, *, cpus: float = 1, gpus: float = 0) -> None:
        self._actor = BatchActor.options(num_cpus=cpus, num_gpus=gpus).remote(spec)  # type: ignore[attr-defined]
        try:
            self.pid, error = ray.get(self._actor.ready.remote())
        except (RayActorError, WorkerCrashedError) as exc:
            raise WorkerStartError(f"the Ray actor did not start: {exc}") from exc
        if error:
            self.close()
            raise WorkerStartError(error)

    def run(self, job: Job) -> Iterator[JobEvent]:
        """The job's events as the actor yields them."""
        try:
            for ref in self._actor.run.remote(job.payload):
                yield ray.get(ref)
        except (RayActorError, WorkerCrashedError) as exc:
            raise WorkerLost(f"Ray actor (process {self.pid}) died: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Kill the actor now (a job in flight keeps its commits)."""
        ray.kill(self._actor, no_restart=True)
