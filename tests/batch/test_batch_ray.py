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
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    base = tmp_path_factory.getbasetemp()  # the user folders of tests/conftest.py, for actors
    names = {"ANNOTATOR_CACHE": "cache", "ANNOTATOR_CONFIG": "config", "ANNOTATOR_DATA": "data"}
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=80 * 1024 * 1024,
        runtime_env={"env_vars": {k: str(base / v) for k, v in names.items()}},
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


def test_a_worker_the_cluster_cannot_hold_is_refused_before_anything_runs(
    tmp_path: Path, videos: list[Path], checkpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = projects(tmp_path, videos[:1])[0]
    args = ["batch", "propagate", str(path), "--model", checkpoint, "--executor", "ray"]
    assert main([*args, "--gpus-per-worker", "1"]) == 1
    err = capsys.readouterr().err
    assert "asks for 1 CPUs and 1 GPUs but the Ray cluster has 2 CPUs and 0 GPUs" in err
    assert list(mask_dump(path)) == [(1, 1)]  # the keyframe only: nothing ran
