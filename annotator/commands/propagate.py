"""`annotator propagate PROJECT`: track a project's objects through its video without a window.

The keyframes stored in the project (the user's clicks and boxes, or hand-edited masks) are
given to a SAM2 video session, which propagates them over the chosen range; each frame is
committed to the project as it arrives, as one undoable run (like the window's Propagate).
Ctrl+C stops after the frame being computed and keeps every frame already written.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.commands.gui import DEFAULT_MODEL
from annotator.domain import DomainError, FrameMask, Project, Video
from annotator.domain.absence import effective_absence
from annotator.service.keyframes import give_absence

if TYPE_CHECKING:
    from annotator.domain import Mask


class PropagateError(Exception):
    """Something the user must fix before propagating (message says what)."""


def add_parser(subparsers: Any) -> None:
    """Register the `propagate` subcommand."""
    p = subparsers.add_parser(
        "propagate",
        help="track the project's prompted objects through the video, headless",
        description="Propagate every object's keyframes (clicks, boxes, edited masks) through "
        "the video and save the masks into the project, as the window's Propagate does.",
    )
    p.add_argument("project", type=Path, help="project file (.annotator)")
    p.add_argument("--video", type=int, help="video id (default: the project's only video)")
    p.add_argument(
        "--replace-edits",
        action="store_true",
        help="let the run replace hand-edited masks in its range with tracked ones (not on "
        "the start frame, nor an object's only keyframes; clicked or boxed frames always stay)",
    )
    add_tracking_options(p)


def add_tracking_options(p: argparse.ArgumentParser) -> None:
    """The tracking options shared by `propagate` and `batch propagate`."""
    p.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"downloaded model name or checkpoint file (default: {DEFAULT_MODEL})",
    )
    p.add_argument("--start", type=int, help="start frame (default: the first keyframe)")
    p.add_argument(
        "--direction", choices=("forward", "backward", "both"), default="both", help="(both)"
    )
    p.add_argument("--frames", type=int, help="at most this many frames past the start")
    p.add_argument(
        "--image-size",
        type=int,
        help="model input size, a multiple of 32 (default 1024); the drafts 512 and 768 are "
        "about 4x and 1.8x faster with coarser edges, masks still at the frame's size",
    )
    precision = p.add_mutually_exclusive_group()
    precision.add_argument(
        "--fast",
        action="store_const",
        const=True,
        dest="fast",
        help="bfloat16 (the default where the CPU or GPU has fast bf16)",
    )
    precision.add_argument(
        "--exact",
        action="store_const",
        const=False,
        dest="fast",
        help="float32, the reference's results (the default elsewhere)",
    )
    p.add_argument("--device", default="auto", help="cpu, cuda[:N], mps or auto (default)")
    p.add_argument(
        "--objects",
        type=_object_ids,
        help="track only these objects (ids, comma-separated; default: all). Each object is "
        "tracked outward from its own keyframes only",
    )
    p.add_argument(
        "--stop-after-absent",
        type=int,
        metavar="N",
        help="end an object's run once it has been gone (object score < 0) for N frames",
    )


def _object_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--objects takes object ids separated by commas, such as 1,3; got {text!r}"
        ) from None
    if not ids:
        raise argparse.ArgumentTypeError("--objects needs at least one object id")
    return ids


def pick_video(project: Project, video_id: int | None) -> Video:
    """The video to track: the one asked for, or the project's only one."""
    videos = project.videos
    if video_id is not None:
        try:
            return project.video(video_id)
        except DomainError as exc:
            raise PropagateError(str(exc)) from exc
    if len(videos) != 1:
        ids = ", ".join(f"{v.id} ({Path(v.path).name})" for v in videos) or "none"
        raise PropagateError(f"the project has {len(videos)} videos; pick one with --video: {ids}")
    return videos[0]


