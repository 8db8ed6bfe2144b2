"""What a video session checks before it touches the model: frame indices, clicks, boxes and
masks inside the frame, propagation arguments; the frame ranges a propagation covers and
whether it was cancelled."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from annotator.engine.preprocess import EngineInputError, check_box, check_points
from annotator.engine.session_errors import FrameIndexError, PromptError, VideoSessionError

Direction = Literal["forward", "backward", "both"]
CancelToken = Callable[[], bool] | threading.Event | None


def is_cancelled(cancel: CancelToken) -> bool:
    """Whether a propagation's cancel token (an Event, a callable or None) says stop."""
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def check_frame(frame: Any, num_frames: int) -> None:
    """An int frame index inside the video, else FrameIndexError."""
    if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)):
        raise FrameIndexError(f"frame index must be an int, got {frame!r}")
    if not 0 <= frame < num_frames:
        raise FrameIndexError(f"frame {frame} is outside the video (frames 0..{num_frames - 1})")


def check_inside(xy: np.ndarray, size: tuple[int, int], what: str) -> None:
    """Every (x, y) row of `xy` inside a frame of (height, width) `size`, else PromptError."""
    h, w = size
    outside = (xy[:, 0] < 0) | (xy[:, 0] > w) | (xy[:, 1] < 0) | (xy[:, 1] > h)
    if outside.any():
        x, y = xy[int(np.argmax(outside))]
        raise PromptError(f"{what} ({x:g}, {y:g}) is outside the {w}x{h} frame")


def check_clicks(
    points: Any, labels: Any, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Checked clicks; none given (None or empty, as a stored box-only prompt) is None."""
    if all(v is None or np.asarray(v).size == 0 for v in (points, labels)):
        return None
    try:
        clicks = check_points(points, labels)
    except EngineInputError as exc:
        raise PromptError(str(exc)) from exc
    if clicks is not None:
        check_inside(clicks[0], size, "point")
    return clicks


def check_box_prompt(box: Any, size: tuple[int, int]) -> np.ndarray:
    """A box (x0, y0, x1, y1) checked and inside the frame, as a float array of 4."""
    try:
        checked = check_box(box)
    except EngineInputError as exc:
        raise PromptError(str(exc)) from exc
    assert checked is not None
    check_inside(checked.reshape(2, 2), size, "box corner")
    return checked


def check_mask_prompt(mask: Any, size: tuple[int, int]) -> np.ndarray:
    """A bool or 0/1 array of the frame's (height, width), else PromptError."""
    arr = np.asarray(mask)
    if arr.shape != size:
        raise PromptError(f"mask must have the frame's shape {size}, got {arr.shape}")
    if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
        raise PromptError("mask must be boolean (or 0/1)")
    return arr


def check_run_arguments(direction: Any, max_frames: Any, stop_after_absent: Any) -> None:
    """A propagation's direction, frame limit and absence limit, else VideoSessionError."""
    if direction not in ("forward", "backward", "both"):
        raise VideoSessionError(
            f"direction must be 'forward', 'backward' or 'both', got {direction!r}"
        )
    if max_frames is not None and (not isinstance(max_frames, int) or max_frames < 0):
        raise VideoSessionError(f"max_frames must be a non-negative int, got {max_frames!r}")
    if stop_after_absent is not None and stop_after_absent < 1:
        raise VideoSessionError(
            f"stop_after_absent must be a positive int, got {stop_after_absent!r}"
        )


def run_orders(
    start: int, direction: Direction, max_frames: int | None, num_frames: int
) -> list[tuple[range, bool]]:
    """The frames a propagation visits, as (frames in visiting order, reverse) runs:
    forward from `start`, backward from it, or both (backward then starts at start - 1);
    at most `max_frames` frames past `start` each way. As in the reference, a backward run
    from frame 0 visits nothing."""
    span = num_frames if max_frames is None else max_frames
    runs: list[tuple[range, bool]] = []
    if direction in ("forward", "both"):
        runs.append((range(start, min(start + span, num_frames - 1) + 1), False))
    if direction == "backward" and start > 0:
        runs.append((range(start, max(start - span, 0) - 1, -1), True))
    if direction == "both" and start > 0 and span > 0:
        runs.append((range(start - 1, max(start - span, 0) - 1, -1), True))
    return runs
