"""The project file's schema, its version and the migrations that reach it.

`user_version` holds the schema version and `application_id` marks the file as ours.
Version 0 is an empty database: creating a project is the migration 0 -> 1, so the
upgrade path is exercised from day one. Add a migration by appending to `MIGRATIONS`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

APPLICATION_ID = 0x414E4E4F  # "ANNO"
SCHEMA_VERSION = 1

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    export_id INTEGER NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE videos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    fps REAL NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    num_frames INTEGER NOT NULL
);
CREATE TABLE tracks (
    id INTEGER PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos(id),
    category_id INTEGER REFERENCES categories(id),
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    hidden INTEGER NOT NULL,
    locked INTEGER NOT NULL
);
CREATE INDEX tracks_by_video ON tracks(video_id);
CREATE TABLE masks (
    video_id INTEGER NOT NULL REFERENCES videos(id),
    frame INTEGER NOT NULL,
    track_id INTEGER NOT NULL REFERENCES tracks(id),
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    rle BLOB NOT NULL,
    provenance TEXT NOT NULL
        CHECK (provenance IN ('prompted', 'propagated', 'edited', 'imported')),
    score REAL,
    prompt TEXT,
    PRIMARY KEY (video_id, frame, track_id)
);
CREATE INDEX masks_by_track ON masks(video_id, track_id, frame);
CREATE INDEX masks_keyframes ON masks(video_id, track_id, frame)
    WHERE provenance IN ('prompted', 'edited');
"""

EXPECTED_TABLES = frozenset({"meta", "categories", "videos", "tracks", "masks"})


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    # statement by statement: executescript() would COMMIT the caller's transaction
    for statement in _V1.split(";"):
        if statement.strip():
            conn.execute(statement)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _migrate_0_to_1,
}
"""from_version -> function bringing a file inside an open transaction to from_version + 1."""


def migrate(conn: sqlite3.Connection, current: int, target: int = SCHEMA_VERSION) -> None:
    """Run migrations current -> target inside the caller's transaction; sets user_version."""
    for version in range(current, target):
        MIGRATIONS[version](conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {int(target)}")
