"""Pre-encode planning and propagation frame counts: pure arithmetic, no torch.

Kept apart from the worker so the service (and the GUI that imports it) loads without torch;
torch is first imported on the engine thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.service.requests import Direction, EncodeFrame


@dataclass(frozen=True)
class PlanLimits:
    """What the pre-encode planner may assume: the video length and how many frames past
    the landing one fit in the feature cache (half its capacity, so planning ahead never
    evicts the frames just worked on)."""

    num_frames: int = 0
    max_ahead: int = 0


def plan_preencode(request: EncodeFrame, limits: PlanLimits) -> list[int]:
    """Frames to pre-encode for a landing, in order: the landing frame, then its neighbours
    in the direction of travel (alternating for BOTH), inside the video and the budget."""
    n, f = limits.num_frames, request.frame
    if not 0 <= f < n:
        return []
    ahead = max(0, min(request.ahead, limits.max_ahead))
    if request.direction == Direction.FORWARD:
        steps = [f + k for k in range(1, ahead + 1)]
    elif request.direction == Direction.BACKWARD:
        steps = [f - k for k in range(1, ahead + 1)]
    else:
        steps = [f + s * k for k in range(1, ahead + 1) for s in (1, -1)][:ahead]
    return [f, *(g for g in steps if 0 <= g < n)]


def count_propagated(start: int, direction: Direction, max_frames: int | None, n: int) -> int:
    """How many frames a propagation yields (start included, once, also for BOTH)."""
    span = n if max_frames is None else max_frames
    fwd = min(n - 1, start + span) - start + 1
    bwd = start - max(0, start - span) + 1
    if direction == Direction.FORWARD:
        return fwd
    if direction == Direction.BACKWARD:
        return bwd
    return fwd + bwd - 1
