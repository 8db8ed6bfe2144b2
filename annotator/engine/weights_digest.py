"""SHA-256 of cached model files, computed once per (size, mtime) and remembered beside them.

A cached checkpoint of the right size may still be damaged (a flipped bit on disk, a file
copied in by hand). Hashing 900 MB takes seconds, so the digest is kept in
``<file>.sha256.json`` with the size and mtime it was computed for, and computed again only
when either changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path


def sha256_of(path: Path, chunk_size: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in chunks (about 2 s for the 900 MB large model)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def record_path(path: Path) -> Path:
    """Where the remembered digest of `path` is kept."""
    return path.with_name(path.name + ".sha256.json")


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def remember_digest(path: Path, sha256: str) -> None:
    """Record `sha256` as the digest of the file as it is now (best effort: a read-only
    cache only means hashing again next time)."""
    size, mtime = _stamp(path)
    text = json.dumps({"size": size, "mtime_ns": mtime, "sha256": sha256})
    tmp = record_path(path).with_suffix(".tmp")
    with contextlib.suppress(OSError):
        tmp.write_text(text)
        os.replace(tmp, record_path(path))


def known_digest(path: Path) -> str | None:
    """The remembered SHA-256 while the file's size and mtime are unchanged; None when it
    would have to be computed (a new or changed file)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        record = json.loads(record_path(path).read_text())
        if (record["size"], record["mtime_ns"]) == _stamp(path):
            return str(record["sha256"])
    return None


def current_digest(path: Path) -> str:
    """The file's SHA-256: the remembered one while size and mtime are unchanged, else
    computed now (and remembered)."""
    if (known := known_digest(path)) is not None:
        return known
    digest = sha256_of(path)
    remember_digest(path, digest)
    return digest


def forget_digest(path: Path) -> None:
    """Drop the remembered digest (the file is being replaced or deleted)."""
    record_path(path).unlink(missing_ok=True)
