"""Prompt corrections: drop, move, re-box; an emptied prompt is None."""

from __future__ import annotations

import pytest

from annotator.domain import InvalidValueError, Prompt
from annotator.domain.prompt_edits import with_box, with_point_moved, without_point


def test_dropping_and_moving_clicks() -> None:
    prompt = Prompt(((1.0, 2.0), (3.0, 4.0)), (1, 0))
    assert without_point(prompt, 0) == Prompt(((3.0, 4.0),), (0,))
    assert without_point(Prompt(((1.0, 2.0),), (1,)), 0) is None
    boxed = Prompt(((1.0, 2.0),), (1,), (0.0, 0.0, 5.0, 5.0))
    assert without_point(boxed, 0) == Prompt(box=(0.0, 0.0, 5.0, 5.0))
    assert with_point_moved(prompt, 1, 9.0, 8.0) == Prompt(((1.0, 2.0), (9.0, 8.0)), (1, 0))
    assert with_box(prompt, (0.0, 1.0, 2.0, 3.0)).box == (0.0, 1.0, 2.0, 3.0)
    with pytest.raises(InvalidValueError, match="no click 2"):
        without_point(prompt, 2)
