"""Cheap content fingerprints, so a project (and the proxy cache) recognises a video later.

Reading a whole multi-gigabyte video to hash it would make opening slow, so a fingerprint hashes
the size plus three 64 KiB chunks (head, middle, tail); a folder hashes every name and size plus
sampled content of three of its images. Renaming a file keeps its fingerprint; editing it does not.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHUNK = 64 * 1024
_VERSION = b"annotator-fingerprint-v1"


def _hash_chunks(h: Any, path: Path, size: int) -> None:
    """Feed the head, middle and tail chunks of the file at `path` into `h`."""
    with open(path, "rb") as fh:
        if size <= 3 * CHUNK:
            h.update(fh.read())
            return
        for offset in (0, size // 2 - CHUNK // 2, size - CHUNK):
            fh.seek(offset)
            h.update(fh.read(CHUNK))


def file_fingerprint(path: str | os.PathLike[str]) -> str:
    """Hex fingerprint of one file from its size and sampled content (32 hex chars)."""
    p = Path(path)
    size = p.stat().st_size
    h = hashlib.blake2b(_VERSION + b"file", digest_size=16)
    h.update(size.to_bytes(8, "little"))
    _hash_chunks(h, p, size)
    return h.hexdigest()


def folder_fingerprint(files: Sequence[Path]) -> str:
    """Hex fingerprint of an ordered list of image files: names, sizes, and three sampled files."""
    h = hashlib.blake2b(_VERSION + b"folder", digest_size=16)
    sizes = []
    for f in files:
        size = f.stat().st_size
        sizes.append(size)
        h.update(f.name.encode("utf-8", "surrogateescape") + b"\0")
        h.update(size.to_bytes(8, "little"))
    if files:
        picks = sorted({0, len(files) // 2, len(files) - 1})
        for k in picks:
            _hash_chunks(h, files[k], sizes[k])
    return h.hexdigest()


_CONTENT_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")


def is_content_fingerprint(fingerprint: str) -> bool:
    """Whether `fingerprint` was made from a file's content by this module (records made
    from frames in memory carry a placeholder such as "unknown" instead)."""
    return _CONTENT_FINGERPRINT.match(fingerprint) is not None
