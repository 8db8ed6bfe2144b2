"""Pre-encode planning, propagation frame counts and run ranges: pure arithmetic, no torch.

Kept apart from the worker so the service (and the GUI that imports it) loads without torch;
torch is first imported on the engine thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from annotator.domain import FrameMask, Provenance
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


class RunEnd(str, Enum):
    """Where a propagation from the current frame stops."""

    RANGE = "range"  # the in/out marker in the direction of travel
    VIDEO = "video"  # the first or last frame of the video
    NEXT_KEYFRAME = "keyframe"  # the active object's next keyframe in the direction of travel


@dataclass(frozen=True)
class RunPlan:
    """One propagation request: from `start` in `direction`, at most `max_frames` past it."""

    start: int
    direction: Direction
    max_frames: int | None

    def frames(self, num_frames: int) -> range:
        """The frames this run writes, in a video of `num_frames` (FORWARD or BACKWARD only)."""
        span = num_frames if self.max_frames is None else self.max_frames
        if self.direction == Direction.BACKWARD:
            return range(max(0, self.start - span), self.start + 1)
        return range(self.start, min(num_frames - 1, self.start + span) + 1)


def plan_runs(
    current: int,
    direction: Direction,
    end: RunEnd,
    num_frames: int,
    in_out: tuple[int, int] | None = None,
    keyframes: Sequence[int] = (),
) -> list[RunPlan]:
    """The requests that propagate from `current` to `end` (BOTH: forward, then backward from
    the frame before `current`, each to its own end); empty when there is nothing to run.

    RANGE without markers means the whole video; NEXT_KEYFRAME without a keyframe ahead runs
    to the video's end (the keyframe itself is included: it is where the run meets it)."""
    if not 0 <= current < num_frames:
        return []
    lo, hi = sorted(in_out) if in_out is not None else (0, num_frames - 1)
    lo, hi = max(0, lo), min(num_frames - 1, hi)
    plans = []
    if direction in (Direction.FORWARD, Direction.BOTH):
        stop = _stop(current, 1, end, num_frames - 1, hi, keyframes)
        if stop is not None and stop >= current:
            plans.append(RunPlan(current, Direction.FORWARD, stop - current))
    if direction in (Direction.BACKWARD, Direction.BOTH):
        start = current if direction == Direction.BACKWARD else current - 1
        stop = _stop(current, -1, end, 0, lo, keyframes)
        if start >= 0 and stop is not None and stop <= start:
            plans.append(RunPlan(start, Direction.BACKWARD, start - stop))
    return plans


def _stop(
    current: int, step: int, end: RunEnd, video_end: int, marker: int, keyframes: Sequence[int]
) -> int | None:
    if end == RunEnd.VIDEO:
        return video_end
    if end == RunEnd.RANGE:
        inside = current <= marker if step > 0 else current >= marker
        return marker if inside else None
    ahead = [k for k in keyframes if (k - current) * step > 0]
    if not ahead:
        return video_end
    return min(ahead) if step > 0 else max(ahead)


def keyframes_by_track(records: Iterable[FrameMask]) -> dict[int, dict[int, bool]]:
    """{track id: {frame: is a hand edit}} of keyframe records, as `edits_to_release` takes."""
    keyframes: dict[int, dict[int, bool]] = {}
    for rec in records:
        keyframes.setdefault(rec.track_id, {})[rec.frame] = rec.provenance is Provenance.EDITED
    return keyframes


def edits_to_release(
    plans: Sequence[RunPlan], num_frames: int, keyframes: Mapping[int, Mapping[int, bool]]
) -> list[tuple[int, int]]:
    """(frame, track id) of the hand edits a run that may replace edits takes over, given each
    tracked object's keyframes {track id: {frame: is hand edit}}: the edits inside the runs
    except on the frame they start from, for an object left with a keyframe to track from."""
    if not plans:
        return []
    covered = {f for plan in plans for f in plan.frames(num_frames)} - {plans[0].start}
    released = []
    for track_id, frames in sorted(keyframes.items()):
        mine = sorted(f for f, edited in frames.items() if edited and f in covered)
        if mine and len(mine) < len(frames):
            released += [(f, track_id) for f in mine]
    return released
