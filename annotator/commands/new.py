"""`annotator new PROJECT MEDIA...`: create a project over videos, image folders and photos,
without the window (the same code path as its File > New: `annotator.io.media`).

A folder of images of one size is one sequence; a folder of images of different sizes, or
any folder with --photos, is a photo set (each image annotated on its own).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from annotator.io.media import AddedMedia


def add_media_arguments(p: argparse.ArgumentParser) -> None:
    """The MEDIA and --photos arguments `new` and `add` share."""
    p.add_argument("media", nargs="+", type=Path, help="video files, image folders or image files")
    p.add_argument(
        "--photos",
        action="store_true",
        help="make every image of a folder its own photo, even when all have one size",
    )


def add_parser(subparsers: Any) -> None:
    """Register the `new` subcommand."""
    p = subparsers.add_parser(
        "new",
        help="create a project over videos, image folders or photos",
        description="Create a project file over videos, image sequences and photo sets.",
    )
    p.add_argument("project", type=Path, help="project file to create (e.g. clips.annotator)")
    add_media_arguments(p)


def print_added(added: Sequence[AddedMedia], project: Path, out: TextIO | None = None) -> None:
    """One line per medium (id, kind, path, whether it was new), then the totals (stdout)."""
    out = out or sys.stdout
    for item in added:
        note = "" if item.new else " (already in the project)"
        print(f"  video {item.video_id}: {item.kind} {item.path}{note}", file=out)
    counts: dict[str, int] = {}
    for item in added:
        if item.new:
            counts[item.kind] = counts.get(item.kind, 0) + 1
    summary = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts.items())
    print(f"{project}: added {summary or 'nothing new'}", file=out)


def run(args: argparse.Namespace) -> int:
    """Create the project; exit 0 when done, 1 on an error it explains."""
    from annotator.io.media import MediaError, create_project_with_media
    from annotator.io.store import ProjectExistsError, StoreError

    try:
        project, added = create_project_with_media(args.project, args.media, photos=args.photos)
    except ProjectExistsError:
        print(
            f"annotator new: error: {args.project} already exists; add media to it with "
            f"`annotator add {args.project} MEDIA...`",
            file=sys.stderr,
        )
        return 1
    except (MediaError, StoreError, OSError) as exc:
        print(f"annotator new: error: {exc}", file=sys.stderr)
        return 1
    project.close()
    print_added(added, args.project)
    return 0
