"""Typed request records sent from the GUI (or CLI) to the engine thread.

Every request is an immutable value; the service gives it an id when it is submitted.
Coordinates are frame pixels (x, y); object ids are the caller's integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np


class Direction(str, Enum):
    """Which way a propagation (or the pre-encoder) travels from its start frame."""

    FORWARD = "forward"
    BACKWARD = "backward"
    BOTH = "both"


@dataclass(frozen=True)
class LoadModel:
    """Load a checkpoint file, or a model by name (downloaded first when missing).

    `source` is a path to a `.pt` file or a model name such as "sam2.1_hiera_tiny".
    `device`: "cpu", "cuda[:N]", "mps" or "auto". `image_size` runs the model at another
    square input (a multiple of 32; None = 1024): smaller is faster and coarser. A video
    already open is re-opened with the new model (its prompts and results start afresh).
    """

    source: str | Path
    device: str = "cpu"
    image_size: int | None = None


@dataclass(frozen=True)
class SetVideo:
    """Start a tracking session over a frame source (`len(src)`, `src[i]` -> RGB uint8 HxWx3).

    `feature_budget_bytes`: the feature cache's budget (None: sized to the machine);
    `fast`: bfloat16 compute where the hardware has it (float32 otherwise, the exact mode);
    None: the device's default (fast where it has fast bf16, see `default_precision`).
    """

    frames: Any
    feature_budget_bytes: int | None = None
    fast: bool | None = False


@dataclass(frozen=True)
class EncodeFrame:
    """The user landed on `frame`: encode it now in the background, then up to `ahead`
    neighbours in `direction` while the engine is idle. Replaces any earlier plan."""

    frame: int
    direction: Direction = Direction.FORWARD
    ahead: int = 4


@dataclass(frozen=True)
class AddPoints:
    """Clicks for one object on one frame; label 1 = positive, 0 = negative.

    `clear_old=False` appends to the clicks already on that frame for that object.
    """

    frame: int
    obj_id: int
    points: tuple[tuple[float, float], ...]
    labels: tuple[int, ...]
    clear_old: bool = True

    @staticmethod
    def of(
        frame: int,
        obj_id: int,
        points: Sequence[Sequence[float]],
        labels: Sequence[int],
        clear_old: bool = True,
    ) -> AddPoints:
        """Build from any sequences (lists, numpy arrays) as immutable tuples."""
        pts = tuple((float(p[0]), float(p[1])) for p in points)
        return AddPoints(frame, obj_id, pts, tuple(int(v) for v in labels), clear_old)


@dataclass(frozen=True)
class AddBox:
    """A box `(x0, y0, x1, y1)` for one object on one frame, optionally with clicks.

    A box always replaces the object's earlier prompts on that frame.
    """

    frame: int
    obj_id: int
    box: tuple[float, float, float, float]
    points: tuple[tuple[float, float], ...] = ()
    labels: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class AddMask:
    """A binary mask (H x W bool, frame size) as the prompt for one object on one frame."""

    frame: int
    obj_id: int
    mask: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class FindCandidates:
    """The model's three candidate masks for one click (x, y; label 1 or 0) of an object on
    a frame whose features are cached (after that click): answered by CandidatesFound."""

    frame: int
    obj_id: int
    point: tuple[float, float]
    label: int


@dataclass(frozen=True)
class RemoveObject:
    """Forget one object entirely (its prompts and tracked masks)."""

    obj_id: int


@dataclass(frozen=True)
class ClearPrompts:
    """Remove one object's prompts on one frame."""

    frame: int
    obj_id: int


@dataclass(frozen=True)
class Propagate:
    """Track objects from `start` in `direction` for at most `max_frames` frames past
    `start` (None = to the end of the video); streams one result per frame.

    `objects`: the ids to track (None: all). `from_keyframes`: each object only outward from
    its own keyframes (False: the reference's every object from `start`).
    `stop_after_absent`: end an object's run after this many frames in a row without it.
    """

    start: int
    direction: Direction = Direction.FORWARD
    max_frames: int | None = None
    objects: tuple[int, ...] | None = None
    from_keyframes: bool = True
    stop_after_absent: int | None = None


@dataclass(frozen=True)
class Reset:
    """Drop every prompt and tracked result of the session (the video stays open)."""


PromptRequest = AddPoints | AddBox | AddMask
Request = (
    LoadModel
    | SetVideo
    | EncodeFrame
    | AddPoints
    | AddBox
    | AddMask
    | FindCandidates
    | RemoveObject
    | ClearPrompts
    | Propagate
    | Reset
)


def prompt_key(request: object) -> tuple[int, int] | None:
    """(frame, obj_id) for prompt requests, the unit within which clicks coalesce."""
    if isinstance(request, AddPoints | AddBox | AddMask):
        return (request.frame, request.obj_id)
    return None


def merge_prompts(older: PromptRequest, newer: PromptRequest) -> PromptRequest | None:
    """One request equivalent to running `older` then `newer` (same frame and object), or
    None when they cannot be merged and must both run.

    A newer request that clears old prompts (clicks with clear_old, a box, a mask) wins
    outright; newer clicks that append are appended to the older clicks or box.
    """
    if prompt_key(older) != prompt_key(newer):
        return None
    if isinstance(newer, AddBox | AddMask):
        return newer
    if newer.clear_old:
        return newer
    if isinstance(older, AddPoints):
        return AddPoints(
            older.frame,
            older.obj_id,
            older.points + newer.points,
            older.labels + newer.labels,
            older.clear_old,
        )
    if isinstance(older, AddBox):
        return AddBox(
            older.frame,
            older.obj_id,
            older.box,
            older.points + newer.points,
            older.labels + newer.labels,
        )
    return None  # mask then appended clicks: both must run, in order
