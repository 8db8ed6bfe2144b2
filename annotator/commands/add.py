"""`annotator add PROJECT MEDIA...`: add videos, image folders and photos to a project,
without the window (the same code path as its File > Add: `annotator.io.media`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from annotator.commands.new import add_media_arguments, print_added


def add_parser(subparsers: Any) -> None:
    """Register the `add` subcommand."""
    p = subparsers.add_parser(
        "add",
        help="add videos, image folders or photos to a project",
        description="Add videos, image sequences and photo sets to an existing project; "
        "media it already has are left as they are.",
    )
    p.add_argument("project", type=Path, help="project file (.annotator)")
    add_media_arguments(p)


def run(args: argparse.Namespace) -> int:
    """Add the media; exit 0 when done, 1 on an error it explains (nothing is added then)."""
    from annotator.io.media import MediaError, add_media
    from annotator.io.store import StoreError, open_project

    try:
        with open_project(args.project) as project:
            added = add_media(project, args.media, photos=args.photos)
    except (MediaError, StoreError, OSError) as exc:
        print(f"annotator add: error: {exc}", file=sys.stderr)
        return 1
    print_added(added, args.project)
    return 0
