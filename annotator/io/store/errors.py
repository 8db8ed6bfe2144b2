"""Exceptions of the project store; each message says what is wrong in the user's words."""

from __future__ import annotations

import sqlite3
from pathlib import Path


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


def translate_sqlite_error(exc: sqlite3.DatabaseError, path: Path) -> StoreError:
    """Turn an sqlite3 error into our own, with a message a user can act on."""
    text = str(exc)
    if "malformed" in text or "not a database" in text or "corrupt" in text or "decode" in text:
        return CorruptProjectError(
            f"{path.name} is damaged (SQLite: {text}); this part of it cannot be read. Nothing "
            "was changed; restore the file from a backup copy."
        )
    if "locked" in text or "busy" in text:
        return StoreError(f"{path.name} is busy in another program ({text})")
    if "disk" in text or "full" in text or "readonly" in text:
        return StoreError(f"cannot write {path.name}: {text}")
    return StoreError(f"{path.name}: {text}")
