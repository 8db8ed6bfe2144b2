"""The jobs of `annotator batch propagate`: which videos to track, and tracking one of them
in a worker whose model was loaded once.

A job replays its video's keyframes and commits each propagated frame to the project as it
arrives (the `propagate` command's functions). A retried job, after its worker was killed,
tracks again from the keyframes (SAM2's memory of the last frames is not in the project),
and a frame whose stored masks already equal the new ones is not written again: the retry
writes exactly the frames the killed attempt had not committed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.commands.propagate import (
    PropagateError,
    edits_given_up,
    keyframes,
    load_tracking_model,
    pick_video,
    require_keyframes,
    tracked_frames,
)
from annotator.domain import DomainError, Mask, MaskKey, Project, Provenance, Video
from annotator.domain.absence import effective_absence
from annotator.service.batch import Job, JobEvent, JobFinished, JobOutcome, JobProgress, JobStarted


class ManifestError(Exception):
    """The manifest cannot be read; the message gives the file and line."""


@dataclass(frozen=True)
class VideoJob:
    """The payload of one job: a video of a project file."""

    project: str
    video_id: int


def read_manifest(path: Path) -> list[tuple[Path, list[int]]]:
    """(project, video ids or [] for all) per line `PROJECT [VIDEO_ID...]` ('#' comments,
    quotes for spaces, paths relative to the manifest's folder)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read the manifest {path}: {exc}") from exc
    entries: list[tuple[Path, list[int]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise ManifestError(f"{path} line {number}: {exc}") from exc
        if not words:
            continue
        ids = []
        for word in words[1:]:
            if not word.isdigit() or int(word) < 1:
                raise ManifestError(
                    f"{path} line {number}: video id {word!r} is not a positive number "
                    "(a line is: PROJECT [VIDEO_ID...])"
                )
            ids.append(int(word))
        project = Path(words[0]).expanduser()
        entries.append((project if project.is_absolute() else path.parent / project, ids))
    if not entries:
        raise ManifestError(f"{path} names no project (a line is: PROJECT [VIDEO_ID...])")
    return entries


def plan_jobs(
    entries: Sequence[tuple[Path, Sequence[int]]],
    objects: Sequence[int] | None = None,
    options: argparse.Namespace | None = None,
) -> tuple[list[Job], list[JobOutcome]]:
    """One job per video with keyframes (all videos of a project, or those listed; with
    `objects`, those holding one of them), and the outcomes already known: projects that
    cannot be read (failed), videos with nothing to track (skipped). Photos are left out
    unless listed. A job's total is the frames its run covers with the tracking `options`
    (--start, --direction, --frames), else the video's length."""
    from annotator.io.frames import FrameSourceError
    from annotator.io.media import media_kind
    from annotator.io.store import StoreError, open_project

    jobs: list[Job] = []
    known: list[JobOutcome] = []
    seen: set[tuple[str, int]] = set()
    for path, ids in entries:
        group = str(path.resolve())
        try:
            with open_project(path, read_only=True) as project:
                videos = [pick_video(project, i) for i in ids] if ids else project.videos
                for video in videos:
                    if (group, video.id) in seen or (not ids and media_kind(video) == "photo"):
                        continue
                    seen.add((group, video.id))
                    why = _nothing_to_track(project, video.id, objects)
                    total = video.num_frames
                    if options is not None and not why:
                        total = frames_in_run(project, video, objects, options)
                    job = Job(f"{path}#{video.id}", group, VideoJob(group, video.id), total)
                    if why:
                        known.append(JobOutcome(job, "skipped", reason=why))
                    else:
                        jobs.append(job)
        except (StoreError, DomainError, PropagateError, FrameSourceError, OSError) as exc:
            known.append(JobOutcome(Job(str(path), group, None), "failed", reason=str(exc)))
    return jobs, known


def frames_in_run(
    project: Project, video: Video, objects: Sequence[int] | None, options: argparse.Namespace
) -> int:
    """How many frames a run of the tracking `options` covers in `video` (from --start or
    the first keyframe of the objects tracked; the same ranges as the video session's)."""
    from annotator.service.planning import RunPlan
    from annotator.service.requests import Direction

    records = [r for r in keyframes(project, video) if objects is None or r.track_id in objects]
    if not records:
        return video.num_frames
    start = records[0].frame if options.start is None else options.start
    ways = ("forward", "backward") if options.direction == "both" else (options.direction,)
    plans = [RunPlan(start, Direction(way), options.frames) for way in ways]
    return len({f for plan in plans for f in plan.frames(video.num_frames)})


def _nothing_to_track(project: Project, video_id: int, objects: Sequence[int] | None) -> str:
    """Why a video has nothing to propagate ("" when it has keyframes)."""
    from annotator.io.media import media_kind

    video = project.video(video_id)
    if media_kind(video) == "photo":
        return "a photo: nothing to propagate"
    if objects is not None and not {t.id for t in project.tracks(video_id)} & set(objects):
        return "none of the --objects is in this video"
    return "" if keyframes(project, video) else "no keyframes: click or box an object first"


def frame_committed(
    project: Project,
    video_id: int,
    frame: int,
    masks: Mapping[int, tuple[Mask, float | None]],
    replaced: Collection[MaskKey] = (),
) -> bool:
    """True when the project already holds what writing this tracked frame would leave:
    each non-empty mask as a propagated one with its score (or a user-made mask there, which
    a propagation keeps unless its key is in `replaced`, the hand edits a --replace-edits
    run tracks over), and no mask where the object is gone. Locked or deleted objects,
    which a propagation leaves alone, are not looked at."""
    for track_id, (mask, score) in masks.items():
        if not project.has_track(track_id) or project.track(track_id).locked:
            continue
        record = project.mask(video_id, frame, track_id)
        if (
            record is not None
            and record.provenance.is_key
            and (video_id, frame, track_id) not in replaced
        ):
            continue
        if mask.is_empty:
            if record is not None:
                return False
        elif (
            record is None
            or record.provenance is not Provenance.PROPAGATED
            or record.mask != mask
            or record.score != score
        ):
            return False
    return True


def _objects_in(project: Project, video_id: int, args: argparse.Namespace) -> list[int] | None:
    """The --objects of this video (a batch's objects are spread over its videos)."""
    objects = getattr(args, "objects", None)
    if objects is None:
        return None
    return [t.id for t in project.tracks(video_id) if t.id in objects]


def setup_worker(args: argparse.Namespace) -> tuple[Any, argparse.Namespace]:
    """A worker's context: the model of the tracking options, loaded once."""
    return load_tracking_model(args), args


def track_video(context: tuple[Any, argparse.Namespace], job: VideoJob) -> Iterator[JobEvent]:
    """Track one video into its project, a JobProgress per frame as it is committed (or
    found committed by an earlier attempt), then a JobFinished."""
    from annotator.domain import History
    from annotator.engine.checkpoint_errors import CheckpointError
    from annotator.engine.session_errors import VideoSessionError
    from annotator.io.frames import FrameSourceError
    from annotator.io.store import StoreError, open_project
    from annotator.io.video_link import link_video

    model, args = context
    yield JobStarted(os.getpid(), socket.gethostname())
    try:
        with open_project(job.project) as project:
            reason = getattr(project.storage, "read_only_reason", None)  # as propagate
            if reason is not None:
                raise PropagateError(reason)
            # as propagate: the video located and its length verified, the hand edits a
            # --replace-edits run tracks over left out, keyframes on absent frames winning
            video = link_video(project, pick_video(project, job.video_id))
            records = require_keyframes(project, video, _objects_in(project, video.id, args))
            replace = getattr(args, "replace_edits", False)
            released = edits_given_up(records, video, args) if replace else []
            records = [r for r in records if r.key not in released]
            absence = effective_absence(project, video.id)
            label = f"Batch propagate {args.direction}"
            with History(project).begin_batch(label, replace_edits=released) as batch:
                for frame, masks in tracked_frames(model, video, records, args, absence):
                    wrote = not frame_committed(project, video.id, frame, masks, released)
                    if wrote:
                        batch.add_tracked_frame(video.id, frame, masks)
                    yield JobProgress(frame, wrote)
    except (
        PropagateError,
        StoreError,
        DomainError,
        CheckpointError,
        VideoSessionError,
        FrameSourceError,
        OSError,
    ) as exc:
        yield JobFinished("failed", str(exc))
        return
    yield JobFinished("done")
