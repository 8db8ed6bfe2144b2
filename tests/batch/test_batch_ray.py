"""`annotator batch propagate --executor ray` on a local Ray cluster (one for the module, as
starting Ray is slow): the masks of single runs, and a killed actor's job done on retry."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.cli import build_parser, main
from annotator.commands.batch import _ray_pool
from annotator.commands.batch_jobs import plan_jobs
from annotator.service.batch import Job, JobEvent, JobProgress, JobStarted, run_batch
from tests.batch.conftest import FRAMES, SIZE, mask_dump, projects

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def cluster() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=80 * 1024 * 1024,
    )
    yield
    ray.shutdown()


def test_two_ray_actors_give_the_masks_of_single_runs(
    tmp_path: Path, videos: list[Path], checkpoint: str, expected: list[dict]
) -> None:
    paths = projects(tmp_path, videos)
    args = ["batch", "propagate", *map(str, paths), "--model", checkpoint, *SIZE]
    assert main([*args, "--executor", "ray", "--workers", "2"]) == 0
    assert [mask_dump(p) for p in paths] == expected


def test_a_killed_actor_s_job_completes_on_retry_without_writing_a_frame_twice(
    tmp_path: Path, videos: list[Path], checkpoint: str, expected: list[dict]
) -> None:
    path = projects(tmp_path, videos[1:2])[0]
    args = build_parser().parse_args(
        ["batch", "propagate", str(path), "--model", checkpoint, *SIZE, "--executor", "ray"]
    )
    jobs, _ = plan_jobs([(path, [])])
    workers, start_worker = _ray_pool(args, len(jobs))
    assert workers == 1
    seen: list[tuple[int, JobEvent]] = []
    pids: list[int] = []

    def kill_after_the_first_written_frame(job: Job, attempt: int, event: JobEvent) -> None:
        seen.append((attempt, event))
        if isinstance(event, JobStarted):
            pids.append(event.pid)
        wrote = [e for a, e in seen if a == 1 and isinstance(e, JobProgress) and e.wrote]
        if attempt == 1 and isinstance(event, JobProgress) and len(wrote) == 1:
            os.kill(pids[0], signal.SIGKILL)

    (outcome,) = run_batch(
        jobs, start_worker, workers=workers, retries=1, on_event=kill_after_the_first_written_frame
    )
    assert outcome.status == "done" and outcome.attempts == 2, outcome
    first = {e.index for a, e in seen if a == 1 and isinstance(e, JobProgress) and e.wrote}
    retry = [e for a, e in seen if a == 2 and isinstance(e, JobProgress)]
    assert len(first) >= 1 and not first & {e.index for e in retry if e.wrote}
    assert {e.index for e in retry} == set(range(FRAMES)) and len(pids) == 2
    assert mask_dump(path) == expected[1]
