"""`annotator export PROJECT --format F --out DIR`: write a project's labels as a dataset."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from annotator.domain import DomainError, Project, Video
from annotator.io.formats import EXPORT_DESCRIPTIONS, EXPORTERS, ExportOptions, FormatError
from annotator.io.formats.options import parse_frame_ranges, parse_split


def add_parser(subparsers: Any) -> None:
    """Register the `export` subcommand."""
    p = subparsers.add_parser(
        "export",
        help="export labels as COCO, YOLO, YouTube-VIS, DAVIS, MOT, CVAT, labelme or VOC",
        description="Write the project's masks as a training dataset.",
    )
    p.add_argument("project", help="project file (.annotator)")
    p.add_argument(
        "--format",
        required=True,
        choices=sorted(EXPORTERS),
        dest="fmt",
        help="; ".join(f"{name}: {EXPORT_DESCRIPTIONS[name]}" for name in sorted(EXPORTERS)),
    )
    p.add_argument("--out", required=True, help="output folder (new or empty)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an earlier export in --out (only files it wrote; never other files)",
    )
    p.add_argument("--frames", help="frame ranges, e.g. 0-99,200- (default: all)")
    p.add_argument("--every", type=int, default=1, help="keep every Nth selected frame")
    p.add_argument("--categories", nargs="+", help="category names (or ids) to export")
    p.add_argument("--split", default="val=0", help="validation fraction, e.g. val=0.2")
    p.add_argument("--seed", type=int, default=0, help="seed of the train/val split")
    p.add_argument("--no-images", action="store_true", help="write labels only, no frames")
    p.add_argument("--png", action="store_true", help="write frames as PNG instead of JPEG")
    p.add_argument("--only-annotated", action="store_true", help="skip frames with no object")
    p.add_argument("--fill-holes", action="store_true", help="polygons: drop holes")
    p.add_argument(
        "--simplify",
        type=float,
        default=0.0,
        metavar="PX",
        help="polygons: simplify within PX pixels (default 0: pixel-exact, larger files)",
    )


def _options(args: argparse.Namespace, extra: dict[str, Any]) -> ExportOptions:
    return ExportOptions(
        frames=parse_frame_ranges(args.frames) if args.frames else None,
        every=args.every,
        categories=tuple(args.categories) if args.categories else None,
        val_fraction=parse_split(args.split),
        seed=args.seed,
        segmentation=extra.get("segmentation", "rle"),
        with_images=not args.no_images,
        image_ext=".png" if args.png else ".jpg",
        only_annotated=args.only_annotated,
        keep_holes=not args.fill_holes,
        polygon_tolerance=args.simplify,
        overwrite=args.overwrite,
    )


def _frame_opener(project: Project) -> Callable[[Video], Any]:
    """Opens a video's frames where `locate_video` finds them (never a changed file)."""
    from annotator.io.frames import open_frames
    from annotator.io.video_link import locate_video

    def opener(video: Video) -> Any:
        return open_frames(locate_video(project, video), background=False, prefetch_depth=4)

    return opener


def _refresh_records(path: str) -> None:
    """Correct the videos' paths and frame counts first, when no window holds the project
    (else the window does it); the export itself reads the project read-only."""
    from annotator.io.store import StoreError, open_project
    from annotator.io.video_link import refresh_videos

    try:
        project = open_project(path)
    except StoreError:  # locked by a window, read-only, damaged: export reads it as it is
        return
    with project:
        if not getattr(project.storage, "read_only", False):
            refresh_videos(project)


def run(args: argparse.Namespace) -> int:
    """Export; prints what was written. Exit 0 on success, 1 on an error it explains."""
    from annotator.io.frames import FrameSourceError
    from annotator.io.store import StoreError, open_project

    exporter, extra = EXPORTERS[args.fmt]
    started = time.perf_counter()
    try:
        options = _options(args, extra)
        kwargs = {k: v for k, v in extra.items() if k != "segmentation"}
        _refresh_records(args.project)
        # read-only: no lock, so a window may keep editing the project while it exports
        with open_project(args.project, read_only=True) as project:
            summary = exporter(project, args.out, options, _frame_opener(project), **kwargs)
            damage = getattr(project.storage, "damage_notice", None)
    except (FormatError, StoreError, FrameSourceError, DomainError, OSError) as exc:
        print(f"annotator export: error: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(
        f"{args.fmt}: {summary.images} images, {summary.annotations} annotations "
        f"-> {summary.out_dir} ({seconds:.1f} s)"
    )
    for note in summary.skipped:
        print(f"  skipped: {note}", file=sys.stderr)
    if damage is not None:  # the rows that could not be read are not in the export
        print(f"annotator export: warning: {damage}", file=sys.stderr)
    return 0
