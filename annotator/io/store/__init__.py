"""The SQLite project file: one project = one file, always the current state (no "save").

- `create_project(path)` / `open_project(path)` -> `annotator.domain.Project` backed by
  `SqliteStorage`; `project.close()` releases the file's lock. Opening validates read-only
  first (SQLite magic, our application id, schema not newer, quick_check) and refuses a bad
  file with `NotAProjectError`, `CorruptProjectError` or `NewerSchemaError`, leaving it
  byte-identical; an older schema is backed up and migrated.
- Every project write is a committed transaction (WAL; synchronous=FULL for user edits,
  NORMAL for `bulk` writes such as propagated frames), so a crash loses at most the frame
  being written.
- `export_copy(project, dest)`: a consistent copy (SQLite backup API); `save_as(project,
  dest)`: copy and continue in the copy; `write_project(project, dest)`: save an in-memory
  project (e.g. built by an importer) as a file.
- `ProjectLock`: `<file>.lock` with PID/host/user; a second opener gets
  `ProjectLockedError` naming the holder; a lock of a dead process is taken over.
- "Where was I": `project.view_state` / `project.set_view_state(ViewState(...))` live in the
  file. Recent projects: `recent_projects()`, `add_recent(path)`, `remove_recent(path)`,
  `clear_recent()`, stored in `config_dir()/recent.json` (`$ANNOTATOR_CONFIG` overrides).
- `open_project(path, read_only=True)`: no lock, no writes (`ReadOnlyProjectError`); for
  exporting while a window edits the project.
- `inspect_file(path)`: validate without opening; returns the schema version.
"""

from annotator.io.store.errors import (
    CorruptProjectError,
    NewerSchemaError,
    NotAProjectError,
    ProjectExistsError,
    ProjectLockedError,
    ProjectNotFoundError,
    ReadOnlyProjectError,
    StoreClosedError,
    StoreError,
)
from annotator.io.store.lock import LockOwner, ProjectLock
from annotator.io.store.project_file import (
    PROJECT_SUFFIX,
    create_project,
    export_copy,
    inspect_file,
    open_project,
    save_as,
    write_project,
)
from annotator.io.store.recent import (
    RecentProject,
    add_recent,
    clear_recent,
    config_dir,
    recent_projects,
    remove_recent,
)
from annotator.io.store.schema import APPLICATION_ID, SCHEMA_VERSION
from annotator.io.store.sqlite_storage import SqliteStorage

__all__ = [
    "APPLICATION_ID",
    "PROJECT_SUFFIX",
    "SCHEMA_VERSION",
    "CorruptProjectError",
    "LockOwner",
    "NewerSchemaError",
    "NotAProjectError",
    "ProjectExistsError",
    "ProjectLock",
    "ProjectLockedError",
    "ProjectNotFoundError",
    "ReadOnlyProjectError",
    "RecentProject",
    "SqliteStorage",
    "StoreClosedError",
    "StoreError",
    "add_recent",
    "clear_recent",
    "config_dir",
    "create_project",
    "export_copy",
    "inspect_file",
    "open_project",
    "recent_projects",
    "remove_recent",
    "save_as",
    "write_project",
]
