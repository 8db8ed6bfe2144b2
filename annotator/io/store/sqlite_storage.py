"""`SqliteStorage`: the ProjectStorage of a project file (stdlib sqlite3, WAL).

Every outermost transaction is one SQLite transaction (BEGIN IMMEDIATE .. COMMIT); nested
ones are savepoints. User edits commit with synchronous=FULL, bulk writes (propagated
frames) with NORMAL: in WAL mode both survive a killed process; FULL also survives power loss.
Masks are rows of compressed RLE bytes, read lazily by (video, frame) or (video, track, frame).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from annotator.domain import (
    Category,
    FrameMask,
    MaskKey,
    Track,
    Video,
    colour_to_hex,
    parse_colour,
)
from annotator.io.store.damage import (
    MASK_READ_COLUMNS,
    MASK_WRITE_COLUMNS,
    DamagedRow,
    DamagedRowError,
    damage_notice,
    mask_from_row,
    mask_to_row,
)
from annotator.io.store.errors import (
    ReadOnlyProjectError,
    StoreClosedError,
    StoreError,
    translate_sqlite_error,
)

_KEY_PROVENANCES = ("prompted", "edited")


def connect(path: Path) -> sqlite3.Connection:
    """A read-write connection with our pragmas (autocommit mode: we issue BEGIN ourselves)."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=5.0)
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        conn.close()
        raise StoreError(f"cannot switch {path} to WAL journaling (got {mode!r})")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -32768")  # 32 MiB page cache
    return conn


