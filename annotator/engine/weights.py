"""Download, cache and verify the official SAM2 checkpoints (standard library HTTP only).

The cache folder is ``$ANNOTATOR_CACHE/models`` when that variable is set, otherwise
``$XDG_CACHE_HOME/annotator/models`` (``~/.cache/annotator/models``). A download goes to
``<file>.part``; an interrupted one is resumed with an HTTP Range request, and only a file of
exactly the published size and digest that loads as the expected model is moved into place
(``os.replace``, atomic), so the cache never holds a half-written or wrong checkpoint; a
lock file keeps two processes from downloading the same model at once.
The base URL can be overridden (``$ANNOTATOR_WEIGHTS_URL`` or `base_url=`), e.g. for a
mirror or a test server on 127.0.0.1.
"""

from __future__ import annotations

import gc
import http.client
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.engine.weights_digest import (
    current_digest,
    forget_digest,
    known_digest,
    remember_digest,
    sha256_of,
)
from annotator.engine.weights_registry import DEFAULT_BASE_URL, REGISTRY, WeightsEntry

if TYPE_CHECKING:
    from annotator.engine.checkpoint import CheckpointInfo

# progress(bytes_done, bytes_total): bytes_done never decreases within one download
ProgressCallback = Callable[[int, int], None]

BASE_URL_ENV = "ANNOTATOR_WEIGHTS_URL"
CACHE_ENV = "ANNOTATOR_CACHE"
USER_AGENT = "annotator-weights/1"
CONTENT_RANGE_RE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class WeightsError(Exception):
    """Something about the model weights cache went wrong; the message says what to do."""


class DownloadError(WeightsError):
    """The transfer failed (server error, unreachable host, too many interruptions...)."""


class DownloadCancelled(DownloadError):
    """The caller cancelled; the partial file is kept so a later download resumes it."""


class VerificationError(WeightsError):
    """A file is not the expected checkpoint (size, SHA-256 or loadability); not installed."""


class _Interrupted(Exception):
    """The connection broke mid-transfer; resumable."""


@contextmanager
def _exclusive(lock_path: Path, name: str) -> Iterator[None]:
    """Hold an advisory lock so that two processes never write the same `.part` file.

    The kernel drops the lock when its holder dies, so a crash leaves no stale lock.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; concurrent downloads of one model are not guarded
        yield
        return
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DownloadError(
                f"{name} is already being downloaded by another process; try again later."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def default_cache_dir() -> Path:
    """``$ANNOTATOR_CACHE/models``, else ``$XDG_CACHE_HOME/annotator/models`` (~/.cache)."""
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root).expanduser() / "models"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "annotator" / "models"


def default_base_url() -> str:
    """``$ANNOTATOR_WEIGHTS_URL`` if set, else Meta's download server."""
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


@dataclass(frozen=True)
class CacheStatus:
    """Whether a model's file is in the cache: 'cached', 'wrong-size', 'corrupt' (right size,
    another SHA-256), 'unchecked' (right size, SHA-256 not computed yet: see `status`),
    'partial' or 'missing'."""

    entry: WeightsEntry
    path: Path
    state: str
    bytes_present: int  # size of the file, or of the partial download, or 0


@dataclass(frozen=True)
class VerifyReport:
    """A file that passed verification: what it holds, and whether it is the published file."""

    path: Path
    info: CheckpointInfo
    size: int
    official: bool | None  # byte-identical to Meta's file (None: digest not checked)


