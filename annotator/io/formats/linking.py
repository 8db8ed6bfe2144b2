"""Rows without identities (YOLO label rows, VOC instances, COCO annotations without a track
id, labelme shapes without a group id) joined into tracks across a video's frames, so a
video's labels arrive as objects with a lane each on the timeline instead of one object per
row (Ultralytics' `save_txt` writes a file a frame).

A row continues the track whose last row is on the labelled frame before its own (or one of
the `max_gap` labelled frames before: a video labelled every 5th frame links as one labelled
on every frame), of the same category, when their masks (or boxes) overlap with IoU >=
`min_iou`; pairs are taken best IoU first, one row per track and one track per row, as IoU
trackers do: the labels of one object on nearby frames overlap far more than two objects'.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence

import numpy as np
from pycocotools import mask as coco_mask

from annotator.io.formats.importing import ImportResult, PlannedMask, PlannedTrack

MIN_IOU = 0.5
MAX_GAP = 1  # labelled frames: a row continues a track seen on the labelled frame before


def is_ungrouped(key: Hashable) -> bool:
    """Whether a track key names no identity: readers key grouped shapes ("group", ...)."""
    return not (isinstance(key, tuple) and bool(key) and key[0] == "group")


def link_rows(
    result: ImportResult,
    eligible: Callable[[Hashable], bool] | None = None,
    *,
    min_iou: float = MIN_IOU,
    max_gap: int = MAX_GAP,
) -> int:
    """Merge `result`'s single-row tracks (those `eligible` says have no identity) into
    tracks across frames, in place; returns how many rows joined an earlier row's track."""
    rows_of: dict[Hashable, list[PlannedMask]] = {}
    for row in result.masks:
        rows_of.setdefault(row.track_key, []).append(row)
    by_video: dict[int, dict[int, list[PlannedTrack]]] = {}
    for track in result.tracks:
        rows = rows_of.get(track.key, [])
        if len(rows) == 1 and (eligible is None or eligible(track.key)):
            by_video.setdefault(track.video_id, {}).setdefault(rows[0].frame, []).append(track)
    joined: dict[Hashable, Hashable] = {}  # a row's own track key -> the track it continues
    for frames in by_video.values():
        _link_video(frames, rows_of, joined, min_iou, max_gap)
    if not joined:
        return 0
    result.masks = [
        dataclasses.replace(m, track_key=joined[m.track_key]) if m.track_key in joined else m
        for m in result.masks
    ]
    linked = {t.key for per_frame in by_video.values() for ts in per_frame.values() for t in ts}
    kept = [t for t in result.tracks if t.key not in joined]
    result.tracks = [  # numbered again: "car 1", "car 2", ... without the joined rows' gaps
        dataclasses.replace(t, name=f"{t.category or 'object'} {i}") if t.key in linked else t
        for i, t in enumerate(kept, start=1)
    ]
    roots = len(set(joined.values()))
    result.notes.append(
        f"joined {len(joined) + roots} rows into {roots} tracks across frames (same category, "
        f"IoU >= {min_iou:g} with the labelled frame before); --no-link keeps a track per row"
    )
    return len(joined)


def _link_video(
    frames: dict[int, list[PlannedTrack]],
    rows_of: dict[Hashable, list[PlannedMask]],
    joined: dict[Hashable, Hashable],
    min_iou: float,
    max_gap: int,
) -> None:
    """One video's rows, labelled frame by labelled frame: each continues an open track or
    opens one."""
    open_tracks: dict[Hashable, tuple[int, PlannedMask, str | None]] = {}  # last seen, row
    for index, frame in enumerate(sorted(frames)):
        open_tracks = {k: v for k, v in open_tracks.items() if v[0] >= index - max_gap}
        candidates = list(open_tracks.items())
        rows = [(t, rows_of[t.key][0]) for t in frames[frame]]
        ious = _ious([c[1][1] for c in candidates], [r for _t, r in rows])
        pairs = sorted(
            (
                (-ious[ci, ri], ci, ri)
                for ci in range(len(candidates))
                for ri in range(len(rows))
                if candidates[ci][1][2] == rows[ri][0].category and ious[ci, ri] >= min_iou
            ),
        )
        taken_c: set[int] = set()
        taken_r: set[int] = set()
        for _neg, ci, ri in pairs:
            if ci in taken_c or ri in taken_r:
                continue
            taken_c.add(ci)
            taken_r.add(ri)
            root = candidates[ci][0]
            track, row = rows[ri]
            joined[track.key] = root
            open_tracks[root] = (index, row, track.category)
        for ri, (track, row) in enumerate(rows):
            if ri not in taken_r:
                open_tracks[track.key] = (index, row, track.category)


def _ious(earlier: Sequence[PlannedMask], later: Sequence[PlannedMask]) -> np.ndarray:
    """IoU of every (earlier, later) pair: of the masks where both rows have one, else of
    their boxes (a mask's box is its bounding box)."""
    out = np.zeros((len(earlier), len(later)))
    if not earlier or not later:
        return out
    masked_e = [i for i, r in enumerate(earlier) if r.mask is not None]
    masked_l = [j for j, r in enumerate(later) if r.mask is not None]
    boxes_e = np.array([_box(r) for r in earlier])
    boxes_l = np.array([_box(r) for r in later])
    out[:] = _box_ious(boxes_e, boxes_l)
    if masked_e and masked_l:
        rles_e = [_rle(earlier[i]) for i in masked_e]
        rles_l = [_rle(later[j]) for j in masked_l]
        both = np.asarray(coco_mask.iou(rles_l, rles_e, [0] * len(rles_e))).reshape(
            len(masked_l), len(masked_e)
        )
        out[np.ix_(masked_e, masked_l)] = both.T
    return out


def _rle(row: PlannedMask) -> dict[str, object]:
    assert row.mask is not None
    return row.mask.to_coco()


def _box(row: PlannedMask) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the row."""
    if row.mask is not None:
        x, y, w, h = row.mask.bbox
        return (x, y, x + w, y + h)
    assert row.box is not None
    return row.box


def _box_ious(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of boxes a (N, 4) and b (M, 4), (x0, y0, x1, y1)."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
