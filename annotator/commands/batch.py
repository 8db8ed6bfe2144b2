"""`annotator batch propagate PROJECT... | --manifest FILE`: track many videos unattended.

One job per video (with keyframes) of the given projects; the jobs run on a pool of
workers that each load the model once: local processes by default (torch threads split
between them), or Ray actors with `--executor ray [--address HOST:PORT]` (the optional
`annotator[ray]` extra). Each frame is committed to its project as it arrives; a job whose
worker dies is retried in a new one and writes only the frames still missing. Progress per
job and overall, a summary table at the end, and exit status 1 if any job failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.commands.propagate import add_tracking_options


def add_parser(subparsers: Any) -> None:
    """Register `batch` and its `propagate` subcommand."""
    p = subparsers.add_parser(
        "batch", help="run propagate over many projects' videos (local processes or Ray)"
    )
    commands = p.add_subparsers(dest="batch_command", metavar="COMMAND", required=True)
    q = commands.add_parser(
        "propagate",
        help="track the keyframes of every video of many projects",
        description="Propagate the keyframes of every video of the given projects, one job "
        "per video, on local worker processes or a Ray cluster.",
    )
    q.add_argument("projects", nargs="*", type=Path, help="project files (.annotator)")
    q.add_argument(
        "--manifest",
        type=Path,
        help="text file, one `PROJECT [VIDEO_ID...]` per line ('#' comments)",
    )
    q.add_argument("--executor", choices=("local", "ray"), default="local", help="(local)")
    q.add_argument("--address", help="Ray cluster to join, e.g. head:6379 (default: start one)")
    q.add_argument(
        "--workers",
        type=int,
        help="workers, each with its own model (default: local: one a core, 2 GB each; "
        "Ray: as many as the cluster fits)",
    )
    q.add_argument(
        "--threads-per-worker",
        type=int,
        help="torch threads (and Ray CPUs) of each worker (local default: cores / workers)",
    )
    q.add_argument("--gpus-per-worker", type=float, default=0.0, help="Ray: GPUs per actor (0)")
    q.add_argument(
        "--retries", type=int, default=1, help="runs again of a job whose worker died (1)"
    )
    q.add_argument(
        "--replace-edits",
        action="store_true",
        help="as propagate's: let each video's run replace hand-edited masks in its range "
        "with tracked ones (not on the start frame, nor an object's only keyframes; clicked "
        "or boxed frames always stay)",
    )
    add_tracking_options(q)


class BatchError(Exception):
    """Something the user must fix before the batch can start (message says what)."""


def _entries(args: argparse.Namespace) -> list[tuple[Path, list[int]]]:
    from annotator.commands.batch_jobs import read_manifest

    entries: list[tuple[Path, list[int]]] = [(path, []) for path in args.projects]
    if args.manifest is not None:
        entries.extend(read_manifest(args.manifest))
    if not entries:
        raise BatchError("name project files or a --manifest")
    return entries


def _check_numbers(args: argparse.Namespace) -> None:
    for name in ("workers", "threads_per_worker"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise BatchError(f"--{name.replace('_', '-')} must be 1 or more, got {value}")
    if args.retries < 0 or args.gpus_per_worker < 0:
        raise BatchError("--retries and --gpus-per-worker cannot be negative")
    if args.gpus_per_worker and args.executor != "ray":
        raise BatchError("--gpus-per-worker is for --executor ray (locally, use --device)")


GB_PER_WORKER = 2  # a worker's model, frames and feature cache, with room to spare


def _memory_gb() -> int:
    """This machine's memory in GiB (a large number where the OS does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**30
    except (ValueError, OSError, AttributeError):
        return 1 << 20


def local_split(
    cores: int, memory_gb: int, jobs: int, workers: int | None, threads: int | None
) -> tuple[int, int]:
    """(workers, torch threads of each) of a local pool, where not given: one worker a core
    (no more than the jobs, at most one per GB_PER_WORKER of memory), the cores split
    between the workers."""
    workers = workers or max(1, min(jobs, cores, memory_gb // GB_PER_WORKER))
    return workers, threads or max(1, cores // workers)


def _local_pool(args: argparse.Namespace, jobs: int) -> tuple[int, Callable[[], Any]]:
    """(workers, worker factory) of local processes sharing this machine's cores."""
    from annotator.commands.batch_jobs import setup_worker, track_video
    from annotator.service.batch import LocalWorker, WorkerSpec

    cores = os.cpu_count() or 1
    workers, threads = local_split(cores, _memory_gb(), jobs, args.workers, args.threads_per_worker)
    spec = WorkerSpec(setup_worker, track_video, args, threads)
    return workers, lambda: LocalWorker(spec)


def _ray_pool(args: argparse.Namespace, jobs: int) -> tuple[int, Callable[[], Any]]:
    """(workers, worker factory) of Ray actors: by default as many as the cluster fits."""
    try:
        from annotator.service.batch import ray_pool
    except ImportError as exc:
        raise BatchError(f"--executor ray needs Ray ({exc}): pip install 'annotator[ray]'") from exc
    import ray

    from annotator.commands.batch_jobs import setup_worker, track_video
    from annotator.service.batch import WorkerSpec

    try:
        ray_pool.connect(args.address)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise BatchError(f"cannot join the Ray cluster {args.address or '(local)'}: {exc}") from exc
    threads = args.threads_per_worker or 1
    gpus = args.gpus_per_worker
    resources = ray.cluster_resources()
    have_cpus, have_gpus = resources.get("CPU", 0), resources.get("GPU", 0)
    if threads > have_cpus or gpus > have_gpus:  # an actor would wait for them forever
        raise BatchError(
            f"a worker asks for {threads} CPUs and {gpus:g} GPUs but the Ray cluster has "
            f"{have_cpus:g} CPUs and {have_gpus:g} GPUs in all; lower --threads-per-worker "
            "or --gpus-per-worker, or add nodes"
        )
    fits = have_gpus / gpus if gpus else have_cpus / threads
    workers = args.workers or max(1, min(jobs, int(fits)))
    spec = WorkerSpec(setup_worker, track_video, args, threads)
    return workers, lambda: ray_pool.RayWorker(spec, cpus=threads, gpus=gpus)


def run(args: argparse.Namespace) -> int:
    """Plan the jobs, run them with progress, print the summary; 1 if any job failed."""
    from annotator.commands.batch_jobs import ManifestError, plan_jobs
    from annotator.commands.batch_report import BatchReport
    from annotator.service.batch import run_batch

    try:
        _check_numbers(args)
        jobs, known = plan_jobs(_entries(args), getattr(args, "objects", None), args)
        report = BatchReport(jobs)
        outcomes = list(known)
        if jobs:
            pool = _ray_pool if args.executor == "ray" else _local_pool
            workers, start_worker = pool(args, len(jobs))
            report.starting(workers, args.executor)
            with report.live():
                outcomes += run_batch(
                    jobs,
                    start_worker,
                    workers=workers,
                    retries=args.retries,
                    on_event=report.on_event,
                )
    except (BatchError, ManifestError) as exc:
        print(f"annotator batch: error: {exc}", file=sys.stderr)
        return 1
    return report.summary(outcomes)