def keyframes(project: Project, video: Video) -> list[FrameMask]:
    """Every user-made mask (PROMPTED or EDITED) of the video's tracks, frame order."""
    found = [
        record
        for track in project.tracks(video.id)
        for frame in project.keyframes(video.id, track.id)
        if (record := project.mask(video.id, frame, track.id)) is not None
    ]
    return sorted(found, key=lambda r: (r.frame, r.track_id))


def give_prompts(session: Any, records: list[FrameMask]) -> None:
    """Replay keyframes into a VideoSession: clicks/box where stored, else the mask itself."""
    from annotator.service.keyframes import give_prompt

    for rec in records:
        if rec.prompt is not None and (rec.prompt.box is not None or rec.prompt.points):
            give_prompt(session, rec.frame, rec.track_id, rec.prompt)
        else:
            session.add_mask(rec.frame, rec.track_id, rec.mask.to_array())


def require_keyframes(
    project: Project, video: Video, objects: list[int] | None = None
) -> list[FrameMask]:
    """The video's keyframes (see `keyframes`), of `objects` only when given; raises
    PropagateError when there are none, or a chosen object has none."""
    records = keyframes(project, video)
    if objects is not None:
        known = {t.id for t in project.tracks(video.id)}
        for obj in objects:
            if obj not in known:
                ids = ", ".join(map(str, sorted(known))) or "none"
                raise PropagateError(f"video {video.id} has no object {obj} (objects: {ids})")
            if not any(r.track_id == obj for r in records):
                raise PropagateError(
                    f"object {obj} has no keyframes in video {video.id}: click or box it first"
                )
        records = [r for r in records if r.track_id in objects]
    if not records:
        raise PropagateError(
            f"video {video.id} has no keyframes to propagate: click or box an object first"
        )
    return records


def load_tracking_model(args: argparse.Namespace) -> Any:
    """The SAM2 model of the tracking options (checkpoint, device, input size), loaded once
    so that many videos can be tracked with it. Raises PropagateError on a bad size."""
    from annotator.engine.checkpoint import load_model
    from annotator.engine.device import pick_device
    from annotator.engine.weights import WeightsManager

    size = args.image_size
    if size is not None and (size <= 0 or size % 32):
        raise PropagateError(f"--image-size must be a positive multiple of 32, got {size}")
    checkpoint = WeightsManager().checkpoint_for(args.model)
    loaded = load_model(checkpoint, device=pick_device(args.device))
    if size is not None:
        loaded.model.set_imgsz(size)
    return loaded.model


def wants_fast(model: Any, args: argparse.Namespace) -> bool:
    """--fast or --exact as given, else the machine's default (`default_precision`)."""
    if args.fast is not None:
        return bool(args.fast)
    from annotator.engine.fast_mode import default_precision

    return default_precision(model.device).mode == "fast"


TrackedFrame = tuple[int, dict[int, tuple["Mask", float | None]]]
"""(frame, {track id: (mask, object score)}) as a session reports one propagated frame."""


def tracked_frames(
    model: Any,
    video: Video,
    records: list[FrameMask],
    args: argparse.Namespace,
    absence: Mapping[int, Sequence[tuple[int, int]]] | None = None,
) -> Iterator[TrackedFrame]:
    """Replay `records` (and `absence`, track id -> absent spans) into a video session over
    the video's frames and yield each frame as it is propagated (the frames stay open until
    the generator finishes or is closed). Each object is tracked outward from its own
    keyframes; `args.objects` limits the run to those objects."""
    from annotator.domain import Mask
    from annotator.engine.video_session import VideoSession
    from annotator.io.frames import open_frames

    start = records[0].frame if args.start is None else args.start
    with open_frames(video.path, background=False) as frames:
        if (len(frames), frames.height, frames.width) != (
            video.num_frames,
            video.height,
            video.width,
        ):
            raise PropagateError(f"{video.path} no longer matches the project's video {video.id}")
        session = VideoSession(model, frames, fast=wants_fast(model, args))
        give_prompts(session, records)
        give_absence(session, absence or {}, (video.height, video.width))
        objects = getattr(args, "objects", None)
        stream = session.propagate(
            start,
            args.direction,
            args.frames,
            objects=None if objects is None else sorted({r.track_id for r in records}),
            from_keyframes=True,
            stop_after_absent=getattr(args, "stop_after_absent", None),
        )
        for result in stream:
            yield (
                result.frame,
                {tid: (Mask.from_array(r.mask), r.score) for tid, r in result.objects.items()},
            )


