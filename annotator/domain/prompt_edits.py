"""Corrections of a stored prompt (Qt-free): drop a click, move a click, adjust the box.

Each returns the new full prompt, which replaces the old one on its frame (None when nothing
is left: the frame's prompt, and so its mask, goes away).
"""

from __future__ import annotations

from annotator.domain.entities import Prompt
from annotator.domain.errors import InvalidValueError


def without_point(prompt: Prompt, index: int) -> Prompt | None:
    """The prompt without click `index` (None when no click or box remains)."""
    _check_index(prompt, index)
    points = [p for i, p in enumerate(prompt.points) if i != index]
    labels = [v for i, v in enumerate(prompt.labels) if i != index]
    if not points and prompt.box is None:
        return None
    return Prompt(points, labels, prompt.box)


def with_point_moved(prompt: Prompt, index: int, x: float, y: float) -> Prompt:
    """The prompt with click `index` at (x, y), its label kept."""
    _check_index(prompt, index)
    points = list(prompt.points)
    points[index] = (x, y)
    return Prompt(tuple(points), prompt.labels, prompt.box)


def with_box(prompt: Prompt, box: tuple[float, float, float, float]) -> Prompt:
    """The prompt with its box replaced (the clicks kept)."""
    return Prompt(prompt.points, prompt.labels, box)


def _check_index(prompt: Prompt, index: int) -> None:
    if not 0 <= index < len(prompt.points):
        raise InvalidValueError(f"the prompt has {len(prompt.points)} clicks, no click {index}")
