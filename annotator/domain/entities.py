"""Plain immutable records of a project: categories, videos, tracks, prompts, frame masks."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from annotator.domain.errors import InvalidValueError
from annotator.domain.mask import Mask

Colour = tuple[int, int, int]
"""An RGB colour, each channel 0..255."""

_HEX_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6})$")


def parse_colour(value: str | Sequence[int]) -> Colour:
    """Accept "#rrggbb" or an (r, g, b) sequence of ints 0..255; return an RGB tuple."""
    if isinstance(value, str):
        m = _HEX_COLOUR.match(value.strip())
        if not m:
            raise InvalidValueError(f"colour must look like '#rrggbb', got {value!r}")
        h = m.group(1)
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    vals = tuple(value)
    if len(vals) != 3 or not all(isinstance(v, int) and 0 <= v <= 255 for v in vals):
        raise InvalidValueError(f"colour must be three ints 0..255, got {value!r}")
    return (int(vals[0]), int(vals[1]), int(vals[2]))


def colour_to_hex(colour: Colour) -> str:
    """Format an RGB tuple as "#rrggbb"."""
    return "#{:02x}{:02x}{:02x}".format(*colour)


class Provenance(enum.Enum):
    """How a frame's mask came to be: it decides keyframes and what re-propagation may replace."""

    PROMPTED = "prompted"  # the model's answer to the user's clicks/box on this frame
    PROPAGATED = "propagated"  # carried from other frames by the video model
    EDITED = "edited"  # painted or corrected by hand
    IMPORTED = "imported"  # read from a label file

    @property
    def is_key(self) -> bool:
        """True for user-made masks (PROMPTED, EDITED): the conditioning frames of a track."""
        return self in (Provenance.PROMPTED, Provenance.EDITED)


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidValueError(f"{what} name must be a non-empty string, got {name!r}")
    return name


