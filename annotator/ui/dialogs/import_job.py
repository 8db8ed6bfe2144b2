"""What the import dialog runs, without Qt: the readers of `annotator import`, by its own
argument parser, so the dialog offers and reads exactly what the command does.

Reading validates the whole dataset against the project and writes nothing (the dry run);
`annotator.io.formats.apply_import` then writes all of it in one transaction.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from annotator.commands import import_ as import_command
from annotator.domain import Project
from annotator.io.formats import IMPORT_FORMATS, ImportError_, ImportResult, describe


class ImportArgumentError(ValueError):
    """The dialog's choices are not arguments `annotator import` accepts."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ImportArgumentError(message)


def _command_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="annotator")
    import_command.add_parser(parser.add_subparsers(dest="command", parser_class=_Parser))
    return parser


def import_formats() -> list[str]:
    """The formats `annotator import --format` accepts."""
    return list(IMPORT_FORMATS)


LINKED_FORMATS = (*import_command.LINKED_READERS, "yolo-seg", "yolo-det")
"""Formats whose rows may lack identities, joined across frames unless `--no-link`."""


@dataclass(frozen=True)
class ImportRequest:
    """The dialog's form: format, source file or folder, target video, SA-V category, and
    whether rows without identities are joined into objects across frames."""

    fmt: str
    source: Path
    video_id: int | None = None
    category: str | None = None
    link: bool = True

    def command_line(self) -> list[str]:
        """The same import as `annotator import` arguments (after the project)."""
        args = ["--format", self.fmt, str(self.source)]
        if self.video_id is not None:
            args += ["--video", str(self.video_id)]
        if self.category:
            args += ["--category", self.category]
        if not self.link:
            args.append("--no-link")
        return args


def read_dataset(project: Project, request: ImportRequest) -> ImportResult:
    """Validate the dataset against `project`; what importing it would add (nothing written).

    Raises `ImportError_` naming the file and line or annotation of the first problem.
    """
    if not request.source.exists():
        raise ImportError_("no such file or folder", file=request.source)
    args = _command_parser().parse_args(["import", "<project>", *request.command_line()])
    return import_command.read_labels(project, args)


def preview_lines(result: ImportResult, project: Project) -> list[str]:
    """What an import would add, as lines for the preview: totals, then one line a track."""
    counts = describe(result)
    lines = [
        f"Would add {counts['tracks']} tracks, {counts['masks']} masks and "
        f"{counts['box_prompts']} box prompts; new categories: "
        f"{', '.join(counts['new_categories']) or 'none'}."
    ]
    per_track: dict[object, int] = {}
    for planned in result.masks:
        per_track[planned.track_key] = per_track.get(planned.track_key, 0) + 1
    videos = {v.id: Path(v.path).name for v in project.videos}
    for track in result.tracks:
        lines.append(
            f"{track.name} ({track.category or 'no category'}) on {videos.get(track.video_id)}: "
            f"{per_track.get(track.key, 0)} frames"
        )
    return lines
