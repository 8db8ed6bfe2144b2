"""One writer per project: a clear message naming the holder; stale locks are recovered."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.io.store import ProjectLockedError, create_project, open_project
from annotator.io.store.lock import ProjectLock, read_owner

HOLDER = """
import sys
from annotator.io.store import open_project
project = open_project(sys.argv[1])
print("open", flush=True)
sys.stdin.readline()
project.close()
"""


def make(tmp_path: Path) -> Path:
    path = tmp_path / "p.annotator"
    create_project(path).close()
    return path


def test_second_open_in_same_process_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path)
    first = open_project(path)
    with pytest.raises(ProjectLockedError, match=f"process {os.getpid()}"):
        open_project(path)
    first.close()
    open_project(path).close()  # released on close


def test_other_process_holding_the_lock_is_named(tmp_path: Path) -> None:
    path = make(tmp_path)
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "open"
        with pytest.raises(ProjectLockedError) as info:
            open_project(path)
        message = str(info.value)
        assert f"process {child.pid}" in message and socket.gethostname() in message
    finally:
        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(timeout=30)
    open_project(path).close()


def test_stale_lock_of_dead_process_is_recovered(tmp_path: Path) -> None:
    path = make(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=30)
    lock = tmp_path / "p.annotator.lock"
    lock.write_text(
        json.dumps({"pid": dead.pid, "host": socket.gethostname(), "user": "x", "since": "then"})
    )
    with open_project(path) as project:
        owner = read_owner(lock)
        assert owner is not None and owner.pid == os.getpid()
        project.add_category("works")
    assert not lock.exists()


def test_reused_pid_is_detected_by_start_time(tmp_path: Path) -> None:
    path = make(tmp_path)
    lock = tmp_path / "p.annotator.lock"
    # our own PID, but a different process start time: the PID was reused
    lock.write_text(
        json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": 1, "since": "x"})
    )
    open_project(path).close()


def test_garbage_lock_is_taken_over_but_other_host_is_respected(tmp_path: Path) -> None:
    path = make(tmp_path)
    lock = tmp_path / "p.annotator.lock"
    lock.write_text("{ half a lock")
    open_project(path).close()
    lock.write_text(
        json.dumps({"pid": 1, "host": "elsewhere.example", "user": "ann", "since": "t"})
    )
    with pytest.raises(ProjectLockedError, match="elsewhere.example"):
        open_project(path)
    assert lock.exists()


def test_release_leaves_a_successors_lock_alone(tmp_path: Path) -> None:
    path = make(tmp_path)
    mine = ProjectLock(path)
    mine.acquire()
    os.unlink(mine.path)  # someone broke our lock...
    theirs = ProjectLock(path)
    theirs.acquire()  # ...and took it
    mine.release()
    assert read_owner(theirs.path) == theirs.owner
    theirs.release()
    assert not theirs.path.exists()
