"""The three candidate masks of a single click, on request: the best one is exactly the mask
the session tracks with, and asking costs the click nothing."""

from __future__ import annotations

import numpy as np

from annotator.service import Candidates, CandidatesFound


def test_a_single_click_has_three_candidates_and_the_best_is_the_tracked_mask(service) -> None:
    result = service.add_points(2, 7, [(80.0, 45.0)], [1]).result(120)
    found = service.find_candidates(2, 7, (80.0, 45.0), 1).result(120)
    assert isinstance(found, CandidatesFound) and found.frame == 2
    candidates = found.candidates
    assert isinstance(candidates, Candidates) and candidates.obj_id == 7
    assert candidates.masks.shape == (3, 90, 160) and candidates.masks.dtype == bool
    assert candidates.scores.shape == (3,)
    np.testing.assert_array_equal(candidates.masks[candidates.best], result.objects[7].mask)


def test_a_frame_without_cached_features_has_none(service) -> None:
    found = service.find_candidates(5, 1, (10.0, 10.0), 1).result(120)
    assert isinstance(found, CandidatesFound) and found.candidates is None
