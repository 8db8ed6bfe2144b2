"""A stored prompt given back to a tracker: the one box-or-clicks dispatch shared by the
window's replay into the engine service and the headless `annotator propagate`."""

from __future__ import annotations

from typing import Any

from annotator.domain import Prompt


def give_prompt(target: Any, frame: int, track_id: int, prompt: Prompt) -> Any:
    """Call `target.add_box` (box, with any clicks) or `target.add_points` with a full prompt,
    which replaces the object's prompts on the frame; returns what the call returns (a
    VideoSession's result, or the service's future)."""
    if prompt.box is not None:
        return target.add_box(frame, track_id, prompt.box, prompt.points, prompt.labels)
    return target.add_points(frame, track_id, prompt.points, prompt.labels)
