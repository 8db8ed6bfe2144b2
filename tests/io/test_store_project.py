"""The SQLite project file: round trips, durability of every edit, copies, view state,
migrations and the storage contract shared with MemoryStorage."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.domain import (
    AddCategory,
    AddTrack,
    AddVideo,
    FrameMask,
    History,
    Project,
    Prompt,
    Provenance,
    SetMask,
    ViewState,
)
from annotator.io.store import (
    SCHEMA_VERSION,
    ProjectExistsError,
    ReadOnlyProjectError,
    SqliteStorage,
    StoreClosedError,
    StoreError,
    create_project,
    export_copy,
    inspect_file,
    open_project,
    save_as,
    write_project,
)
from annotator.io.store.schema import APPLICATION_ID
from tests.domain.helpers import blob_mask, dump

H, W = 36, 48


def populate(project: Project) -> tuple[int, int, int]:
    h = History(project)
    vid = h.execute(AddVideo("/videos/a.mp4", "sha:1", 29.97, W, H, 40)).video_id
    cat = h.execute(AddCategory("person", "#ff8800")).category_id
    t1 = h.execute(AddTrack(vid, "walker", cat)).track_id
    t2 = h.execute(AddTrack(vid, None, None)).track_id
    prompt = Prompt(points=[(3.5, 4.25), (10, 11)], labels=[1, 0], box=(1, 2, 30, 20))
    h.execute(SetMask(vid, 0, t1, blob_mask(H, W, 20, 15, 9, 7), Provenance.PROMPTED, 2.5, prompt))
    with h.begin_batch() as batch:
        for f in range(1, 25):
            batch.add_frame(
                [
                    FrameMask(vid, f, t1, blob_mask(H, W, 10 + f, 15, 9, 7), score=1.0 - f / 50),
                    FrameMask(vid, f, t2, blob_mask(H, W, 30, 10 + f % 9, 6, 5), score=None),
                ]
            )
    project.set_view_state(ViewState(vid, 17, t2))
    return vid, t1, t2


def test_every_edit_is_on_disk_without_saving(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    project = create_project(path)
    populate(project)
    expected = dump(project)
    # a second, read-only connection sees the committed state while the project is open
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert ro.execute("SELECT COUNT(*) FROM masks").fetchone()[0] == 49
    ro.close()
    project.close()
    with open_project(path) as again:
        assert dump(again) == expected
        assert again.view_state.frame == 17
        assert again.mask(1, 0, 1).prompt == Prompt(  # type: ignore[union-attr]
            points=[(3.5, 4.25), (10, 11)], labels=[1, 0], box=(1, 2, 30, 20)
        )
        assert isinstance(again.storage, SqliteStorage)
    assert not (tmp_path / "p.annotator.lock").exists()
    assert not (tmp_path / "p.annotator-wal").exists()


def test_file_format_marks(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    create_project(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM masks WHERE video_id = 1 AND frame = 3"
    ).fetchall()
    assert "INDEX" in str(plan).upper()
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM masks WHERE video_id = 1 AND track_id = 2 ORDER BY frame"
    ).fetchall()
    assert "masks_by_track" in str(plan) or "masks_keyframes" in str(plan)
    conn.close()
    assert inspect_file(path) == SCHEMA_VERSION


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    path.write_bytes(b"precious")
    with pytest.raises(ProjectExistsError):
        create_project(path)
    assert path.read_bytes() == b"precious"
    with pytest.raises(StoreError):
        create_project(tmp_path / "missing-folder" / "p.annotator")


def test_closed_project_refuses_use(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p.annotator")
    project.close()
    with pytest.raises(StoreClosedError):
        project.add_category("x")
    with pytest.raises(StoreClosedError):
        project.count_masks()


def test_export_copy_and_save_as(tmp_path: Path) -> None:
    original = tmp_path / "a.annotator"
    project = create_project(original)
    populate(project)
    expected = dump(project)
    copy = export_copy(project, tmp_path / "copy.annotator")
    with pytest.raises(ProjectExistsError):
        export_copy(project, copy)
    moved = save_as(project, tmp_path / "b.annotator")
    assert project.storage.path == moved  # type: ignore[attr-defined]
    assert not (tmp_path / "a.annotator.lock").exists()
    assert (tmp_path / "b.annotator.lock").exists()
    project.add_category("only in b")
    project.close()
    for path, extra in ((original, []), (copy, []), (moved, ["only in b"])):
        with open_project(path) as p:
            d = dump(p)
            assert d["masks"] == expected["masks"] and d["tracks"] == expected["tracks"]
            assert [c.name for c in p.categories] == ["person", *extra]


def test_write_project_saves_an_in_memory_project(tmp_path: Path) -> None:
    memory = Project()
    populate(memory)
    path = write_project(memory, tmp_path / "imported.annotator")
    with open_project(path) as p:
        assert dump(p) == dump(memory)
        assert p.view_state == memory.view_state
        # ids keep counting where the in-memory project stopped
        assert p.allocate_id("track") == memory.allocate_id("track")


def test_storage_contract_matches_memory_storage(tmp_path: Path) -> None:
    """Same writes, same reads: the SQLite store behaves exactly like MemoryStorage."""
    memory = Project()
    disk = create_project(tmp_path / "p.annotator")
    try:
        for project in (memory, disk):
            vid, t1, t2 = populate(project)
            project.remove_masks([(vid, 5, t1), (vid, 6, t2), (vid, 99, t1)])
        for args in [
            (vid, None, None, None),
            (vid, t1, 3, 9),
            (vid, t2, None, 4),
            (vid, t1, 30, None),
        ]:
            assert list(memory.storage.iter_masks(*args)) == list(disk.storage.iter_masks(*args))
        for t in (t1, t2, None):
            for first, last in ((None, None), (3, 9), (None, 4), (30, None)):
                assert memory.frames_with_masks(vid, t, first, last) == disk.frames_with_masks(
                    vid, t, first, last
                )
        assert memory.frame_masks(vid, 7) == disk.frame_masks(vid, 7)
        assert memory.keyframes(vid, t1) == disk.keyframes(vid, t1) == [0]
        assert memory.count_masks(vid) == disk.count_masks(vid) == 47
        assert dump(memory) == dump(disk)
    finally:
        disk.close()


def test_old_schema_is_backed_up_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.annotator"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a version-0 project file
    conn.commit()
    conn.close()
    original = path.read_bytes()
    with open_project(path) as project:
        assert project.categories == []
        project.add_category("after upgrade")
    assert (tmp_path / "old.annotator.v0.bak").read_bytes() == original
    assert inspect_file(path) == SCHEMA_VERSION


def test_read_only_open_sees_live_edits_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "p.annotator"
    writer = create_project(path)
    vid, t1, _ = populate(writer)
    reader = open_project(path, read_only=True)  # no lock: the writer keeps it
    try:
        assert dump(reader) == dump(writer)
        writer.remove_masks([(vid, 3, t1)])
        assert reader.mask(vid, 3, t1) is None  # committed edits are visible at once
        with pytest.raises(ReadOnlyProjectError):
            reader.add_category("nope")
        assert [c.name for c in reader.categories] == ["person"]
    finally:
        reader.close()
        writer.close()


@pytest.mark.parametrize("error", [RuntimeError, StoreError])
def test_failed_inner_transaction_rolls_back_only_itself(
    tmp_path: Path, error: type[Exception]
) -> None:
    """A caught failure inside a transaction undoes just its own writes (savepoints)."""
    for project in (Project(), create_project(tmp_path / f"{error.__name__}.annotator")):
        with project.transaction():
            project.add_category("kept")
            with pytest.raises(error), project.transaction():
                project.add_category("dropped")
                raise error("inner failure")
            project.add_category("also kept")
        assert [c.name for c in project.categories] == ["kept", "also kept"]
        project.close()
