"""Which stored frames a tracked frame reads: conditioning frames, recent memory frames and
object pointers, with their temporal positions (pure Python over frame-indexed dicts).

`output_dict` follows the reference layout: ``{"cond_frame_outputs": {t: out},
"non_cond_frame_outputs": {t: out}}`` where each ``out`` holds at least ``maskmem_features``,
``maskmem_pos_enc`` and ``obj_ptr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

V = TypeVar("V")


def select_closest_cond_frames(
    frame_idx: int, cond_outputs: Mapping[int, V], max_cond_frames: int
) -> tuple[dict[int, V], dict[int, V]]:
    """Split conditioning frames into (used, unused): all are used when `max_cond_frames` is -1
    or not exceeded; otherwise the nearest before, the nearest at/after, then the closest."""
    if max_cond_frames == -1 or len(cond_outputs) <= max_cond_frames:
        return dict(cond_outputs), {}
    if max_cond_frames < 2:
        raise ValueError("max_cond_frames must allow at least two conditioning frames")
    chosen: dict[int, V] = {}
    before = max((t for t in cond_outputs if t < frame_idx), default=None)
    if before is not None:
        chosen[before] = cond_outputs[before]
    after = min((t for t in cond_outputs if t >= frame_idx), default=None)
    if after is not None:
        chosen[after] = cond_outputs[after]
    rest = sorted((t for t in cond_outputs if t not in chosen), key=lambda t: abs(t - frame_idx))
    for t in rest[: max_cond_frames - len(chosen)]:
        chosen[t] = cond_outputs[t]
    unused = {t: v for t, v in cond_outputs.items() if t not in chosen}
    return chosen, unused


def memory_frame_index(frame_idx: int, t_rel: int, stride: int, reverse: bool) -> int:
    """Index of the memory frame `t_rel` steps back in the direction of travel.

    The frame right behind (t_rel 1) is always taken; older ones come from every
    `stride`-th frame (stride 1: simply frame_idx -/+ t_rel)."""
    if t_rel == 1:
        return frame_idx + 1 if reverse else frame_idx - 1
    if reverse:
        nearest = -(-(frame_idx + 2) // stride) * stride
        return nearest + (t_rel - 2) * stride
    nearest = ((frame_idx - 2) // stride) * stride
    return nearest - (t_rel - 2) * stride


def select_memory_frames(
    *,
    frame_idx: int,
    output_dict: Mapping[str, Mapping[int, Any]],
    num_maskmem: int,
    max_cond_frames: int,
    stride: int,
    reverse: bool,
) -> tuple[list[tuple[int, Any]], dict[int, Any], dict[int, Any]]:
    """-> ([(t_pos, out)], used cond frames, unused cond frames).

    Conditioning frames come first with t_pos 0; then for t_pos 1..num_maskmem-1 the frame
    num_maskmem - t_pos steps behind (non-conditioning outputs, else an unused conditioning
    frame), skipped when absent."""
    cond = output_dict["cond_frame_outputs"]
    non_cond = output_dict["non_cond_frame_outputs"]
    used, unused = select_closest_cond_frames(frame_idx, cond, max_cond_frames)
    picks: list[tuple[int, Any]] = [(0, out) for out in used.values()]
    for t_pos in range(1, num_maskmem):
        t = memory_frame_index(frame_idx, num_maskmem - t_pos, stride, reverse)
        out = non_cond.get(t)
        if out is None:
            out = unused.get(t)
        if out is not None:
            picks.append((t_pos, out))
    return picks, used, unused


def select_object_pointers(
    *,
    frame_idx: int,
    output_dict: Mapping[str, Mapping[int, Any]],
    used_cond: Mapping[int, Any],
    unused_cond: Mapping[int, Any],
    max_pointers: int,
    num_frames: int | None,
    only_past: bool,
    signed: bool,
    reverse: bool,
) -> list[tuple[int, Any]]:
    """-> [(temporal offset, out)] whose ``obj_ptr`` the frame attends to.

    Conditioning frames (only those behind or at the frame when `only_past`) with offset
    frame_idx - t (sign flipped in reverse when `signed`, absolute otherwise); then up to
    max_pointers - 1 frames behind the current one with offsets 1, 2, ..."""
    sign = -1 if reverse else 1
    picks: list[tuple[int, Any]] = []
    for t, out in used_cond.items():
        if only_past and (t < frame_idx if reverse else t > frame_idx):
            continue
        offset = (frame_idx - t) * sign if signed else abs(frame_idx - t)
        picks.append((offset, out))
    non_cond = output_dict["non_cond_frame_outputs"]
    for t_diff in range(1, max_pointers):
        t = frame_idx + t_diff if reverse else frame_idx - t_diff
        if t < 0 or (num_frames is not None and t >= num_frames):
            break
        out = non_cond.get(t)
        if out is None:
            out = unused_cond.get(t)
        if out is not None:
            picks.append((t_diff, out))
    return picks
