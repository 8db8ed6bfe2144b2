"""A stored prompt or absence given back to a tracker: the one box-or-clicks dispatch and
the one absence replay shared by the window's engine service and `annotator propagate`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from annotator.domain import Prompt
from annotator.domain.absence import frames_of


def give_prompt(target: Any, frame: int, track_id: int, prompt: Prompt) -> Any:
    """Call `target.add_box` (box, with any clicks) or `target.add_points` with a full prompt,
    which replaces the object's prompts on the frame; returns what the call returns (a
    VideoSession's result, or the service's future)."""
    if prompt.box is not None:
        return target.add_box(frame, track_id, prompt.box, prompt.points, prompt.labels)
    return target.add_points(frame, track_id, prompt.points, prompt.labels)


def give_absence(
    target: Any, absence: Mapping[int, Sequence[tuple[int, int]]], frame_size: tuple[int, int]
) -> list[Any]:
    """An empty mask prompt (SAM2's "not here": object score below zero, no-object memory)
    on every absent frame, {track id: spans}; what each `target.add_mask` call returns."""
    empty = np.zeros(frame_size, dtype=bool)
    return [
        target.add_mask(frame, track_id, empty)
        for track_id, spans in sorted(absence.items())
        for frame in frames_of(spans)
    ]


class AbsenceReplay:
    """Which absent frames the engine session holds as empty mask prompts, so that only
    changes are sent before a propagation (each prompt costs the engine a model step)."""

    def __init__(self) -> None:
        self._sent: set[tuple[int, int]] = set()  # (frame, track id)

    def reset(self) -> None:
        """A new engine session: it holds none."""
        self._sent.clear()

    def changes(
        self, absence: Mapping[int, Sequence[tuple[int, int]]]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(frames to mark, frames to unmark), as (frame, track id), to bring the session to
        `absence`; the session is assumed to follow them from now on."""
        wanted = {(f, tid) for tid, spans in absence.items() for f in frames_of(spans)}
        add, drop = sorted(wanted - self._sent), sorted(self._sent - wanted)
        self._sent = wanted
        return add, drop
