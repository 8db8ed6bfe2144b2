"""`annotator import PROJECT --format F SRC`: add a dataset's labels to a project."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from annotator.domain import DomainError
from annotator.io.formats import (
    IMPORT_FORMATS,
    FormatError,
    ImportResult,
    apply_import,
    describe,
    read_coco,
    read_cvat,
    read_davis,
    read_isat,
    read_label_studio,
    read_labelme,
    read_mot,
    read_sav,
    read_voc,
    read_yolo,
    read_ytvis,
)


def add_parser(subparsers: Any) -> None:
    """Register the `import` subcommand."""
    p = subparsers.add_parser(
        "import",
        help="import labels from COCO, YOLO, SA-V, YouTube-VIS, DAVIS, MOT, CVAT, labelme, "
        "ISAT, Label Studio or VOC",
        description="Validate a dataset fully, then add all of it to the project (or nothing).",
    )
    p.add_argument("project", help="project file (.annotator)")
    p.add_argument("--format", required=True, choices=IMPORT_FORMATS, dest="fmt")
    p.add_argument(
        "src",
        help="COCO/SA-V/YouTube-VIS/Label Studio JSON or CVAT XML file, or a YOLO (data.yaml), "
        "DAVIS, MOT, labelme, ISAT or VOC folder",
    )
    p.add_argument("--video", type=int, help="project video id the labels belong to")
    p.add_argument("--category", help="SA-V: category of the imported masklets")
    p.add_argument(
        "--frame-offset",
        type=int,
        default=0,
        metavar="N",
        help="subtract N from frame numbers read from file names (1 for ffmpeg's 1-based %%06d)",
    )
    p.add_argument(
        "--no-link",
        action="store_false",
        dest="link",
        help="YOLO, VOC, COCO, labelme, ISAT and Label Studio without track or group ids: keep "
        "one object per row instead of joining rows that overlap on consecutive frames into "
        "one object",
    )
    p.add_argument("--dry-run", action="store_true", help="validate only, change nothing")


LINKED_READERS: dict[str, Callable[..., ImportResult]] = {
    "coco": read_coco,
    "labelme": read_labelme,
    "isat": read_isat,
    "label-studio": read_label_studio,
    "voc": read_voc,
}
"""Readers that take a video, a frame offset and `link` (the YOLO ones add a task)."""


def read_labels(project: Any, args: argparse.Namespace) -> ImportResult:
    """Read the labels `args` name (format, source, video, offsets) into `project`'s terms;
    what importing would add, nothing written (the window's import dialog shares it)."""
    linked = LINKED_READERS.get(args.fmt)
    if linked is not None:
        return linked(
            project, args.src, video_id=args.video, frame_offset=args.frame_offset, link=args.link
        )
    if args.fmt == "sav":
        return read_sav(project, args.src, video_id=args.video, category=args.category)
    if args.fmt == "ytvis":
        return read_ytvis(project, args.src, video_id=args.video, frame_offset=args.frame_offset)
    if args.fmt == "davis":
        return read_davis(project, args.src, video_id=args.video, frame_offset=args.frame_offset)
    if args.fmt == "cvat-video":
        return read_cvat(project, args.src, video_id=args.video)
    if args.fmt == "mot":
        return read_mot(project, args.src, video_id=args.video)
    task = "segment" if args.fmt == "yolo-seg" else "detect"
    return read_yolo(
        project,
        args.src,
        task=task,
        video_id=args.video,
        frame_offset=args.frame_offset,
        link=args.link,
    )


def run(args: argparse.Namespace) -> int:
    """Import; prints what was added. Exit 0 on success, 1 on an error it explains."""
    from annotator.io.store import StoreError, open_project

    try:
        with open_project(args.project) as project:
            result = read_labels(project, args)
            if not args.dry_run:
                apply_import(project, result)
    except (FormatError, StoreError, DomainError, OSError) as exc:
        print(f"annotator import: error: {exc}", file=sys.stderr)
        return 1
    counts = describe(result)
    for note in counts["notes"]:
        print(f"  {note}", file=sys.stderr)
    verb = "would add" if args.dry_run else "added"
    print(
        f"{args.fmt}: {verb} {counts['tracks']} tracks, {counts['masks']} masks, "
        f"{counts['box_prompts']} box prompts, categories created: "
        f"{', '.join(counts['new_categories']) or 'none'}"
    )
    return 0
