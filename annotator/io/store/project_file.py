"""Create, open, copy and Save As project files, validating before anything is written.

Opening checks, read-only: the file exists; its header (read as plain bytes) has the
SQLite magic, our application id and a schema not newer than ours. Then the project lock
is taken and SQLite checks it read-only (version including the WAL, `PRAGMA quick_check`,
tables). Only then is a read-write connection opened (and an older schema migrated, after
a backup copy `<name>.v<N>.bak`). A refused file is left byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from annotator.domain import Project
from annotator.io.store.damage import DamagedRow, damage_notice, index_problem, scan_for_damage
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


def _check_header(path: Path) -> None:
    """Refuse what is plainly not our file from its first 100 bytes, without SQLite (so
    nothing is created beside another program's database)."""
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
    # big-endian header fields: user_version at 60, application_id at 68. We checkpoint
    # after creating a project, so our id is always in the main file's header.
    app_id = int.from_bytes(header[68:72], "big")
    if app_id != APPLICATION_ID:
        raise NotAProjectError(
            f"{path.name} is an SQLite database of another program, not an annotator project"
        )
    _check_version(path, int.from_bytes(header[60:64], "big"))


def _check_version(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{path.name} was saved by a newer annotator (project format {version}; this "
            f"version reads up to {SCHEMA_VERSION}). Update the annotator to open it."
        )


def read_only_location(path: Path) -> str | None:
    """Why the file cannot be written where it is (read-only filesystem, file or folder),
    in words for the user, or None when it can."""
    with contextlib.suppress(OSError, AttributeError):  # no statvfs on Windows
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return f"{path.name} is on a read-only filesystem"
    if not os.access(path, os.W_OK):
        return f"{path.name} is a read-only file"
    if not os.access(path.parent, os.W_OK):
        return f"{path.name} is in a folder that cannot be written ({path.parent})"
    return None


def _read_only_notice(why: str) -> str:
    return f"{why}, so it was opened read-only: to edit it, copy it to a writable folder."


def _ro_connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A read-only connection. Where nothing can be written beside the file (no -shm can be
    made) and no WAL is pending, the file is opened as immutable, which needs no -shm."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    unwritable = read_only_location(path) is not None
    if unwritable and not pending:
        uri += "&immutable=1"
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, timeout=5.0, check_same_thread=check_same_thread
    )
    if pending and unwritable:
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.OperationalError as exc:
            conn.close()
            raise StoreError(
                f"{path.name} cannot be read here: its latest changes are still in "
                f"{wal.name}, which SQLite cannot open on a read-only filesystem without "
                f"writing beside it ({exc}). Copy both files to a writable folder and open "
                "the copy."
            ) from exc
    return conn


@dataclass
class _Checked:
    """What the read-only checks found: schema version and any damaged rows."""

    version: int
    damaged: list[DamagedRow] = field(default_factory=list)
    index_problem: str | None = None

    def notice(self, name: str) -> str | None:
        if not self.damaged and self.index_problem is None:
            return None
        return damage_notice(name, self.damaged, self.index_problem)


def _check_contents(path: Path, *, full_check: bool, tidy: bool) -> _Checked:
    """Read-only checks through SQLite (version incl. the WAL, quick_check, tables, then the
    rows and indexes of masks).

    With `tidy` (only while we hold the project lock) the empty -wal/-shm files that a
    read-only open creates are removed again if the file is refused."""
    existing = {p for p in _sidecars(path) if p.exists()}
    try:
        conn = _ro_connect(path)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path.name}: {exc}") from exc
    refused = True
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise NotAProjectError(f"{path.name} is not an annotator project")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        _check_version(path, version)
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
        checked = _Checked(version)
        if version >= 1:
            checked.damaged = scan_for_damage(conn)
            checked.index_problem = index_problem(conn)
        refused = False
        return checked
    except sqlite3.DatabaseError as exc:
        why = read_only_location(path)
        if why is not None and isinstance(exc, sqlite3.OperationalError):
            msg = f"{why}, and SQLite cannot read it there ({exc}); copy it to a writable folder"
            raise StoreError(msg) from exc
        msg = f"{path.name} is damaged ({exc}); restore it from a backup copy"
        raise CorruptProjectError(msg) from exc
    finally:
        conn.close()
        if refused and tidy:
            for extra in _sidecars(path):
                if extra not in existing and extra.exists():
                    with contextlib.suppress(OSError):
                        if extra.name.endswith("-shm") or extra.stat().st_size == 0:
                            extra.unlink()


def inspect_file(path: str | os.PathLike[str], *, full_check: bool = False) -> int:
    """Validate a project file read-only and return its schema version.

    Raises ProjectNotFoundError, NotAProjectError, NewerSchemaError or CorruptProjectError;
    never writes the file. `full_check` runs `PRAGMA integrity_check` (slow on large
    files) instead of quick_check.
    """
    path = Path(path)
    _check_header(path)
    return _check_contents(path, full_check=full_check, tidy=False).version


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


def _open_read_only(path: Path, checked: _Checked, reason: str | None) -> Project:
    if checked.version < SCHEMA_VERSION:
        raise StoreError(
            f"{path.name} uses an older project format; open it once for editing to upgrade"
        )
    try:
        conn = _ro_connect(path, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path.name}: {exc}") from exc
    storage = SqliteStorage(
        conn, path, read_only=True, read_only_reason=reason, damaged=checked.damaged
    )
    if checked.index_problem is not None:
        storage.note_index_problem(checked.index_problem)
    return Project(storage)


def open_project(path: str | os.PathLike[str], *, read_only: bool = False) -> Project:
    """Open an existing project file for editing (validated first; locked while open).

    `read_only=True` opens without the lock (e.g. to export while a window edits it): it
    sees edits committed elsewhere and refuses writes with `ReadOnlyProjectError`.
    A file that cannot be written where it is (read-only filesystem) or that has damaged
    mask rows opens read-only even for editing; `project.storage.read_only_reason` then says
    why, and `project.storage.damaged_rows` lists the rows that could not be read.
    Close it with `project.close()` (or `with open_project(p) as project:`).
    """
    path = Path(path).absolute()
    _check_header(path)
    unwritable = read_only_location(path)
    if read_only or unwritable is not None:
        checked = _check_contents(path, full_check=False, tidy=False)
        reason = checked.notice(path.name)
        if unwritable is not None and not read_only:
            reason = _read_only_notice(unwritable)
        return _open_read_only(path, checked, reason)
    lock = ProjectLock(path)
    lock.acquire()
    try:
        checked = _check_contents(path, full_check=False, tidy=True)
        version = checked.version
        if checked.notice(path.name) is not None:
            lock.release()
            return _open_read_only(path, checked, checked.notice(path.name))
        if version < SCHEMA_VERSION:
            shutil.copy2(path, path.with_name(f"{path.name}.v{version}.bak"))
    except OSError as exc:
        lock.release()
        raise StoreError(f"cannot back up {path.name} before upgrading it: {exc}") from exc
    except BaseException:
        lock.release()
        raise
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