def _check_id(value: int, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidValueError(f"{what} must be an int >= 1, got {value!r}")


@dataclass(frozen=True)
class Prompt:
    """The clicks and box the user gave on one frame, in frame pixel coordinates.

    `points` are (x, y) floats, `labels` 1 (foreground) or 0 (background), one per point;
    `box` is (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1, or None.
    """

    points: Sequence[tuple[float, float]] = ()  # stored as a tuple of tuples
    labels: Sequence[int] = ()  # stored as a tuple
    box: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        pts = tuple((float(x), float(y)) for x, y in self.points)
        labels = tuple(int(v) for v in self.labels)
        if len(pts) != len(labels):
            raise InvalidValueError(f"{len(pts)} prompt points but {len(labels)} labels")
        if any(v not in (0, 1) for v in labels):
            raise InvalidValueError(f"prompt labels must be 0 or 1, got {labels}")
        if not all(math.isfinite(c) for p in pts for c in p):
            raise InvalidValueError("prompt points must be finite numbers")
        box: tuple[float, ...] | None = None
        if self.box is not None:
            box = tuple(float(v) for v in self.box)
            if len(box) != 4 or not all(math.isfinite(v) for v in box):
                raise InvalidValueError(f"prompt box must be 4 finite numbers, got {self.box!r}")
            if box[0] > box[2] or box[1] > box[3]:
                raise InvalidValueError(f"prompt box must have x0<=x1 and y0<=y1, got {box}")
        if not pts and box is None:
            raise InvalidValueError("a prompt needs at least one point or a box")
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "box", box)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (the store's and exporters' serialisation)."""
        return {
            "points": [list(p) for p in self.points],
            "labels": list(self.labels),
            "box": list(self.box) if self.box is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prompt:
        """Inverse of `to_json`; raises InvalidValueError on malformed input."""
        try:
            points = tuple((float(p[0]), float(p[1])) for p in data.get("points") or [])
            labels = tuple(int(v) for v in data.get("labels") or [])
            raw_box = data.get("box")
            box = tuple(float(v) for v in raw_box) if raw_box is not None else None
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            raise InvalidValueError(f"malformed prompt record: {data!r:.120}") from exc
        return cls(points=points, labels=labels, box=box)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Category:
    """A label class. `export_id` is the id written to COCO/YOLO files; `order` sorts them."""

    id: int
    name: str
    colour: Colour = (255, 0, 0)
    export_id: int = 1
    order: int = 0

    def __post_init__(self) -> None:
        _check_id(self.id, "category id")
        _check_name(self.name, "category")
        object.__setattr__(self, "colour", parse_colour(self.colour))
        if not isinstance(self.export_id, int) or self.export_id < 0:
            raise InvalidValueError(f"export id must be an int >= 0, got {self.export_id!r}")

    def with_(self, **changes: object) -> Category:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Video:
    """A video (or image folder) the project annotates; referenced by path + fingerprint."""

    id: int
    path: str
    fingerprint: str
    fps: float
    width: int
    height: int
    num_frames: int

    def __post_init__(self) -> None:
        _check_id(self.id, "video id")
        if not isinstance(self.path, str) or not self.path:
            raise InvalidValueError(f"video path must be a non-empty string, got {self.path!r}")
        if not (isinstance(self.fps, (int, float)) and math.isfinite(self.fps) and self.fps > 0):
            raise InvalidValueError(f"video fps must be a positive number, got {self.fps!r}")
        object.__setattr__(self, "fps", float(self.fps))
        for name in ("width", "height", "num_frames"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise InvalidValueError(f"video {name} must be an int >= 1, got {v!r}")

    def with_(self, **changes: object) -> Video:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Track:
    """One object followed through one video; `id` is never reused within a project."""

    id: int
    video_id: int
    category_id: int | None
    name: str
    colour: Colour = (255, 0, 0)
    hidden: bool = False
    locked: bool = False

    def __post_init__(self) -> None:
        _check_id(self.id, "track id")
        _check_id(self.video_id, "track video id")
        if self.category_id is not None:
            _check_id(self.category_id, "track category id")
        _check_name(self.name, "track")
        object.__setattr__(self, "colour", parse_colour(self.colour))
        object.__setattr__(self, "hidden", bool(self.hidden))
        object.__setattr__(self, "locked", bool(self.locked))

    def with_(self, **changes: object) -> Track:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


MaskKey = tuple[int, int, int]
"""(video_id, frame, track_id): the address of one annotation."""


@dataclass(frozen=True)
class FrameMask:
    """The annotation of one track on one frame: its mask and where it came from."""

    video_id: int
    frame: int
    track_id: int
    mask: Mask
    provenance: Provenance = Provenance.PROPAGATED
    score: float | None = None  # the model's object score (logit), None when not from the model
    prompt: Prompt | None = field(default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.frame, int) or isinstance(self.frame, bool) or self.frame < 0:
            raise InvalidValueError(f"frame must be an int >= 0, got {self.frame!r}")
        if not isinstance(self.mask, Mask):
            raise InvalidValueError(f"mask must be a Mask, got {type(self.mask).__name__}")
        if not isinstance(self.provenance, Provenance):
            object.__setattr__(self, "provenance", Provenance(self.provenance))
        if self.score is not None:
            score = float(self.score)
            if not math.isfinite(score):
                raise InvalidValueError(f"object score must be finite, got {self.score!r}")
            object.__setattr__(self, "score", score)

    @property
    def key(self) -> MaskKey:
        """(video_id, frame, track_id)."""
        return (self.video_id, self.frame, self.track_id)

    @property
    def nbytes(self) -> int:
        """Approximate memory held (for history budgets)."""
        return self.mask.nbytes + 96 + (64 * len(self.prompt.points) if self.prompt else 0)


@dataclass(frozen=True)
class ViewState:
    """ "Where was I": the video, frame and selected track to restore when a project reopens."""

    video_id: int | None = None
    frame: int = 0
    track_id: int | None = None
