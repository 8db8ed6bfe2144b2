"""Exceptions of the project store; each message says what is wrong in the user's words."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error raised by `annotator.io.store`."""


class ProjectNotFoundError(StoreError, FileNotFoundError):
    """The project file does not exist."""


class NotAProjectError(StoreError):
    """The file is not an annotator project (not SQLite, or another program's database)."""


class CorruptProjectError(StoreError):
    """The file is an annotator project but its contents are damaged."""


class NewerSchemaError(StoreError):
    """The project was written by a newer annotator; this one refuses to touch it."""


class ProjectLockedError(StoreError):
    """Another window or process has the project open for writing."""


class ProjectExistsError(StoreError, FileExistsError):
    """Creating or copying would overwrite an existing file."""


class StoreClosedError(StoreError):
    """The project was closed; reopen it to continue."""


class ReadOnlyProjectError(StoreError):
    """A write was attempted on a project opened read-only."""
