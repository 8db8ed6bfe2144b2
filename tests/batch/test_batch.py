"""`annotator batch propagate` on local worker processes: the same masks as one `propagate`
run per video, failures kept to their job, and a killed worker's job completed on retry."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.cli import build_parser, main
from annotator.commands.batch import _local_pool, local_split
from annotator.commands.batch_jobs import ManifestError, plan_jobs, read_manifest
from annotator.service.batch import (
    Job,
    JobEvent,
    JobFinished,
    JobProgress,
    JobStarted,
    LocalWorker,
    WorkerSpec,
    run_batch,
)
from tests.batch.conftest import (
    FRAMES,
    HEIGHT,
    SIZE,
    WIDTH,
    make_project,
    mask_dump,
    projects,
)


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
    make_project(moved, Path(shutil.copy(videos[2], tmp_path / "gone.avi")))
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


def _options(*command: str) -> set[str]:
    """The option strings of a subcommand (`"batch", "propagate"`) of the parser."""
    parser: argparse.ArgumentParser = build_parser()
    for name in command:
        (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return {s for action in parser._actions for s in action.option_strings}


def test_batch_propagate_takes_every_option_of_propagate() -> None:
    single, batch = _options("propagate"), _options("batch", "propagate")
    assert "--replace-edits" in single
    assert single - {"--video"} <= batch  # a batch picks videos with its manifest instead


def _edited_absent_project(folder: Path, video: Path) -> Path:
    """A project beside its own copy of `video`, clicked on frame 1 (after marking frames
    1..2 absent: the click wins there), with a hand edit on frame 3 that a --replace-edits
    run tracks over; the folder is then moved, so the video is found beside the project."""
    import numpy as np

    from annotator.domain import History, Mask, Prompt, Provenance, SetMask
    from annotator.domain.absence import MarkAbsent
    from annotator.io.store import open_project

    before = folder / "before"
    before.mkdir(parents=True)
    path = before / "p.annotator"
    make_project(path, Path(shutil.copy(video, before / "clip.avi")))
    with open_project(path) as project:
        history = History(project)
        (video_id,), (track,) = [v.id for v in project.videos], project.tracks(1)
        clicked = project.mask(video_id, 1, track.id)
        assert clicked is not None
        history.execute(MarkAbsent(video_id, track.id, 1, 2))
        prompt = Prompt(points=((34.0, 30.0),), labels=(1,))
        history.execute(
            SetMask(video_id, 1, track.id, clicked.mask, Provenance.PROMPTED, 2.0, prompt)
        )
        edit = np.zeros((HEIGHT, WIDTH), bool)
        edit[2:12, 2:14] = True
        history.execute(SetMask(video_id, 3, track.id, Mask.from_array(edit), Provenance.EDITED))
    before.rename(folder / "after")
    return folder / "after" / "p.annotator"


@pytest.mark.slow
def test_batch_tracks_as_propagate_over_edits_absences_and_a_moved_folder(
    tmp_path: Path, videos: list[Path], checkpoint: str
) -> None:
    single = _edited_absent_project(tmp_path / "single", videos[0])
    batch = _edited_absent_project(tmp_path / "batch", videos[0])
    options = ["--model", checkpoint, *SIZE, "--replace-edits"]
    assert main(["propagate", str(single), *options]) == 0
    assert main(["batch", "propagate", str(batch), *options, "--workers", "1"]) == 0
    dump = mask_dump(batch)
    assert dump == mask_dump(single)
    assert dump[(1, 1)][2] == "prompted" and dump[(3, 1)][2] == "propagated"  # edit replaced
    assert (2, 1) not in dump  # still absent there
    # a run again (same thread count) finds every frame committed, the replaced edit too
    args = build_parser().parse_args(["batch", "propagate", str(batch), *options])
    jobs, _ = plan_jobs([(batch, [])])
    (outcome,) = run_batch(jobs, _local_pool(args, 1)[1], workers=1)
    assert (outcome.status, outcome.written, outcome.already) == ("done", 0, FRAMES), outcome
    assert mask_dump(batch) == dump


def test_the_local_pool_splits_the_cores_between_its_workers() -> None:
    # (cores, memory GB, jobs, --workers, --threads-per-worker) -> (workers, threads each)
    assert local_split(8, 64, 5, None, None) == (5, 1)  # one worker a job, no more
    assert local_split(8, 64, 20, None, None) == (8, 1)  # one a core
    assert local_split(8, 5, 20, None, None) == (2, 4)  # 2 GB each
    assert local_split(2, 64, 1, None, None) == (1, 2)  # one job: all the cores
    assert local_split(8, 64, 20, 2, None) == (2, 4)
    assert local_split(8, 64, 20, 2, 3) == (2, 3)


def _torch_threads(options: object) -> int:
    import torch

    return torch.get_num_threads()


def _say_context(context: int, payload: object) -> Iterator[JobEvent]:
    yield JobFinished("done", f"{context} torch threads")


def test_a_local_worker_runs_with_its_share_of_torch_threads() -> None:
    worker = LocalWorker(WorkerSpec(_torch_threads, _say_context, None, threads=3))
    try:
        events = list(worker.run(Job("job", "group", "payload")))
    finally:
        worker.close()
    assert events == [JobFinished("done", "3 torch threads")]


def test_a_job_s_total_is_the_frames_its_run_covers(tmp_path: Path, videos: list[Path]) -> None:
    path = projects(tmp_path, videos[:1])[0]  # clicked on frame 1 of 5

    def total(*options: str) -> int | None:
        args = build_parser().parse_args(["batch", "propagate", str(path), *options])
        (job,), _ = plan_jobs([(path, [])], options=args)
        return job.total

    assert total() == FRAMES
    assert total("--frames", "1") == 3  # 0..2
    assert total("--frames", "2", "--direction", "forward") == 3  # 1..3
    assert total("--start", "3", "--direction", "backward") == 4  # 0..3
    assert plan_jobs([(path, [])])[0][0].total == FRAMES  # no options: the video's length


def test_the_report_says_what_a_lost_attempt_kept() -> None:
    import io

    from rich.console import Console

    from annotator.commands.batch_report import BatchReport
    from annotator.service.batch import JobRetrying

    job = Job("p.annotator#1", "p", None, 4)
    out = io.StringIO()
    report = BatchReport([job], Console(file=out, width=120))
    with report.live():
        report.on_event(job, 1, JobStarted(1, "here"))
        for index, wrote in ((1, False), (2, True), (3, True)):
            report.on_event(job, 1, JobProgress(index, wrote))
        report.on_event(job, 1, JobRetrying("worker process 1 died (killed by SIGKILL)"))
    assert "died (killed by SIGKILL); the 2 frames it wrote stay; running it again" in (
        out.getvalue()
    )
