"""`annotator batch propagate` on local worker processes: the same masks as one `propagate`
run per video, failures kept to their job, and a killed worker's job completed on retry."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from annotator.cli import build_parser, main
from annotator.commands.batch import _local_pool
from annotator.commands.batch_jobs import ManifestError, plan_jobs, read_manifest
from annotator.service.batch import Job, JobEvent, JobProgress, JobStarted, run_batch
from tests.batch.conftest import FRAMES, SIZE, make_project, mask_dump, projects


@pytest.mark.slow
def test_two_local_workers_give_the_masks_of_single_runs(
    tmp_path: Path, videos: list[Path], checkpoint: str, expected: list[dict]
) -> None:
    paths = projects(tmp_path, videos)
    args = ["batch", "propagate", *map(str, paths), "--model", checkpoint, *SIZE]
    assert main([*args, "--workers", "2", "--threads-per-worker", "1"]) == 0
    assert [mask_dump(p) for p in paths] == expected
    # a second run finds every frame committed and writes none again
    assert main([*args, "--workers", "1", "--threads-per-worker", "1"]) == 0
    assert [mask_dump(p) for p in paths] == expected


@pytest.mark.slow
def test_a_killed_worker_s_job_completes_on_retry_without_writing_a_frame_twice(
    tmp_path: Path, videos: list[Path], checkpoint: str, expected: list[dict]
) -> None:
    path = projects(tmp_path, videos[:1])[0]
    args = build_parser().parse_args(
        ["batch", "propagate", str(path), "--model", checkpoint, *SIZE, "--workers", "1"]
    )
    args.threads_per_worker = 1
    jobs, known = plan_jobs([(path, [])])
    assert len(jobs) == 1 and not known
    workers, start_worker = _local_pool(args, len(jobs))
    seen: list[tuple[int, JobEvent]] = []

    def kill_after_the_first_written_frame(job: Job, attempt: int, event: JobEvent) -> None:
        seen.append((attempt, event))
        if isinstance(event, JobStarted) and attempt == 1:
            seen.append((0, event))  # the pid to kill
        wrote = [e for a, e in seen if a == 1 and isinstance(e, JobProgress) and e.wrote]
        if attempt == 1 and len(wrote) == 1 and isinstance(event, JobProgress):
            pid = next(e.pid for a, e in seen if a == 0 and isinstance(e, JobStarted))
            os.kill(pid, signal.SIGKILL)

    (outcome,) = run_batch(
        jobs, start_worker, workers=workers, retries=1, on_event=kill_after_the_first_written_frame
    )
    assert outcome.status == "done" and outcome.attempts == 2, outcome
    first = {e.index for a, e in seen if a == 1 and isinstance(e, JobProgress) and e.wrote}
    retry = [e for a, e in seen if a == 2 and isinstance(e, JobProgress)]
    rewritten = {e.index for e in retry if e.wrote}
    assert len(first) >= 1 and not first & rewritten  # no frame written twice
    assert {e.index for e in retry} == set(range(FRAMES))  # the retry saw every frame
    assert outcome.written == FRAMES - 1  # every frame but the keyframe, once
    assert mask_dump(path) == expected[0]  # nothing missing, same masks as one run


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_and_keeps_the_frames_done(
    tmp_path: Path, videos: list[Path], checkpoint: str
) -> None:
    paths = projects(tmp_path, videos[:2])
    args = build_parser().parse_args(
        ["batch", "propagate", *map(str, paths), "--model", checkpoint, *SIZE, "--workers", "1"]
    )
    jobs, _ = plan_jobs([(p, []) for p in paths])
    workers, start_worker = _local_pool(args, len(jobs))
    pids: list[int] = []

    def press_ctrl_c(job: Job, attempt: int, event: JobEvent) -> None:
        if isinstance(event, JobStarted):
            pids.append(event.pid)
        if isinstance(event, JobProgress) and event.wrote:
            raise KeyboardInterrupt  # as the terminal's Ctrl+C does in the caller's thread

    outcomes = run_batch(jobs, start_worker, workers=workers, on_event=press_ctrl_c)
    assert [o.status for o in outcomes] == ["interrupted", "interrupted"]
    assert outcomes[0].written >= 1 and outcomes[1].reason.startswith("stopped by Ctrl+C")
    with pytest.raises(ProcessLookupError):  # the worker is gone, not left running
        os.kill(pids[0], 0)
    assert len(mask_dump(paths[0])) >= 2 and len(mask_dump(paths[1])) == 1  # keyframes kept


@pytest.mark.slow
def test_failures_stay_with_their_job_and_the_exit_status_says_so(
    tmp_path: Path,
    videos: list[Path],
    checkpoint: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from annotator.io.media import create_project_with_media

    good = projects(tmp_path, videos[:1])[0]
    bare = tmp_path / "bare.annotator"
    create_project_with_media(bare, [videos[1]])[0].close()
    junk = tmp_path / "junk.annotator"
    junk.write_text("not a project")
    moved = tmp_path / "moved.annotator"
    make_project(moved, shutil.copy(videos[2], tmp_path / "gone.avi"))
    (tmp_path / "gone.avi").unlink()
    code = main(
        ["batch", "propagate", str(good), str(bare), str(junk), str(moved), "--model", checkpoint]
        + [*SIZE, "--workers", "1", "--frames", "1"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "no keyframes" in err and "junk.annotator" in err and "gone.avi" in err
    assert "2 of 4 jobs did not finish" in err
    assert len(mask_dump(good)) == 3  # frames 0..2 around the keyframe 1, despite the others


@pytest.mark.slow
def test_two_videos_of_one_project_run_one_after_the_other(
    tmp_path: Path, videos: list[Path], checkpoint: str
) -> None:
    from annotator.io.store import open_project

    path = tmp_path / "two.annotator"
    make_project(path, videos[0], videos[1])
    manifest = tmp_path / "jobs.txt"
    manifest.write_text("two.annotator 1 2  # both videos\n")
    args = ["batch", "propagate", "--manifest", str(manifest), "--model", checkpoint, *SIZE]
    assert main([*args, "--workers", "2", "--frames", "1", "--direction", "forward"]) == 0
    with open_project(path, read_only=True) as project:  # a second opener would be refused
        assert [project.frames_with_masks(v.id) for v in project.videos] == [[1, 2], [1, 2]]


@pytest.mark.slow
def test_objects_pick_the_videos_and_the_objects_tracked(
    tmp_path: Path, videos: list[Path], checkpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator.io.store import open_project

    path = tmp_path / "two.annotator"
    make_project(path, videos[0], videos[1])  # object 1 in video 1, object 2 in video 2
    args = ["batch", "propagate", str(path), "--model", checkpoint, *SIZE, "--objects", "2"]
    assert main([*args, "--frames", "1", "--direction", "forward"]) == 0
    assert "none of the --objects is in this video" in capsys.readouterr().err
    with open_project(path, read_only=True) as project:
        assert [project.frames_with_masks(v.id) for v in project.videos] == [[1], [1, 2]]


def test_bad_batch_input_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", "propagate"]) == 1
    assert "name project files or a --manifest" in capsys.readouterr().err
    manifest = tmp_path / "jobs.txt"
    manifest.write_text("# projects\na.annotator 1 2\n'b c.annotator'\n")
    assert read_manifest(manifest) == [
        (tmp_path / "a.annotator", [1, 2]),
        (tmp_path / "b c.annotator", []),
    ]
    manifest.write_text("a.annotator one\n")
    with pytest.raises(ManifestError, match="line 1: video id 'one'"):
        read_manifest(manifest)
    assert main(["batch", "propagate", "--manifest", str(manifest)]) == 1
    assert "jobs.txt line 1" in capsys.readouterr().err
    assert main(["batch", "propagate", "x.annotator", "--workers", "0"]) == 1
    assert "--workers must be 1 or more" in capsys.readouterr().err


def test_a_model_that_does_not_load_fails_every_job_once_with_the_reason(
    tmp_path: Path, videos: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = projects(tmp_path, videos[:2])
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    assert (
        main(["batch", "propagate", *map(str, paths), "--model", str(bad), "--workers", "1"]) == 1
    )
    err = capsys.readouterr().err
    assert err.count("no worker could start") >= 2 and "bad.pt" in err


def test_an_unreachable_ray_cluster_is_said_at_once(
    tmp_path: Path, videos: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ray")
    path = projects(tmp_path, videos[:1])[0]
    args = ["batch", "propagate", str(path), "--executor", "ray", "--address", "127.0.0.1:1"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "cannot join the Ray cluster 127.0.0.1:1: nothing answers at 127.0.0.1:1" in err