def edits_given_up(
    records: list[FrameMask], video: Video, args: argparse.Namespace
) -> list[tuple[int, int, int]]:
    """Keys of the hand edits a --replace-edits run tracks over instead of replaying (see
    `edits_to_release`: inside the run, not its start, never an object's only keyframes)."""
    from annotator.service.planning import RunPlan, edits_to_release, keyframes_by_track
    from annotator.service.requests import Direction

    start = records[0].frame if args.start is None else args.start
    ways = ("forward", "backward") if args.direction == "both" else (args.direction,)
    plans = [RunPlan(start, Direction(way), args.frames) for way in ways]
    released = edits_to_release(plans, video.num_frames, keyframes_by_track(records))
    return [(video.id, frame, track) for frame, track in released]


def propagate(project: Project, args: argparse.Namespace, out: Any = None) -> int:
    """Run the session over the project's video; frames written. Raises PropagateError."""
    from annotator.domain import History
    from annotator.io.frames import FrameSourceError
    from annotator.io.video_link import link_video

    out = sys.stderr if out is None else out  # not bound at import: tests swap sys.stderr
    reason = getattr(project.storage, "read_only_reason", None)  # damaged, or read-only fs
    if reason is not None:
        raise PropagateError(reason)
    video = link_video(project, pick_video(project, args.video))  # found, length verified
    records = require_keyframes(project, video, args.objects)
    released = edits_given_up(records, video, args) if getattr(args, "replace_edits", False) else []
    records = [r for r in records if r.key not in released]
    absence = effective_absence(project, video.id)
    model = load_tracking_model(args)
    mode = "fast (bfloat16; --exact for float32)" if wants_fast(model, args) else "exact (float32)"
    print(f"precision: {mode}, model input {model.image_size} px", file=out)
    history = History(project)
    written, t0 = 0, time.perf_counter()
    if released:
        print(f"replacing {len(released)} hand-edited frames in the run's range", file=out)
    with history.begin_batch(f"Propagate {args.direction}", replace_edits=released) as batch:
        try:
            for frame, masks in tracked_frames(model, video, records, args, absence):
                batch.add_tracked_frame(video.id, frame, masks)
                written += 1
                rate = written / (time.perf_counter() - t0)
                print(
                    f"\rframe {frame + 1}: {written} done, {rate:.2f} frames/s",
                    end="",
                    file=out,
                    flush=True,
                )
        except KeyboardInterrupt:
            print(f"\ncancelled: the {written} frames done are saved", file=out)
            return written
        except FrameSourceError as exc:  # e.g. one damaged image of a folder
            print(file=out)
            raise PropagateError(
                f"propagation stopped at frame {getattr(exc, 'frame', '?')}: {exc} The "
                f"{written} frames tracked before it are saved."
            ) from exc
    print(file=out)
    return written


def run(args: argparse.Namespace) -> int:
    """Propagate and report; exit 0 when done, 1 on an error it explains."""
    from annotator.engine.checkpoint_errors import CheckpointError
    from annotator.engine.session_errors import VideoSessionError
    from annotator.engine.weights import WeightsError
    from annotator.io.frames import FrameSourceError
    from annotator.io.store import StoreError, open_project

    t0 = time.perf_counter()
    try:
        with open_project(args.project) as project:
            written = propagate(project, args)
    except (
        PropagateError,
        StoreError,
        DomainError,
        CheckpointError,
        WeightsError,
        VideoSessionError,
        FrameSourceError,
        OSError,
    ) as exc:
        print(f"annotator propagate: error: {exc}", file=sys.stderr)
        return 1
    print(f"propagated {written} frames in {time.perf_counter() - t0:.1f} s into {args.project}")
    return 0
