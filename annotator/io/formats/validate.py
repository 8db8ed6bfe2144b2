"""Strict readers of untrusted JSON values: each failure is an `ImportError_` saying where."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from annotator.domain import InvalidMaskError, Mask
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.rle import rle_runs

MAX_FILE_BYTES = 2_000_000_000
MAX_SIDE = 1 << 16  # no frame side in a real dataset is larger; keeps allocations bounded


class Where:
    """A location in a dataset file, for error messages (file, line, annotation id)."""

    def __init__(self, file: str | Path, line: int | None = None, annotation_id: object = None):
        self.file = str(file)
        self.line = line
        self.annotation_id = annotation_id

    def at(self, *, line: int | None = None, annotation_id: object = None) -> Where:
        return Where(self.file, line if line is not None else self.line, annotation_id)

    def note(self, message: str) -> str:
        """The message prefixed with this location, for an import note (not an error)."""
        return str(self.error(message))

    def error(self, message: str) -> ImportError_:
        return ImportError_(
            message, file=self.file, line=self.line, annotation_id=self.annotation_id
        )


def read_bytes(path: Path) -> bytes:
    """The bytes of a dataset file, or an ImportError_ naming it."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportError_(f"file is too large ({size} bytes)", file=path)
        return path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"cannot read: {exc.strerror or exc}", file=path) from exc


def load_json(path: Path) -> Any:
    """Parse a JSON file; syntax errors (truncation included) report their line."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(f"not UTF-8 text (byte {exc.start})", file=path) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportError_(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno) from exc
    except (ValueError, RecursionError) as exc:
        raise ImportError_(f"invalid JSON: {exc}", file=path) from exc


def get(obj: Any, key: str, where: Where) -> Any:
    """obj[key] of a JSON object, or an error naming the missing key."""
    if not isinstance(obj, dict):
        raise where.error(f"expected an object with {key!r}, got {type(obj).__name__}")
    if key not in obj:
        raise where.error(f"missing {key!r}")
    return obj[key]


def as_int(value: Any, what: str, where: Where, *, lo: int = 0, hi: int = 1 << 62) -> int:
    """An integer in [lo, hi] (floats with integral value accepted, bools rejected)."""
    if isinstance(value, bool):
        raise where.error(f"{what} must be an integer, got a boolean")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise where.error(f"{what} must be an integer, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise where.error(f"{what} = {value!r:.30} is out of range [{lo}, {hi}]")
    return value


def as_float(value: Any, what: str, where: Where) -> float:
    """A finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.error(f"{what} must be a number, got {type(value).__name__}")
    try:
        out = float(value)
    except OverflowError:
        raise where.error(f"{what} is too large") from None
    if not math.isfinite(out):
        raise where.error(f"{what} must be finite, got {value!r:.30}")
    return out


def as_str(value: Any, what: str, where: Where) -> str:
    if not isinstance(value, str):
        raise where.error(f"{what} must be a string, got {type(value).__name__}")
    return value


def as_list(value: Any, what: str, where: Where) -> list[Any]:
    if not isinstance(value, list):
        raise where.error(f"{what} must be a list, got {type(value).__name__}")
    return value


def as_dict(value: Any, what: str, where: Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(f"{what} must be an object, got {type(value).__name__}")
    return value


def read_rle(rle: Any, height: int, width: int, here: Where) -> Mask:
    """A COCO RLE (compressed or not) of exactly (height, width), fully validated."""
    rle = as_dict(rle, "RLE", here)
    size = as_list(get(rle, "size", here), "RLE size", here)
    if len(size) != 2 or [as_int(s, "RLE size", here) for s in size] != [height, width]:
        raise here.error(f"RLE size {size!r:.40} is not [{height}, {width}]")
    counts = get(rle, "counts", here)
    if not isinstance(counts, (str, list)):
        raise here.error("RLE counts must be a string or a list")
    if isinstance(counts, list):
        for c in counts:
            as_int(c, "RLE count", here, hi=height * width)
    if isinstance(counts, str):
        # compressed: checked with numpy (characters, run lengths, total) - pycocotools
        # itself trusts its input and would read past a short string
        try:
            runs = rle_runs(counts.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise here.error(f"bad RLE: {exc}") from exc
        if runs.size and (runs.min() < 0 or int(runs.sum()) != height * width):
            raise here.error(f"bad RLE: runs do not cover {height}x{width} pixels")
        if not runs.size and height * width:
            raise here.error("bad RLE: empty counts")
        return Mask((height, width), counts)
    try:
        return Mask.from_coco({"size": [height, width], "counts": counts})
    except InvalidMaskError as exc:
        raise here.error(f"bad RLE: {exc}") from exc
