"""Create, open, copy and Save As project files, validating before anything is written.

Opening checks, in order and read-only: the file exists; it starts with the SQLite magic;
it carries our application id; its schema is not newer than ours; `PRAGMA quick_check`
passes. Only then is the project lock taken and a read-write connection opened (and an
older schema migrated, after a backup copy `<name>.v<N>.bak`). A refused file is left
byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import urllib.parse
from pathlib import Path

from annotator.domain import Project
from annotator.io.store.errors import (
    CorruptProjectError,
    NewerSchemaError,
    NotAProjectError,
    ProjectExistsError,
    ProjectNotFoundError,
    StoreError,
)
from annotator.io.store.lock import ProjectLock, lock_path_for
from annotator.io.store.schema import APPLICATION_ID, EXPECTED_TABLES, SCHEMA_VERSION, migrate
from annotator.io.store.sqlite_storage import SqliteStorage, connect

SQLITE_MAGIC = b"SQLite format 3\x00"
PROJECT_SUFFIX = ".annotator"


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal")]


def inspect_file(path: str | os.PathLike[str], *, full_check: bool = False) -> int:
    """Validate a project file read-only and return its schema version.

    Raises ProjectNotFoundError, NotAProjectError, NewerSchemaError or CorruptProjectError.
    `full_check` runs `PRAGMA integrity_check` (slow on large files) instead of quick_check.
    """
    path = Path(path)
    if not path.exists():
        raise ProjectNotFoundError(f"no project file at {path}")
    if not path.is_file():
        raise NotAProjectError(f"{path} is not a file")
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    if not header.startswith(SQLITE_MAGIC):
        raise NotAProjectError(f"{path.name} is not an annotator project (not an SQLite file)")
    if len(header) < 100:
        raise CorruptProjectError(f"{path.name} is truncated ({len(header)} bytes)")

    existing = {p for p in _sidecars(path) if p.exists()}
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=5.0)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path.name}: {exc}") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise NotAProjectError(
                f"{path.name} is an SQLite database of another program, not an annotator project"
            )
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{path.name} was saved by a newer annotator (project format {version}; this "
                f"version reads up to {SCHEMA_VERSION}). Update the annotator to open it."
            )
        check = "integrity_check" if full_check else "quick_check"
        problems = [r[0] for r in conn.execute(f"PRAGMA {check}").fetchmany(5)]
        if problems != ["ok"]:
            raise CorruptProjectError(
                f"{path.name} is damaged ({'; '.join(map(str, problems))}); restore it from a copy"
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version >= 1 and not tables >= EXPECTED_TABLES:
            missing = ", ".join(sorted(EXPECTED_TABLES - tables))
            raise CorruptProjectError(f"{path.name} is damaged (missing tables: {missing})")
        return int(version)
    except sqlite3.DatabaseError as exc:
        raise CorruptProjectError(
            f"{path.name} is damaged ({exc}); restore it from a copy"
        ) from exc
    finally:
        conn.close()
        for extra in _sidecars(path):  # a read-only open may leave an empty -shm/-wal behind
            if extra not in existing and extra.exists():
                with contextlib.suppress(OSError):
                    if extra.name.endswith("-shm") or extra.stat().st_size == 0:
                        extra.unlink()


def _open_locked(path: Path, lock: ProjectLock) -> Project:
    """Open a validated, locked file read-write (migrating if older) as a Project."""
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        lock.release()
        raise StoreError(f"cannot open {path.name} for writing: {exc}") from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                migrate(conn, version)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        storage = SqliteStorage(conn, path, on_close=lock.release)
        return Project(storage)
    except BaseException:
        conn.close()
        lock.release()
        raise


def open_project(path: str | os.PathLike[str]) -> Project:
    """Open an existing project file for editing (validated first; locked while open).

    Close it with `project.close()` (or `with open_project(p) as project:`).
    """
    path = Path(path).absolute()
    version = inspect_file(path)
    lock = ProjectLock(path)
    lock.acquire()
    try:
        if version < SCHEMA_VERSION:
            backup = path.with_name(f"{path.name}.v{version}.bak")
            shutil.copy2(path, backup)
    except OSError as exc:
        lock.release()
        raise StoreError(f"cannot back up {path.name} before upgrading it: {exc}") from exc
    return _open_locked(path, lock)


def create_project(path: str | os.PathLike[str], *, overwrite: bool = False) -> Project:
    """Create a new, empty project file and open it."""
    path = Path(path).absolute()
    if path.exists() and not overwrite:
        raise ProjectExistsError(f"{path} already exists")
    if not path.parent.is_dir():
        raise StoreError(f"folder {path.parent} does not exist")
    lock = ProjectLock(path)
    lock.acquire()
    try:
        for extra in [path, *_sidecars(path)]:
            with contextlib.suppress(FileNotFoundError):
                extra.unlink()
        conn = connect(path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            migrate(conn, 0)
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        lock.release()
        raise StoreError(f"cannot create {path}: {exc}") from exc
    except BaseException:
        lock.release()
        raise
    return _open_locked(path, lock)


def _storage_of(project: Project) -> SqliteStorage:
    storage = project.storage
    if not isinstance(storage, SqliteStorage):
        raise StoreError("this project is not backed by a project file")
    return storage


def export_copy(project: Project, dest: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a consistent copy of the project to `dest` (SQLite backup API, or a full
    write-out for an in-memory project); the open project stays where it is."""
    dest = Path(dest).absolute()
    if dest.exists() and not overwrite:
        raise ProjectExistsError(f"{dest} already exists")
    if lock_path_for(dest).exists():
        raise StoreError(f"{dest.name} is open in another window; close it before replacing it")
    storage = project.storage
    if isinstance(storage, SqliteStorage) and dest == storage.path:
        raise StoreError("a copy cannot replace the open project itself")
    tmp = dest.with_name(f".{dest.name}.partial")
    for extra in [tmp, *_sidecars(tmp)]:
        with contextlib.suppress(FileNotFoundError):
            extra.unlink()
    try:
        if isinstance(storage, SqliteStorage):
            target = sqlite3.connect(str(tmp))
            try:
                with project._lock:  # noqa: SLF001 - no writes while the pages are copied
                    storage.conn.backup(target)
                target.execute("PRAGMA journal_mode = WAL")
                target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                target.close()
        else:
            _write_out(project, tmp)
        os.replace(tmp, dest)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write a copy to {dest}: {exc}") from exc
    finally:
        for extra in [tmp, *_sidecars(tmp)]:
            with contextlib.suppress(FileNotFoundError):
                extra.unlink()
    return dest


