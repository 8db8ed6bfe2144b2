"""Train/val split that never puts near-identical neighbouring frames on both sides.

With several videos, whole videos go to val; with one video, contiguous blocks of frames do.
The choice is a pure function of the inputs and the seed, so re-exports are identical.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

TRAIN = "train"
VAL = "val"
DEFAULT_BLOCKS = 10


def _val_count(n: int, fraction: float) -> int:
    """How many of n units go to val: at least one when fraction > 0, never all of them."""
    if fraction <= 0.0 or n < 2:
        return 0
    return min(n - 1, max(1, round(n * fraction)))


def split_videos(video_ids: Sequence[int], fraction: float, seed: int) -> dict[int, str]:
    """Assign whole videos to train or val (about `fraction` of them to val)."""
    ordered = sorted(video_ids)
    chosen = set(random.Random(seed).sample(ordered, _val_count(len(ordered), fraction)))
    return {vid: VAL if vid in chosen else TRAIN for vid in ordered}


def split_frame_blocks(
    frames: Sequence[int], fraction: float, seed: int, *, blocks: int = DEFAULT_BLOCKS
) -> dict[int, str]:
    """Cut the (sorted) frames into `blocks` contiguous runs; send about `fraction` to val."""
    ordered = sorted(frames)
    n_blocks = min(blocks, len(ordered))
    if n_blocks < 2 or fraction <= 0.0:
        return {f: TRAIN for f in ordered}
    size = math.ceil(len(ordered) / n_blocks)
    runs = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    chosen = set(random.Random(seed).sample(range(len(runs)), _val_count(len(runs), fraction)))
    return {f: (VAL if k in chosen else TRAIN) for k, run in enumerate(runs) for f in run}


def assign_split(
    frames_by_video: Mapping[int, Sequence[int]], fraction: float, seed: int
) -> dict[tuple[int, int], str]:
    """(video_id, frame) -> "train" | "val": by video when several have frames, else by blocks."""
    videos = [v for v, frames in frames_by_video.items() if frames]
    out: dict[tuple[int, int], str] = {}
    if len(videos) > 1:
        per_video = split_videos(videos, fraction, seed)
        for v in videos:
            out.update({(v, f): per_video[v] for f in frames_by_video[v]})
    else:
        for v in videos:
            by_frame = split_frame_blocks(frames_by_video[v], fraction, seed)
            out.update({(v, f): s for f, s in by_frame.items()})
    return out
