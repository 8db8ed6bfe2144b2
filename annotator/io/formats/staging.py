"""An export's output folder, built aside and put in place only when complete.

An export writes into a temporary sibling folder (`.<name>.partial-XXXX`) and renames it to
the requested name when every file is written, so a failed export (disk full, unreadable
frame, Ctrl+C) leaves the old folder as it was and no half-written dataset. The finished
folder carries a manifest (`.annotator-export`, JSON) of the files it wrote: a non-empty
folder is refused unless `overwrite` is set and the folder holds exactly what an earlier
export's manifest lists, so an overwrite never removes files annotator did not write and
never mixes an old export's frames into a new one.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.io.formats.errors import ExportError

MANIFEST = ".annotator-export"
"""Name of the manifest file (JSON) an export writes at the top of its folder; not `.json`,
which tools that read every JSON file of a folder (ISAT-SAM) would take for a label file."""
MANIFEST_NAMES = frozenset({MANIFEST, ".annotator-export.json"})
"""The manifest's names, this one and the one exports before it used."""


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new uniquely named folder with the umask's permissions (mkdtemp's are private)."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise OSError(f"cannot find a free temporary folder name in {parent}")


def _files_under(root: Path) -> list[str]:
    """Relative POSIX paths of the files below root, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


def _check_replaceable(target: Path, overwrite: bool) -> None:
    """Refuse a non-empty target unless it is an earlier export and overwrite is set."""
    present = _files_under(target)
    if not present:
        return
    if not overwrite:
        raise ExportError(
            f"output folder {target} is not empty: choose an empty or new folder, or pass "
            "--overwrite to replace an earlier export there"
        )
    manifest = next((target / n for n in sorted(MANIFEST_NAMES) if (target / n).is_file()), None)
    try:
        if manifest is None:
            raise OSError("no manifest")
        listed = set(json.loads(manifest.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ExportError(
            f"output folder {target} is not empty and has no export manifest ({MANIFEST}): "
            "--overwrite only replaces an earlier annotator export; choose another folder"
        ) from None
    foreign = [f for f in present if f not in MANIFEST_NAMES and f not in listed]
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise ExportError(
            f"output folder {target} holds {len(foreign)} file(s) no earlier export wrote "
            f"({shown}): move them away or choose another folder"
        )


@contextmanager
def staged_folder(out_dir: str | os.PathLike[str], *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder to write an export into; on success it becomes `out_dir`.

    On any exception (KeyboardInterrupt included) the temporary folder is removed and
    `out_dir` is left untouched.
    """
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise ExportError(f"output path {target} exists and is not a folder")
    if target.is_dir():
        _check_replaceable(target, overwrite)
    parent = target.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = _new_folder(parent, f".{target.name}.partial-")
    except OSError as exc:
        raise ExportError(f"cannot create output folder {target}: {exc}") from exc
    try:
        yield staging
        files = _files_under(staging)
        (staging / MANIFEST).write_text(
            json.dumps({"writer": "annotator", "files": files}, indent=1) + "\n",
            encoding="utf-8",
        )
        _put_in_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _put_in_place(staging: Path, target: Path) -> None:
    """Rename the finished folder to target; an earlier export there is removed after."""
    old: Path | None = None
    try:
        if target.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=staging.parent))
            os.replace(target, old / "export")
        os.replace(staging, target)
    except OSError as exc:
        if old is not None and (old / "export").exists() and not target.exists():
            os.replace(old / "export", target)  # put the earlier export back
        raise ExportError(f"cannot move the finished export to {target}: {exc}") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