class WeightsManager:
    """The per-user cache of official checkpoints: list, download (resumable), verify."""

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        *,
        base_url: str | None = None,
        registry: Mapping[str, WeightsEntry] | None = None,
        timeout: float = 30.0,
        chunk_size: int = 1 << 20,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.base_url = base_url or default_base_url()
        self.registry: dict[str, WeightsEntry] = dict(REGISTRY if registry is None else registry)
        self.timeout = timeout
        self.chunk_size = chunk_size

    # ------------------------------------------------------------------ lookup

    def entry(self, name: str) -> WeightsEntry:
        """The registry entry of a model name; `WeightsError` naming the known ones if unknown."""
        try:
            return self.registry[name]
        except KeyError:
            known = ", ".join(self.registry)
            raise WeightsError(f"unknown model {name!r}; known models: {known}") from None

    def path(self, name: str) -> Path:
        """Where the model's checkpoint lives once downloaded."""
        return self.cache_dir / self.entry(name).filename

    def part_path(self, name: str) -> Path:
        """Where an unfinished download of the model is kept."""
        return self.cache_dir / (self.entry(name).filename + ".part")

    def status(self, name: str, *, hash_new: bool = True) -> CacheStatus:
        """The cache state of one model: size, and the SHA-256 when the file is new or its
        size or mtime changed (`verify` also loads it). With `hash_new` False such a file is
        'unchecked' instead (hashing a large model takes seconds: not on a GUI thread)."""
        entry, path, part = self.entry(name), self.path(name), self.part_path(name)
        if path.is_file():
            size = path.stat().st_size
            state = "cached" if size == entry.size else "wrong-size"
            if state == "cached" and entry.sha256:
                digest = current_digest(path) if hash_new else known_digest(path)
                if digest is None:
                    state = "unchecked"
                elif digest != entry.sha256:
                    state = "corrupt"
            return CacheStatus(entry, path, state, size)
        if part.is_file():
            return CacheStatus(entry, path, "partial", part.stat().st_size)
        return CacheStatus(entry, path, "missing", 0)

    def checkpoint_for(self, model: str) -> Path:
        """A checkpoint file as given, or the cached file of a model name; WeightsError
        (saying how to get it) when the name is unknown or not downloaded yet."""
        path = Path(model).expanduser()
        if path.is_file():
            return path
        try:
            status = self.status(model)
        except WeightsError as exc:
            raise WeightsError(f"{model}: not a checkpoint file or a known model ({exc})") from None
        if status.state == "corrupt":
            raise WeightsError(
                f"{status.path} is damaged: its SHA-256 differs from the published {model}. "
                f"Download it again with `annotator models download {model}`."
            )
        if status.state != "cached":
            raise WeightsError(
                f"{model} is not downloaded: run `annotator models download {model}` first"
            )
        return status.path

    def statuses(self, *, hash_new: bool = True) -> list[CacheStatus]:
        """`status` of every known model, in registry order."""
        return [self.status(name, hash_new=hash_new) for name in self.registry]

    # ------------------------------------------------------------------ download

    def download(
        self,
        name: str,
        *,
        progress: ProgressCallback | None = None,
        force: bool = False,
        cancel: threading.Event | None = None,
        retries: int = 3,
    ) -> Path:
        """Fetch a model into the cache (resuming a partial file) and return its path.

        A connection that breaks is resumed with a Range request up to `retries` times; after
        that, or on `cancel`, the partial file stays for the next call to resume. The finished
        file is verified (size, SHA-256, loads as the model) before it is moved into place.
        """
        entry = self.entry(name)
        dest = self.path(name)
        if not force and self._complete(entry, dest, progress):
            return dest
        try:
            return self._download(entry, progress, force, cancel, retries)
        except OSError as exc:  # the network's OSErrors are handled inside; these are the disk's
            raise DownloadError(
                f"cannot write {entry.name} into {self.cache_dir}: {exc.strerror or exc}"
            ) from exc

    def _download(
        self,
        entry: WeightsEntry,
        progress: ProgressCallback | None,
        force: bool,
        cancel: threading.Event | None,
        retries: int,
    ) -> Path:
        name = entry.name
        dest, part = self.path(name), self.part_path(name)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.cache_dir / (entry.filename + ".lock"), name):
            if force:
                dest.unlink(missing_ok=True)
                part.unlink(missing_ok=True)
            elif self._complete(entry, dest, progress):  # another process just finished it
                return dest
            interruptions = 0
            while True:
                try:
                    self._fetch(entry, part, progress, cancel)
                    break
                except _Interrupted as exc:
                    interruptions += 1
                    if interruptions > retries:
                        kept = part.stat().st_size if part.exists() else 0
                        raise DownloadError(
                            f"the download of {name} broke off {interruptions} times ({exc}); "
                            f"{kept:,} of {entry.size:,} bytes are kept and the next download "
                            "resumes from there."
                        ) from exc
            self._install(entry, part, dest)
        return dest

    def _complete(self, entry: WeightsEntry, dest: Path, progress: ProgressCallback | None) -> bool:
        if self.status(entry.name).state == "cached":
            if progress:
                progress(entry.size, entry.size)
            return True
        return False

    def _open(self, url: str, offset: int) -> http.client.HTTPResponse:
        headers = {"User-Agent": USER_AGENT}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DownloadError(f"the server answered {exc.code} {exc.reason} for {url}") from exc
        except (TimeoutError, ConnectionError) as exc:
            raise _Interrupted(f"connection failed: {exc}") from exc
        except urllib.error.URLError as exc:
            raise DownloadError(f"cannot reach {url}: {exc.reason}") from exc
        return response

    def _fetch(
        self,
        entry: WeightsEntry,
        part: Path,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        """One HTTP request that appends to `part` until the file is complete or it breaks."""
        offset = part.stat().st_size if part.exists() else 0
        if offset > entry.size:  # cannot be a prefix of the right file
            part.unlink()
            offset = 0
        if offset == entry.size:
            return  # complete already; _install checks it
        url = entry.url(self.base_url)
        with self._open(url, offset) as response:
            mode = "ab"
            if offset and response.status == 206:
                match = CONTENT_RANGE_RE.match(response.headers.get("Content-Range", ""))
                if not match or int(match.group(1)) != offset:
                    raise DownloadError(f"the server sent the wrong byte range for {url}")
                total = None if match.group(3) == "*" else int(match.group(3))
            elif response.status == 200:  # a fresh start, or a server that ignores Range
                offset, mode = 0, "wb"
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
            else:
                raise DownloadError(f"unexpected HTTP status {response.status} for {url}")
            if total is not None and total != entry.size:
                raise DownloadError(
                    f"the server offers {total:,} bytes for {entry.name}, but the published "
                    f"file is {entry.size:,} bytes; not downloading a different file."
                )
            self._copy(response, part, mode, offset, entry, progress, cancel)

    def _copy(
        self,
        response: http.client.HTTPResponse,
        part: Path,
        mode: str,
        done: int,
        entry: WeightsEntry,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        with part.open(mode) as f:
            if progress:
                progress(done, entry.size)
            while done < entry.size:
                if cancel is not None and cancel.is_set():
                    raise DownloadCancelled(
                        f"download of {entry.name} cancelled at {done:,} of {entry.size:,} bytes; "
                        "the next download resumes from there."
                    )
                try:
                    chunk = response.read(min(self.chunk_size, entry.size - done))
                except (http.client.HTTPException, OSError) as exc:
                    raise _Interrupted(f"connection lost: {exc!r}") from exc
                if not chunk:
                    raise _Interrupted(f"connection closed after {done:,} bytes")
                f.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, entry.size)
            f.flush()
            os.fsync(f.fileno())
            extra = response.read(1)
        if extra:
            part.unlink(missing_ok=True)
            raise VerificationError(
                f"the server sent more than the {entry.size:,} bytes of {entry.name}; "
                "the download was discarded."
            )

    def _install(self, entry: WeightsEntry, part: Path, dest: Path) -> None:
        """Check the finished `.part` file and move it into place, or delete it and raise."""
        try:
            self._check_file(entry, part)
        except VerificationError:
            part.unlink(missing_ok=True)
            raise
        gc.collect()  # drop memory maps of the checked file before renaming it (Windows)
        forget_digest(dest)
        os.replace(part, dest)
        if entry.sha256:
            remember_digest(dest, entry.sha256)  # _check_file hashed it just now

    # ------------------------------------------------------------------ verify

    def _check_file(
        self, entry: WeightsEntry, path: Path, *, checksum: bool = True
    ) -> VerifyReport:
        from annotator.engine.checkpoint import inspect_checkpoint
        from annotator.engine.checkpoint_errors import CheckpointError

        size = path.stat().st_size
        if size != entry.size:
            raise VerificationError(
                f"{path}: {size:,} bytes, but {entry.name} is {entry.size:,} bytes; "
                "it is incomplete or not the published file."
            )
        official: bool | None = None
        if checksum and entry.sha256:
            if sha256_of(path) != entry.sha256:
                raise VerificationError(
                    f"{path}: its SHA-256 differs from the published {entry.name}; "
                    "the file is corrupt."
                )
            official = True
        try:
            info = inspect_checkpoint(path, expected=entry.name)
        except CheckpointError as exc:
            raise VerificationError(f"{path}: not a loadable {entry.name}: {exc.reason}") from exc
        return VerifyReport(path=path, info=info, size=size, official=official)

    def verify(self, name_or_path: str | Path, *, checksum: bool = True) -> VerifyReport:
        """Check a cached model (by name) or any checkpoint file (by path) thoroughly.

        By name: exact size, SHA-256 (with `checksum`) and a strict key/shape check against
        the model. By path: identifies the model and checks it strictly; `official` tells
        whether it is byte-identical to Meta's file.
        """
        from annotator.engine.checkpoint import inspect_checkpoint
        from annotator.engine.checkpoint_errors import CheckpointError

        if isinstance(name_or_path, str) and name_or_path in self.registry:
            entry = self.entry(name_or_path)
            path = self.path(name_or_path)
            if not path.is_file():
                raise VerificationError(
                    f"{entry.name} is not downloaded (no {path}); "
                    f"run `annotator models download {entry.name}`."
                )
            return self._check_file(entry, path, checksum=checksum)
        path = Path(name_or_path)
        try:
            info = inspect_checkpoint(path)
        except CheckpointError as exc:
            raise VerificationError(str(exc)) from exc
        size = path.stat().st_size
        official: bool | None = None
        known = self.registry.get(info.config.name)
        if checksum and known is not None and known.sha256:
            official = size == known.size and sha256_of(path) == known.sha256
        return VerifyReport(path=path, info=info, size=size, official=official)
