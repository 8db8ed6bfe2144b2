"""A lock file beside the project so two windows or processes never write one project.

`<project>.lock` holds JSON {pid, host, user, started, since}. It is created atomically
(written to a temporary name, then hard-linked into place, which fails if it exists), so a
lock file is never seen half-written. A lock whose process is gone (same host, PID dead or
reused by another program) is stale and taken over.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import getpass
import json
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from annotator.io.store.errors import ProjectLockedError, StoreError


@dataclass(frozen=True)
class LockOwner:
    """Who holds a project: process id, host, user, process start tick and since when."""

    pid: int
    host: str
    user: str
    started: int | None
    since: str
    token: str = ""  # random per lock: tells our own lock file from a successor's

    def describe(self) -> str:
        return f"process {self.pid} of user {self.user} on {self.host} (since {self.since})"


def lock_path_for(project_path: Path) -> Path:
    return project_path.with_name(project_path.name + ".lock")


def _process_start(pid: int) -> int | None:
    """Start time of a process in clock ticks since boot (Linux), to detect PID reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _current_owner() -> LockOwner:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return LockOwner(
        pid=os.getpid(),
        host=socket.gethostname(),
        user=user,
        started=_process_start(os.getpid()),
        since=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        token=uuid.uuid4().hex,
    )


def read_owner(lock_file: Path) -> LockOwner | None:
    """The owner recorded in a lock file, or None when it is missing or unreadable."""
    try:
        data = json.loads(lock_file.read_text(encoding="utf-8"))
        return LockOwner(
            pid=int(data["pid"]),
            host=str(data["host"]),
            user=str(data.get("user", "unknown")),
            started=None if data.get("started") is None else int(data["started"]),
            since=str(data.get("since", "?")),
            token=str(data.get("token", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_stale(owner: LockOwner | None) -> bool:
    """True when the lock's process certainly no longer runs (same host only)."""
    if owner is None:
        return True  # unreadable: we never write partial lock files, so this is garbage
    if owner.host != socket.gethostname():
        return False  # cannot see processes of another machine; assume it is alive
    if not _pid_alive(owner.pid):
        return True
    if owner.started is not None:
        now = _process_start(owner.pid)
        return now is not None and now != owner.started  # PID reused by another process
    return False


class ProjectLock:
    """Holds `<project>.lock` while a project is open for writing."""

    def __init__(self, project_path: Path) -> None:
        self.project_path = Path(project_path)
        self.path = lock_path_for(self.project_path)
        self.owner = _current_owner()
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self) -> None:
        """Take the lock or raise ProjectLockedError naming who holds it."""
        payload = json.dumps(self.owner.__dict__).encode("utf-8")
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as exc:
            raise StoreError(
                f"cannot create a lock file beside {self.project_path}: {exc}"
            ) from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            for _attempt in range(3):
                try:
                    os.link(tmp, self.path)
                    self._held = True
                    return
                except FileExistsError:
                    holder = read_owner(self.path)
                    if not is_stale(holder):
                        assert holder is not None
                        raise ProjectLockedError(
                            f"{self.project_path.name} is already open in {holder.describe()}. "
                            f"Close it there first (if that process is gone, delete {self.path})."
                        ) from None
                    self._break_stale(holder)
                except OSError as exc:
                    raise StoreError(f"cannot lock {self.project_path}: {exc}") from exc
            raise ProjectLockedError(
                f"{self.project_path.name} is being opened by another process at the same time"
            )
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def _break_stale(self, holder: LockOwner | None) -> None:
        """Remove a stale lock, unless it changed since we read it (another taker won)."""
        if read_owner(self.path) != holder:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def release(self) -> None:
        """Remove the lock file if it is still ours."""
        if not self._held:
            return
        self._held = False
        holder = read_owner(self.path)
        if holder is not None and holder.token == self.owner.token:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
