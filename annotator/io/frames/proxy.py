"""Scrubbing proxies: a small JPEG of every frame, in memory up to a budget, spilled to disk beyond.

The timeline shows `proxy(i)` at once while the exact frame decodes. Proxies of a finished pass
are saved under the cache folder, keyed by the content fingerprint, and reused on reopening.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

PROXY_MAX_SIDE = 960
PROXY_JPEG_QUALITY = 75
DEFAULT_PROXY_MEMORY_BYTES = 96 * 1024 * 1024
DEFAULT_CACHE_DIR_BYTES = 4 * 1024 * 1024 * 1024
_STALE_SPILL_SECONDS = 24 * 3600
_FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    """`$ANNOTATOR_CACHE/proxies`, else `$XDG_CACHE_HOME/annotator/proxies` (~/.cache), like
    the model weights' cache."""
    root = os.environ.get("ANNOTATOR_CACHE")
    if root:
        return Path(root) / "proxies"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "annotator" / "proxies"


def proxy_size(width: int, height: int, max_side: int = PROXY_MAX_SIDE) -> tuple[int, int]:
    """(width, height) of a proxy: the frame divided by the smallest whole factor that brings its
    long side to <= max_side (1280x720 -> 640x360, 1920x1080 -> 960x540, 3840x2160 -> 960x540).

    Whole factors make the reduction an exact box filter: cheap, and free of aliasing.
    """
    factor = max(1, -(-max(width, height) // max_side))
    return max(1, round(width / factor)), max(1, round(height / factor))


def encode_proxy(
    bgr: np.ndarray, size: tuple[int, int], quality: int = PROXY_JPEG_QUALITY
) -> bytes:
    """JPEG bytes of a BGR frame resized to `size` (w, h)."""
    h, w = bgr.shape[:2]
    if (w, h) != size:
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV failed to JPEG-encode a proxy frame")
    return buf.tobytes()


def decode_proxy(data: bytes) -> np.ndarray:
    """RGB uint8 (h, w, 3) array from proxy JPEG bytes."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("a proxy JPEG in the cache is corrupt")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class ProxyStore:
    """Proxy JPEGs by frame index; thread-safe (one pass writes, any thread reads).

    Proxies live in memory until `memory_bytes` is used; later ones are appended to a spill file
    (when a cache folder is usable) and read back with positioned reads.
    """

    def __init__(
        self,
        size: tuple[int, int],
        *,
        memory_bytes: int = DEFAULT_PROXY_MEMORY_BYTES,
        spill_path: Path | None = None,
    ) -> None:
        self.size = size
        self._memory_budget = memory_bytes
        self._memory_used = 0
        self._in_memory: dict[int, bytes] = {}
        self._spans: list[tuple[int, int]] = []  # (offset, length) in the data file, per frame
        self._spill_path = spill_path
        self._spill: Any = None
        self._spill_size = 0
        self._read_fd: int | None = None
        self._lock = threading.Lock()
        # why proxies stopped going to the spill file (disk full...): kept in memory since
        self.spill_error: str | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._spans)

    def append(self, data: bytes) -> None:
        """Add the proxy of the next frame (frames arrive in order, from 0)."""
        with self._lock:
            i = len(self._spans)
            offset = self._spill_size
            spilled = self._spill_path is not None and self.spill_error is None
            if spilled:
                spilled = self._write_spill(data)
            if self._memory_used + len(data) <= self._memory_budget or not spilled:
                self._in_memory[i] = data
                self._memory_used += len(data)
            self._spans.append((offset, len(data)))

    def _write_spill(self, data: bytes) -> bool:
        """Append to the spill file (unbuffered: a full disk fails this write, not a later
        flush); on failure remember why and stop spilling."""
        try:
            if self._spill is None:
                assert self._spill_path is not None
                self._spill = open(self._spill_path, "wb", buffering=0)  # noqa: SIM115
            if self._spill.write(data) != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as exc:
            where = self._spill_path.parent if self._spill_path is not None else "?"
            state = "is full" if exc.errno == errno.ENOSPC else "cannot be written"
            self.spill_error = (
                f"scrub previews are not saved for next time: the proxy cache folder {where} "
                f"{state} ({exc}); this session keeps them in memory. Free space there, or "
                "set ANNOTATOR_CACHE to a folder on another disk."
            )
            return False
        self._spill_size += len(data)
        return True

    def jpeg(self, i: int) -> bytes | None:
        """JPEG bytes of frame i's proxy, or None if the pass has not reached it."""
        with self._lock:
            if i < 0 or i >= len(self._spans):
                return None
            data = self._in_memory.get(i)
            if data is not None:
                return data
            offset, length = self._spans[i]
            if self._spill is not None:
                self._spill.flush()
            try:
                if self._read_fd is None:
                    assert self._spill_path is not None
                    self._read_fd = os.open(self._spill_path, os.O_RDONLY)
                return os.pread(self._read_fd, length, offset)
            except OSError:  # the cache file vanished (pruned, disk trouble): no preview
                return None

    def get(self, i: int) -> np.ndarray | None:
        """RGB proxy of frame i, or None if not there yet."""
        data = self.jpeg(i)
        if data is None:
            return None
        try:
            return decode_proxy(data)
        except ValueError:  # a damaged cache file: treat as missing, the exact frame still works
            return None

    @property
    def memory_bytes(self) -> int:
        """Bytes of JPEG data held in memory."""
        with self._lock:
            return self._memory_used

    def finish_writing(self) -> None:
        """Flush and close the spill file (reads keep working)."""
        with self._lock:
            if self._spill is not None:
                with contextlib.suppress(OSError):  # unbuffered: nothing was pending
                    self._spill.close()
                self._spill = None

    def close(self) -> None:
        """Release the spill file handles."""
        self.finish_writing()
        with self._lock:
            if self._read_fd is not None:
                os.close(self._read_fd)
                self._read_fd = None

    def relocate(self, path: Path) -> None:
        """Follow the data file to its new name after it was moved into the cache."""
        with self._lock:
            self._spill_path = path

    def spans(self) -> list[tuple[int, int]]:
        """(offset, length) of every proxy in the data file."""
        with self._lock:
            return list(self._spans)

    @classmethod
    def from_file(
        cls, size: tuple[int, int], path: Path, spans: list[tuple[int, int]], memory_bytes: int
    ) -> ProxyStore:
        """A store over a finished data file; proxies within `memory_bytes` are loaded now."""
        store = cls(size, memory_bytes=memory_bytes, spill_path=None)
        store._spill_path = path
        store._spans = [(int(o), int(n)) for o, n in spans]
        with open(path, "rb") as fh:
            for i, (offset, length) in enumerate(store._spans):
                if store._memory_used + length > memory_bytes:
                    break
                fh.seek(offset)
                store._in_memory[i] = fh.read(length)
                store._memory_used += length
        return store


class ProxyCacheEntry:
    """One fingerprint's files in the cache folder: `<fp>.proxies` data, `<fp>.json` meta."""

    def __init__(self, cache_dir: Path, fingerprint: str) -> None:
        self.dir = cache_dir
        self.data_path = cache_dir / f"{fingerprint}.proxies"
        self.meta_path = cache_dir / f"{fingerprint}.json"

    def new_spill_path(self) -> Path | None:
        """A fresh private file to spill proxies into while a pass runs (None if unwritable)."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=self.data_path.name + ".", dir=self.dir)
            os.close(fd)
            return Path(name)
        except OSError:
            return None

    def load(self) -> dict[str, Any] | None:
        """The saved metadata if a complete, readable entry exists, else None."""
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("version") != _FORMAT_VERSION or not self.data_path.is_file():
                return None
            spans = meta["spans"]
            if spans and sum(spans[-1]) > self.data_path.stat().st_size:
                return None
            os.utime(self.meta_path)  # recently used: pruned last
            return dict(meta)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def commit(self, spill_path: Path, meta: dict[str, Any]) -> bool:
        """Move a finished spill file into place, then write the metadata (the commit marker)."""
        try:
            os.replace(spill_path, self.data_path)
            meta = {"version": _FORMAT_VERSION, **meta}
            fd, tmp = tempfile.mkstemp(prefix=self.meta_path.name + ".", dir=self.dir)
            with os.fdopen(fd, "w") as fh:
                json.dump(meta, fh)
            os.replace(tmp, self.meta_path)
            return True
        except OSError:
            return False


def prune_cache_dir(cache_dir: Path, max_bytes: int = DEFAULT_CACHE_DIR_BYTES) -> int:
    """Delete least recently used entries until the folder holds <= max_bytes, and spill files
    abandoned by crashed runs; returns the bytes freed. Never raises for file-system trouble."""
    freed = 0
    now = time.time()
    entries: list[tuple[float, int, Path, Path]] = []
    try:
        children = list(cache_dir.iterdir())
    except OSError:
        return 0
    for path in children:
        try:
            stat = path.stat()
            if path.suffix == ".json":
                data = path.with_suffix(".proxies")
                size = stat.st_size + (data.stat().st_size if data.exists() else 0)
                entries.append((stat.st_mtime, size, path, data))
            elif ".proxies." in path.name and now - stat.st_mtime > _STALE_SPILL_SECONDS:
                path.unlink()
                freed += stat.st_size
        except OSError:
            continue
    total = sum(size for _, size, _, _ in entries)
    for _, size, meta, data in sorted(entries):
        if total <= max_bytes:
            break
        try:
            meta.unlink(missing_ok=True)  # the commit marker goes first
            data.unlink(missing_ok=True)
        except OSError:
            continue
        total -= size
        freed += size
    return freed
