"""A single click's answer carries the model's three candidate masks; the best one is the
mask the session tracks with."""

from __future__ import annotations

import numpy as np

from annotator.service import Candidates, MaskResult


def test_a_single_click_returns_three_candidates_and_the_best_is_the_tracked_mask(
    service,
) -> None:
    result = service.add_points(2, 7, [(80.0, 45.0)], [1]).result(120)
    assert isinstance(result, MaskResult)
    candidates = result.candidates
    assert isinstance(candidates, Candidates) and candidates.obj_id == 7
    assert candidates.masks.shape == (3, 90, 160) and candidates.masks.dtype == bool
    assert candidates.scores.shape == (3,)
    np.testing.assert_array_equal(candidates.masks[candidates.best], result.objects[7].mask)


def test_more_clicks_or_a_box_have_no_candidates(service) -> None:
    two = service.add_points(1, 3, [(80.0, 45.0), (20.0, 20.0)], [1, 0]).result(120)
    assert two.candidates is None
    box = service.add_box(1, 3, (10.0, 10.0, 90.0, 60.0)).result(120)
    assert box.candidates is None