def save_as(project: Project, dest: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Copy the project to `dest` and continue editing there (the old file stays as it was)."""
    storage = _storage_of(project)
    dest = export_copy(project, dest, overwrite=overwrite)
    lock = ProjectLock(dest)
    lock.acquire()
    try:
        conn = connect(dest)
    except BaseException:
        lock.release()
        raise
    with project._lock:  # noqa: SLF001
        old_conn, old_release = storage.conn, storage._on_close  # noqa: SLF001
        storage._replace_connection(conn, dest, lock.release)  # noqa: SLF001
        old_conn.close()
        if old_release is not None:
            old_release()
    return dest


def write_project(
    project: Project, dest: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Save any project (e.g. one an importer built in memory) as a new project file."""
    return export_copy(project, dest, overwrite=overwrite)


def _write_out(source: Project, path: Path) -> None:
    """Write every record of `source` into a fresh project file at `path`."""
    target = create_project(path, overwrite=True)
    try:
        with target.transaction():
            for cat in source.categories:
                target.put_category(cat)
            for video in source.videos:
                target.put_video(video)
            for track in source.tracks():
                target.put_track(track)
            for video in source.videos:
                target.put_masks(source.masks(video.id))
            src_store, dst_store = source.storage, target.storage
            for kind in ("category", "video", "track"):
                value = src_store.get_meta(f"next_id.{kind}")
                if value is not None:
                    dst_store.set_meta(f"next_id.{kind}", value)
            view = src_store.get_meta("view_state")
            if view is not None:
                dst_store.set_meta("view_state", view)
    finally:
        target.close()
