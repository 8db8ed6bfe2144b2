"""The recent-projects list: a small JSON file in the user's config folder.

The folder is `$ANNOTATOR_CONFIG` if set, else `$XDG_CONFIG_HOME/annotator`, else
`~/.config/annotator`. Writes are atomic (temp file + os.replace); an unreadable list is
treated as empty rather than stopping the program.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_RECENT = 10
_FILE_NAME = "recent.json"


@dataclass(frozen=True)
class RecentProject:
    """A project the user opened, newest first in the list."""

    path: Path
    opened: str  # ISO-8601 UTC

    @property
    def exists(self) -> bool:
        return self.path.is_file()


def config_dir() -> Path:
    """The annotator's per-user config folder (not created here)."""
    override = os.environ.get("ANNOTATOR_CONFIG")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "annotator"


def _list_file() -> Path:
    return config_dir() / _FILE_NAME


def recent_projects() -> list[RecentProject]:
    """The list, newest first (missing files included; the GUI may grey them out)."""
    try:
        data = json.loads(_list_file().read_text(encoding="utf-8"))
        entries = data["recent"] if isinstance(data, dict) else []
        return [
            RecentProject(Path(str(e["path"])), str(e.get("opened", "")))
            for e in entries
            if isinstance(e, dict) and e.get("path")
        ][:MAX_RECENT]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _save(entries: list[RecentProject]) -> None:
    target = _list_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"recent": [{"path": str(e.path), "opened": e.opened} for e in entries]}
    fd, tmp = tempfile.mkstemp(prefix=".recent.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def add_recent(path: str | os.PathLike[str]) -> list[RecentProject]:
    """Put `path` at the top of the list (deduplicated, at most MAX_RECENT kept)."""
    resolved = Path(path).absolute()
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    entries = [e for e in recent_projects() if e.path != resolved]
    entries.insert(0, RecentProject(resolved, now))
    entries = entries[:MAX_RECENT]
    _save(entries)
    return entries


def remove_recent(path: str | os.PathLike[str]) -> list[RecentProject]:
    """Drop `path` from the list (e.g. the user removed a missing project)."""
    resolved = Path(path).absolute()
    entries = [e for e in recent_projects() if e.path != resolved]
    _save(entries)
    return entries


def clear_recent() -> None:
    """Empty the list."""
    _save([])
