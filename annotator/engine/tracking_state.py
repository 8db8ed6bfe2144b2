"""Typed per-object tracking state of a video session, bounded in memory.

Each object keeps its prompts, its conditioning frames (prompted frames, full outputs), the
"hot" non-conditioning outputs that track_step can still read as memory, and for every other
tracked frame a "cold" record: the binary low-res mask, the object score and the object
pointer (1 KB). ``model_view`` builds the reference-layout ``output_dict`` track_step reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

# Output record in the reference layout: maskmem_features (1, 64, h, w) bf16 or None,
# maskmem_pos_enc [(1, 64, h, w)] or None, pred_masks (1, 1, 256, 256) float32 logits,
# obj_ptr (1, 256), object_score_logits (1, 1).
FrameOutput = dict[str, Any]

NO_OBJECT_LOGIT = -1024.0  # the reference's NO_OBJ_SCORE, for objects absent from a frame
COLD_LOGIT = 10.0  # magnitude of logits rebuilt from a cold (binary) mask


@dataclass
class ColdFrame:
    """What is kept of an old non-conditioning output: enough to show and to correct it."""

    packed_mask: np.ndarray  # np.packbits of the (h, w) low-res mask (logit > 0)
    shape: tuple[int, int]
    score: Tensor  # (1, 1) object score logit
    obj_ptr: Tensor  # (1, C)

    @classmethod
    def from_output(cls, out: FrameOutput) -> ColdFrame:
        logits = out["pred_masks"][0, 0]
        mask = (logits > 0).cpu().numpy()
        return cls(np.packbits(mask), tuple(mask.shape), out["object_score_logits"], out["obj_ptr"])

    def logits(self) -> Tensor:
        """(1, 1, h, w) stand-in logits: ±COLD_LOGIT; NO_OBJECT_LOGIT if the object was absent."""
        h, w = self.shape
        mask = np.unpackbits(self.packed_mask, count=h * w).reshape(h, w).astype(bool)
        if float(self.score.reshape(-1)[0]) <= 0 and not mask.any():
            return torch.full((1, 1, h, w), NO_OBJECT_LOGIT)
        t = torch.from_numpy(mask)[None, None]
        return torch.where(t, COLD_LOGIT, -COLD_LOGIT).float()

    def as_pointer_output(self) -> FrameOutput:
        """A record that only offers the object pointer (never read as spatial memory)."""
        return {
            "maskmem_features": None,
            "maskmem_pos_enc": None,
            "pred_masks": None,
            "obj_ptr": self.obj_ptr,
            "object_score_logits": self.score,
        }


@dataclass
class RunSegment:
    """Frames ``first``..``last`` (in the direction of travel) tracked in one continuous pass
    with the prompts of ``version``: re-running them unchanged gives the same outputs."""

    reverse: bool
    version: int
    first: int
    last: int

    def reaches(self, frame: int) -> bool:
        """``frame`` lies in first..last, counted along the direction of travel."""
        lo, hi = (self.last, self.first) if self.reverse else (self.first, self.last)
        return lo <= frame <= hi


@dataclass
class ObjectTrack:
    """All state of one tracked object (objects never share state: each tracks alone)."""

    obj_id: int
    point_inputs: dict[int, dict[str, Tensor]] = field(default_factory=dict)
    mask_inputs: dict[int, Tensor] = field(default_factory=dict)
    cond: dict[int, FrameOutput] = field(default_factory=dict)
    hot: dict[int, FrameOutput] = field(default_factory=dict)
    cold: dict[int, ColdFrame] = field(default_factory=dict)
    # outputs of prompts given since the last propagation; memory not encoded yet
    pending: dict[int, FrameOutput] = field(default_factory=dict)
    # frame -> tracked in reverse? (every frame that has a result for this object)
    tracked: dict[int, bool] = field(default_factory=dict)
    # bumped by every prompt change; outputs of an unchanged object can be reused
    version: int = 0
    segment: RunSegment | None = None

    def begin_run(self, start: int, reverse: bool) -> None:
        """A run from ``start``: it continues the last segment if that segment is still valid
        (same direction and prompts) and ``start`` lies in it or right after its end."""
        seg = self.segment
        step = -1 if reverse else 1
        if (
            seg is not None
            and seg.reverse == reverse
            and seg.version == self.version
            and (seg.reaches(start) or start == seg.last + step)
        ):
            return
        self.segment = RunSegment(reverse, self.version, start, start - step)

    def reusable(self, frame: int, reverse: bool) -> bool:
        """The output on ``frame`` is what re-tracking it now would give (same pass, same
        prompts, still present)."""
        seg = self.segment
        return (
            seg is not None
            and seg.version == self.version
            and seg.reverse == reverse
            and seg.reaches(frame)
            and self.tracked.get(frame) == reverse
            and (frame in self.hot or frame in self.cold)
        )

    def extend_run(self, frame: int) -> None:
        if self.segment is not None:
            seg = self.segment
            seg.last = min(seg.last, frame) if seg.reverse else max(seg.last, frame)

    @property
    def has_prompts(self) -> bool:
        return bool(self.cond or self.pending)

    def anchor_frames(self) -> list[int]:
        """Sorted frames where the object was shown (clicks, a box or a non-empty mask); an
        empty mask prompt says "not here" and anchors nothing."""
        shown = set(self.point_inputs)
        shown.update(f for f, m in self.mask_inputs.items() if bool(m.any()))
        return sorted(shown)

    def run_start(self, order: range, from_keyframes: bool) -> int | None:
        """Where this object joins a run over ``order`` (None: not at all). The reference
        joins every prompted object at the run's start; ``from_keyframes`` joins it only
        outward from its own keyframes: a forward run from s starts at its first keyframe
        when that comes after s, a backward run at its last keyframe before s."""
        if not self.cond:
            return None  # every prompt of this object was cleared
        if not from_keyframes:
            return order.start
        anchors = self.anchor_frames()
        if not anchors:
            return None
        reverse = order.step < 0
        start = min(order.start, anchors[-1]) if reverse else max(order.start, anchors[0])
        return start if start in order else None

    def display_output(self, frame: int) -> tuple[Tensor, Tensor] | None:
        """Latest (low-res logits (1,1,h,w), score (1,1)) on ``frame``, or None if none."""
        for table in (self.pending, self.cond, self.hot):
            out = table.get(frame)
            if out is not None:
                return out["pred_masks"], out["object_score_logits"]
        cold = self.cold.get(frame)
        if cold is not None:
            return cold.logits(), cold.score
        return None

    def store_tracked(self, frame: int, out: FrameOutput, reverse: bool) -> None:
        """Record a propagated (non-conditioning) output as hot memory (the newest one)."""
        self.cold.pop(frame, None)
        self.hot.pop(frame, None)  # re-inserted last: ``hot`` is ordered oldest first
        self.hot[frame] = out
        self.tracked[frame] = reverse

    def commit_pending(self) -> None:
        """Pending prompt outputs (memory now encoded) become conditioning frames."""
        for frame, out in self.pending.items():
            self.cond[frame] = out
            self.hot.pop(frame, None)
            self.cold.pop(frame, None)
        self.pending.clear()

    def is_protected(self, frame: int, radius: int) -> bool:
        """Within ``radius`` of a conditioning frame: kept hot for re-propagation from there."""
        return any(abs(frame - c) <= radius for c in self.cond)

    def cool(self, frame: int, radius: int) -> None:
        """Reduce a hot output to a cold record unless a conditioning frame is near."""
        out = self.hot.get(frame)
        if out is None or self.is_protected(frame, radius):
            return
        del self.hot[frame]
        self.cold[frame] = ColdFrame.from_output(out)

    def limit_hot(self, keep: range, limit: int, radius: int) -> None:
        """Cool the oldest unprotected hot outputs outside ``keep`` beyond ``limit`` of them.

        Outputs near a conditioning frame stay (re-propagation from a prompt reads them); so do
        the frames in ``keep`` (what the next step reads) and the ``limit`` most recent others
        (the ends of recent runs, so a cancelled or reversed run can resume exactly)."""
        loose = [t for t in self.hot if t not in keep and not self.is_protected(t, radius)]
        for t in loose[: max(0, len(loose) - limit)]:
            self.cool(t, radius)

    def model_view(self, frame: int, mem_radius: int, ptr_radius: int) -> dict[str, Any]:
        """The reference ``output_dict`` for track_step on ``frame``.

        Hot outputs serve as spatial memory and pointers; cold frames farther than
        ``mem_radius`` (never read as spatial memory) still offer their object pointers.
        """
        non_cond: dict[int, FrameOutput] = dict(self.hot)
        for t in range(frame - ptr_radius, frame + ptr_radius + 1):
            cold = self.cold.get(t)
            if cold is not None and abs(t - frame) > mem_radius and t not in non_cond:
                non_cond[t] = cold.as_pointer_output()
        return {"cond_frame_outputs": self.cond, "non_cond_frame_outputs": non_cond}

    def clear_frame(self, frame: int) -> None:
        """Drop the prompts on ``frame``; its conditioning output becomes an ordinary one."""
        self.version += 1
        self.point_inputs.pop(frame, None)
        self.mask_inputs.pop(frame, None)
        self.pending.pop(frame, None)
        out = self.cond.pop(frame, None)
        if out is not None:
            self.hot[frame] = out
            self.tracked.pop(frame, None)

    def retained_outputs(self) -> int:
        """Full outputs (with spatial memory) held: conditioning + hot."""
        return len(self.cond) + len(self.hot)


@dataclass(frozen=True)
class RunChoice:
    """Which objects a propagation tracks and where each joins and leaves a run."""

    objects: set[int]
    from_keyframes: bool
    stop_after_absent: int | None
