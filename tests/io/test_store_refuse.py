"""Bad files are refused with a clear message and left byte-identical (and nothing is
created beside them)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from annotator.domain import AddTrack, AddVideo, FrameMask, History
from annotator.io.store import (
    CorruptProjectError,
    NewerSchemaError,
    NotAProjectError,
    ProjectNotFoundError,
    StoreError,
    create_project,
    open_project,
)
from tests.domain.helpers import blob_mask


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused(path: Path, error: type[StoreError], match: str) -> None:
    before = digest(path)
    listing = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(error, match=match):
        open_project(path)
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing


def real_project(path: Path, frames: int = 60) -> Path:
    project = create_project(path)
    h = History(project)
    vid = h.execute(AddVideo("a.mp4", "fp", 25, 160, 120, frames)).video_id
    tid = h.execute(AddTrack(vid)).track_id
    with h.begin_batch() as batch:
        for f in range(frames):
            batch.add_frame([FrameMask(vid, f, tid, blob_mask(120, 160, 40 + f, 60, 30, 20))])
    project.close()
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError, match="no project file"):
        open_project(tmp_path / "nope.annotator")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, I am a text file\n" * 20, bytes(range(256)) * 40, b"SQLite format 3\x00"],
    ids=["empty", "text", "binary", "magic-only"],
)
def test_not_sqlite(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.annotator"
    path.write_bytes(content)
    error = CorruptProjectError if content.startswith(b"SQLite") else NotAProjectError
    assert_refused(path, error, "fake.annotator")


def test_other_programs_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    assert_refused(path, NotAProjectError, "another program")


def test_newer_schema(tmp_path: Path) -> None:
    path = real_project(tmp_path / "new.annotator", frames=3)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    assert_refused(path, NewerSchemaError, "newer annotator")


@pytest.mark.parametrize("where", ["middle", "truncated", "header-page"])
def test_corrupt_file(tmp_path: Path, where: str) -> None:
    path = real_project(tmp_path / "bad.annotator")
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    if where == "middle":
        for p in range(2, len(data) // page, 2):  # scribble over every other b-tree page
            data[p * page + 8 : p * page + 200] = b"\xa5" * 192
    elif where == "truncated":
        del data[len(data) // 2 + 100 :]
    else:
        data[100:400] = b"\x00\xff" * 150  # the schema table's page header
    path.write_bytes(bytes(data))
    assert_refused(path, CorruptProjectError, "damaged|restore")


def test_directory_is_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError):
        open_project(tmp_path)
