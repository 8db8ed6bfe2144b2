"""Exceptions of the export/import formats, carrying where in which file the problem is."""

from __future__ import annotations

from pathlib import Path


class FormatError(Exception):
    """Base class of every error raised by `annotator.io.formats`."""


class ExportError(FormatError):
    """An export cannot be written (bad options, output folder unusable, frames unreadable)."""


class ImportError_(FormatError, ValueError):  # noqa: N801 - trailing _ avoids the builtin name
    """A dataset file is malformed; says which file and which line or annotation id.

    Raised before anything is applied to the project: imports validate fully first.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        annotation_id: object = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.annotation_id = annotation_id
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.annotation_id is not None:
            where.append(f"annotation {self.annotation_id!r:.40}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


DatasetImportError = ImportError_
"""Readable alias of `ImportError_`."""
