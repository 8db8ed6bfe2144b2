"""Review aids: frames where an object's track likely went wrong (Qt-free).

A propagated frame is flagged when the object score drops sharply from the frame before it,
or crosses below zero (the model lost the object), or when the mask area jumps by more than a
factor from the frame before (drift onto the background, or an identity switch). Only frames
the tracker wrote are judged; keyframes and absent frames are the user's word.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.service.lane_facts import FrameKind, LaneFacts

LOW_SCORE = 0.0  # object score logit at or below which the model thinks the object is gone


@dataclass(frozen=True)
class ReviewLimits:
    """How much change between neighbouring frames is worth a look."""

    score_drop: float = 4.0  # object score logit fall from one frame to the next
    area_ratio: float = 2.0  # area grows or shrinks by more than this factor
    min_area: int = 16  # pixels; areas below it are too noisy to compare


def low_score(facts: LaneFacts) -> np.ndarray:
    """bool per frame: a propagated frame whose object score is at or below LOW_SCORE."""
    tracked = facts.kinds == FrameKind.PROPAGATED
    with np.errstate(invalid="ignore"):
        return tracked & (facts.scores <= LOW_SCORE)


def review_flags(facts: LaneFacts, limits: ReviewLimits | None = None) -> np.ndarray:
    """bool per frame: propagated frames whose score drop or area jump from the previous
    frame (in frame order) exceeds `limits`."""
    lim = limits or ReviewLimits()
    n = facts.num_frames
    flags = np.zeros(n, bool)
    if n < 2:
        return flags
    kinds = facts.kinds
    has_mask = (kinds >= FrameKind.PROPAGATED) & (kinds <= FrameKind.EDITED)
    prev_s, cur_s = facts.scores[:-1], facts.scores[1:]
    with np.errstate(invalid="ignore"):
        drop = (prev_s - cur_s > lim.score_drop) | ((prev_s > LOW_SCORE) & (cur_s <= LOW_SCORE))
    prev_a = facts.areas[:-1].astype(np.float64)
    cur_a = facts.areas[1:].astype(np.float64)
    both = has_mask[:-1] & has_mask[1:] & (np.minimum(prev_a, cur_a) >= lim.min_area)
    ratio = np.maximum(prev_a, cur_a) / np.maximum(np.minimum(prev_a, cur_a), 1.0)
    jump = both & (ratio > lim.area_ratio)
    flags[1:] = (drop | jump) & (facts.kinds[1:] == FrameKind.PROPAGATED)
    return flags


def next_flagged(flags: np.ndarray, frame: int, step: int = 1) -> int | None:
    """The nearest flagged frame after `frame` (step 1) or before it (step -1), or None."""
    hits = np.flatnonzero(flags)
    if step > 0:
        later = hits[hits > frame]
        return int(later[0]) if later.size else None
    earlier = hits[hits < frame]
    return int(earlier[-1]) if earlier.size else None