class SqliteStorage:
    """ProjectStorage over one open SQLite connection; thread-safe behind one lock.

    Construct through `annotator.io.store.open_project` / `create_project`, which validate
    the file and take the project lock first.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        on_close: Any = None,
        *,
        read_only: bool = False,
        read_only_reason: str | None = None,
        damaged: list[DamagedRow] | None = None,
    ) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.read_only = read_only
        # why a project asked for editing was opened read-only (for the user), or None
        self.read_only_reason = read_only_reason
        self._damaged = {(r.video_id, r.frame, r.track_id): r for r in damaged or ()}
        self._index_problem: str | None = None
        self.path = Path(path)
        self._on_close = on_close
        self._lock = threading.RLock()
        self._depth = 0
        self._sync = "FULL"

    # --- plumbing -----------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreClosedError(f"project {self.path.name} is closed")
        return self._conn

    def _replace_connection(self, conn: sqlite3.Connection, path: Path, on_close: Any) -> None:
        """Switch to another file (Save As); the caller closes the old one's resources."""
        self._conn, self.path, self._on_close = conn, Path(path), on_close
        self._sync = "FULL"

    @contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[None]:
        with self._lock:
            conn = self.conn
            if self.read_only:
                raise ReadOnlyProjectError(
                    self.read_only_reason
                    or f"{self.path.name} was opened read-only; open it for editing to change it"
                )
            if self._depth == 0:
                sync = "NORMAL" if bulk else "FULL"
                if sync != self._sync:
                    conn.execute(f"PRAGMA synchronous = {sync}")
                    self._sync = sync
                begin, commit, rollback = "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"
            else:
                name = f"sp{self._depth}"
                begin, commit = f"SAVEPOINT {name}", f"RELEASE {name}"
                rollback = f"ROLLBACK TO {name}; RELEASE {name}"
            self._execute(begin)
            self._depth += 1
            try:
                yield
                self._execute(commit)  # a failed COMMIT (disk full...) rolls back below
            except BaseException:
                for statement in rollback.split("; "):
                    # the transaction may already be gone (e.g. after a disk I/O error)
                    with suppress(sqlite3.Error):
                        conn.execute(statement)
                raise
            finally:
                self._depth -= 1

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, tuple(params))
        except sqlite3.DatabaseError as exc:
            raise translate_sqlite_error(exc, self.path) from exc

    def _write(self, sql: str, params: Iterable[Any] = ()) -> None:
        if self._depth == 0:
            raise StoreError("store writes must happen inside transaction()")
        try:
            self.conn.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"the project file refused an inconsistent write: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise translate_sqlite_error(exc, self.path) from exc

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self._lock:
            if self._index_problem is not None:
                sql = sql.replace("FROM masks WHERE", "FROM masks NOT INDEXED WHERE")
            try:
                return self.conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.DatabaseError as exc:
                if "malformed" not in str(exc) or "FROM masks WHERE" not in sql:
                    raise translate_sqlite_error(exc, self.path) from exc
                first = exc
            try:  # a damaged index (quick_check passes): read the table itself
                unindexed = sql.replace("FROM masks WHERE", "FROM masks NOT INDEXED WHERE")
                rows = self.conn.execute(unindexed, tuple(params)).fetchall()
            except sqlite3.DatabaseError as exc:
                raise translate_sqlite_error(exc, self.path) from first
            self.note_index_problem(f"SQLite: {first}")
            return rows

    # --- damage -------------------------------------------------------------------------
    @property
    def damaged_rows(self) -> list[DamagedRow]:
        """Mask rows found unreadable so far (at opening, or when read); they are skipped."""
        with self._lock:
            return sorted(self._damaged.values())

    @property
    def damage_notice(self) -> str | None:
        """The message for a user when rows or the index are damaged, else None."""
        with self._lock:
            if not self._damaged and self._index_problem is None:
                return None
            return damage_notice(self.path.name, self.damaged_rows, self._index_problem)

    def note_index_problem(self, problem: str) -> None:
        """Read masks without the damaged indexes from now on, and write nothing more."""
        with self._lock:
            self._index_problem = problem
            self._become_read_only()

    def _become_read_only(self) -> None:
        """Stop writing into a file found damaged: every later write explains why."""
        self.read_only = True
        self.read_only_reason = self.damage_notice

    def _masks(self, rows: list[Any]) -> list[FrameMask]:
        """FrameMasks of rows read; a damaged row is skipped and remembered."""
        out = []
        for row in rows:
            try:
                out.append(mask_from_row(row))
            except DamagedRowError as exc:
                key = (int(row[0]), int(row[1]), int(row[2]))
                with self._lock:
                    self._damaged.setdefault(key, DamagedRow(*key, exc.reason))
                    self._become_read_only()
        return out

    def close(self) -> None:
        """Commit nothing further, close the connection and release the lock."""
        with self._lock:
            if self._conn is None:
                return
            conn, self._conn = self._conn, None
            if not self.read_only:
                with suppress(sqlite3.Error):  # fold the WAL back: the file stands alone
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            if self._on_close is not None:
                self._on_close()

    @property
    def closed(self) -> bool:
        return self._conn is None

    # --- metadata -----------------------------------------------------------------------
    def load_categories(self) -> list[Category]:
        rows = self._query(
            "SELECT id, name, colour, export_id, position FROM categories ORDER BY position, id"
        )
        return [Category(r[0], r[1], parse_colour(r[2]), r[3], r[4]) for r in rows]

    def load_videos(self) -> list[Video]:
        rows = self._query(
            "SELECT id, path, fingerprint, fps, width, height, num_frames FROM videos ORDER BY id"
        )
        return [Video(*r) for r in rows]

    def load_tracks(self) -> list[Track]:
        rows = self._query(
            "SELECT id, video_id, category_id, name, colour, hidden, locked FROM tracks ORDER BY id"
        )
        return [
            Track(r[0], r[1], r[2], r[3], parse_colour(r[4]), bool(r[5]), bool(r[6])) for r in rows
        ]

    def put_category(self, category: Category) -> None:
        self._write(
            "INSERT INTO categories (id, name, colour, export_id, position) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
            "colour = excluded.colour, export_id = excluded.export_id, "
            "position = excluded.position",
            (category.id, category.name, colour_to_hex(category.colour), category.export_id,
             category.order),
        )  # fmt: skip

    def delete_category(self, category_id: int) -> None:
        self._write("DELETE FROM categories WHERE id = ?", (category_id,))

    def put_video(self, video: Video) -> None:
        self._write(
            "INSERT INTO videos (id, path, fingerprint, fps, width, height, num_frames) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET path = excluded.path, "
            "fingerprint = excluded.fingerprint, fps = excluded.fps, width = excluded.width, "
            "height = excluded.height, num_frames = excluded.num_frames",
            (video.id, video.path, video.fingerprint, video.fps, video.width, video.height,
             video.num_frames),
        )  # fmt: skip
        self._write_relative_path(video)

    def _write_relative_path(self, video: Video) -> None:
        """Also keep the video's path relative to the project, to find it after a move."""
        key = f"video.{video.id}.relative_path"
        try:
            relative: str | None = os.path.relpath(video.path, self.path.parent)
        except ValueError:  # another drive (Windows)
            relative = None
        self.set_meta(key, relative if Path(video.path).is_absolute() else None)

    def delete_video(self, video_id: int) -> None:
        self._write("DELETE FROM videos WHERE id = ?", (video_id,))
        self.set_meta(f"video.{video_id}.relative_path", None)

    def put_track(self, track: Track) -> None:
        # UPSERT, not REPLACE: REPLACE deletes the row first, which the masks' FK forbids
        self._write(
            "INSERT INTO tracks (id, video_id, category_id, name, colour, hidden, locked) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "video_id = excluded.video_id, category_id = excluded.category_id, "
            "name = excluded.name, colour = excluded.colour, hidden = excluded.hidden, "
            "locked = excluded.locked",
            (track.id, track.video_id, track.category_id, track.name, colour_to_hex(track.colour),
             int(track.hidden), int(track.locked)),
        )  # fmt: skip

    def delete_track(self, track_id: int) -> None:
        self._write("DELETE FROM tracks WHERE id = ?", (track_id,))

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._write("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- masks --------------------------------------------------------------------------
    def get_mask(self, video_id: int, frame: int, track_id: int) -> FrameMask | None:
        rows = self._query(
            f"SELECT {MASK_READ_COLUMNS} FROM masks WHERE video_id = ? AND frame = ? "
            "AND track_id = ?",
            (video_id, frame, track_id),
        )
        found = self._masks(rows)
        return found[0] if found else None

    def frame_masks(self, video_id: int, frame: int) -> list[FrameMask]:
        rows = self._query(
            f"SELECT {MASK_READ_COLUMNS} FROM masks WHERE video_id = ? AND frame = ? "
            "ORDER BY track_id",
            (video_id, frame),
        )
        return self._masks(rows)

    def iter_masks(
        self,
        video_id: int,
        track_id: int | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> Iterator[FrameMask]:
        where, params = ["video_id = ?"], [video_id]
        if track_id is not None:
            where.append("track_id = ?")
            params.append(track_id)
        if first is not None:
            where.append("frame >= ?")
            params.append(first)
        if last is not None:
            where.append("frame <= ?")
            params.append(last)
        rows = self._query(
            f"SELECT {MASK_READ_COLUMNS} FROM masks WHERE {' AND '.join(where)} "
            "ORDER BY frame, track_id",
            params,
        )
        return iter(self._masks(rows))

    def frames_with_masks(
        self,
        video_id: int,
        track_id: int | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> list[int]:
        where, params = ["video_id = ?"], [video_id]
        for clause, value in (
            ("track_id = ?", track_id),
            ("frame >= ?", first),
            ("frame <= ?", last),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        distinct = "DISTINCT " if track_id is None else ""
        rows = self._query(
            f"SELECT {distinct}frame FROM masks WHERE {' AND '.join(where)} ORDER BY frame", params
        )
        return [r[0] for r in rows]

    def keyframes(self, video_id: int, track_id: int) -> list[int]:
        rows = self._query(
            "SELECT frame FROM masks WHERE video_id = ? AND track_id = ? "
            "AND provenance IN ('prompted', 'edited') ORDER BY frame",
            (video_id, track_id),
        )
        return [r[0] for r in rows]

    def count_masks(self, video_id: int | None = None) -> int:
        if video_id is None:
            rows = self._query("SELECT COUNT(*) FROM masks")
        else:
            rows = self._query("SELECT COUNT(*) FROM masks WHERE video_id = ?", (video_id,))
        return int(rows[0][0])

    def put_masks(self, records: Iterable[FrameMask]) -> None:
        rows = [mask_to_row(r) for r in records]
        if self._depth == 0:
            raise StoreError("store writes must happen inside transaction()")
        try:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO masks ({MASK_WRITE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"the project file refused an inconsistent mask: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise translate_sqlite_error(exc, self.path) from exc

    def delete_masks(self, keys: Iterable[MaskKey]) -> None:
        if self._depth == 0:
            raise StoreError("store writes must happen inside transaction()")
        try:
            self.conn.executemany(
                "DELETE FROM masks WHERE video_id = ? AND frame = ? AND track_id = ?", list(keys)
            )
        except sqlite3.DatabaseError as exc:
            raise translate_sqlite_error(exc, self.path) from exc
