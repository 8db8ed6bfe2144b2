"""Damaged mask rows: found when a project opens or when a row is read, never shown as a
traceback. A project with damaged rows opens read-only; the readable rows stay usable.

`mask_to_row` is how a FrameMask is stored; `mask_from_row` turns a stored row back into
one or raises `DamagedRowError` saying what is wrong with it; `scan_for_damage` runs the
cheap checks (in SQL, over the whole table) when a file opens; `damage_notice` is the
message a user sees.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, NamedTuple

from annotator.domain import FrameMask, Mask, Prompt, Provenance
from annotator.domain.errors import DomainError

MASK_WRITE_COLUMNS = "video_id, frame, track_id, height, width, rle, provenance, score, prompt"
# rows are read with the text columns as bytes, so that damaged text fails one row only
MASK_READ_COLUMNS = (
    "video_id, frame, track_id, height, width, rle, CAST(provenance AS BLOB), score, "
    "CAST(prompt AS BLOB)"
)
NOTICE_LIMIT = 5  # rows named in a notice before "… and N more"

_PROVENANCES = ", ".join(f"'{p.value}'" for p in Provenance)
_SCAN = f"""
SELECT video_id, frame, track_id, CASE
    WHEN typeof(height) != 'integer' OR typeof(width) != 'integer' OR height < 0 OR width < 0
        THEN 'its mask size is not two whole numbers'
    WHEN typeof(rle) != 'blob' OR CAST(rle AS TEXT) GLOB '*[^0-o]*'
        THEN 'its mask is not COCO RLE'
    WHEN provenance NOT IN ({_PROVENANCES})
        THEN 'its provenance is not one the annotator writes'
    {{prompt_check}}
    END AS reason
FROM masks NOT INDEXED WHERE reason IS NOT NULL ORDER BY video_id, frame, track_id
"""
_PROMPT_CHECK = (
    "WHEN prompt IS NOT NULL AND json_valid(CAST(prompt AS TEXT)) = 0 "
    "THEN 'its prompt is not valid JSON'"
)


class DamagedRow(NamedTuple):
    """One mask row that cannot be read, and why (in words)."""

    video_id: int
    frame: int
    track_id: int
    reason: str

    def __str__(self) -> str:
        return f"video {self.video_id} frame {self.frame} object {self.track_id}: {self.reason}"


class DamagedRowError(Exception):
    """A stored row is not a valid mask record; `.reason` says what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _text(value: Any, what: str) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise DamagedRowError(f"its {what} is not text") from None
    return str(value)


def mask_from_row(row: tuple[Any, ...]) -> FrameMask:
    """A FrameMask from a row of MASK_READ_COLUMNS; DamagedRowError when any field is bad."""
    video_id, frame, track_id, height, width, rle, provenance, score, prompt = row
    try:
        kind = Provenance(_text(provenance, "provenance"))
    except ValueError:
        raise DamagedRowError("its provenance is not one the annotator writes") from None
    parsed = None
    if prompt is not None:
        try:
            parsed = Prompt.from_json(json.loads(_text(prompt, "prompt")))
        except json.JSONDecodeError:
            raise DamagedRowError("its prompt is not valid JSON") from None
        except (DomainError, AttributeError, TypeError):
            raise DamagedRowError("its prompt is not a click or box record") from None
    if not isinstance(rle, bytes):
        raise DamagedRowError("its mask is not COCO RLE")
    try:
        mask = Mask((height, width), rle)
        mask._validate()  # noqa: SLF001 - a damaged blob must fail here, not in an exporter
        return FrameMask(video_id, frame, track_id, mask, kind, score, parsed)
    except (DomainError, TypeError, ValueError) as exc:
        raise DamagedRowError(f"its mask is not valid COCO RLE ({exc})") from None


def mask_to_row(rec: FrameMask) -> tuple[Any, ...]:
    """The row of MASK_WRITE_COLUMNS that stores a FrameMask."""
    prompt = json.dumps(rec.prompt.to_json(), separators=(",", ":")) if rec.prompt else None
    h, w = rec.mask.size
    return (
        rec.video_id,
        rec.frame,
        rec.track_id,
        h,
        w,
        rec.mask.counts,
        rec.provenance.value,
        rec.score,
        prompt,
    )


def scan_for_damage(conn: sqlite3.Connection) -> list[DamagedRow]:
    """Rows failing the cheap checks (size, RLE alphabet, provenance, prompt JSON), one pass
    over the table in SQL; the full check of each row happens when it is read."""
    try:
        rows = conn.execute(_SCAN.format(prompt_check=_PROMPT_CHECK)).fetchall()
    except sqlite3.OperationalError as exc:
        if "json_valid" not in str(exc):
            raise
        rows = conn.execute(_SCAN.format(prompt_check="")).fetchall()  # SQLite < 3.38
    return [DamagedRow(int(v), int(f), int(t), str(r)) for v, f, t, r in rows]


_INDEX_COUNTS = (
    ("sqlite_autoindex_masks_1", ""),
    ("masks_by_track", ""),
    ("masks_keyframes", " WHERE provenance IN ('prompted', 'edited')"),
)


def index_problem(conn: sqlite3.Connection) -> str | None:
    """Why the masks' indexes disagree with the table (quick_check does not look), or None."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for name, where in _INDEX_COUNTS:
        if name not in names:
            continue
        in_table = conn.execute(f"SELECT count(*) FROM masks NOT INDEXED{where}").fetchone()[0]
        in_index = conn.execute(f"SELECT count(*) FROM masks INDEXED BY {name}{where}").fetchone()
        if in_index[0] != in_table:
            return f"{name} lists {in_index[0]} masks, the table holds {in_table}"
    return None


def damage_notice(name: str, rows: list[DamagedRow], index_problem: str | None = None) -> str:
    """What a user reads about a partly damaged project opened read-only."""
    parts = []
    if rows:
        shown = "; ".join(str(r) for r in rows[:NOTICE_LIMIT])
        more = f"; … and {len(rows) - NOTICE_LIMIT} more" if len(rows) > NOTICE_LIMIT else ""
        count = "1 mask" if len(rows) == 1 else f"{len(rows)} masks"
        parts.append(f"{count} cannot be read ({shown}{more})")
    if index_problem:
        parts.append(f"its index of masks is damaged ({index_problem}); masks are read without it")
    return (
        f"{name} is partly damaged: {' and '.join(parts)}. It was opened read-only: everything "
        "else can be viewed and exported. To edit it again, restore the file from a backup copy."
    )
