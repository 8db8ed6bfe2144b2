"""YouTube-VIS (video instance segmentation) export.

Layout: `JPEGImages/<seq>/<frame:05d>.jpg` and `annotations.json` (with a split over
several videos: `annotations_train.json` + `annotations_val.json`). One `videos` entry per
video with the exported frames' `file_names`; one annotation per track with per-frame
`segmentations` (uncompressed RLE, list counts, as the official YouTube-VIS ground truth
and TrackEval's reader, which calls `frPyObjects` on each, expect), `bboxes` and `areas`
lists, `null` on the frames where the object is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.domain import Project
from annotator.io.formats.coco import INFO
from annotator.io.formats.naming import sequence_name
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.plan import (
    ExportPlan,
    ExportSummary,
    FrameWriter,
    OpenFrames,
    export_run,
    write_text_atomic,
)
from annotator.io.formats.rle import uncompressed_rle
from annotator.io.formats.split import TRAIN, VAL, split_videos


def build_ytvis(
    plan: ExportPlan, video_ids: set[int], writer: FrameWriter | None, out: Path
) -> dict[str, Any]:
    """The YouTube-VIS dict of the given videos."""
    videos: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for index, video in enumerate(plan.videos, start=1):
        if video.id not in video_ids:
            continue
        seq = sequence_name(video.path, video.id)
        file_names: list[str] = []
        per_track: dict[int, dict[str, list[Any]]] = {}
        for frame, records in plan.frames(video):
            pos = len(file_names)
            file_names.append(f"{seq}/{frame:05d}{plan.options.image_ext}")
            if writer is not None:
                writer.write(video, frame, out / "JPEGImages" / file_names[-1])
            for rec in records:
                if rec.mask.is_empty:
                    continue
                lists = per_track.setdefault(
                    rec.track_id, {"segmentations": [], "bboxes": [], "areas": []}
                )
                for values in lists.values():
                    values.extend([None] * (pos - len(values)))
                lists["segmentations"].append(uncompressed_rle(rec.mask))
                lists["bboxes"].append([float(v) for v in rec.mask.bbox])
                lists["areas"].append(float(rec.mask.area))
        videos.append(
            {
                "id": index,
                "name": seq,
                "width": video.width,
                "height": video.height,
                "length": len(file_names),
                "file_names": file_names,
            }
        )
        for track_id in sorted(per_track):
            lists = per_track[track_id]
            for values in lists.values():
                values.extend([None] * (len(file_names) - len(values)))
            annotations.append(
                {
                    "id": plan.track_number[track_id],
                    "video_id": index,
                    "category_id": plan.label(track_id),
                    "iscrowd": 0,
                    "width": video.width,
                    "height": video.height,
                    "length": 1,
                    **lists,
                }
            )
    return {
        "info": INFO,
        "licenses": [],
        "videos": videos,
        "annotations": annotations,
        "categories": plan.coco_categories(),
    }


def export_ytvis(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
) -> ExportSummary:
    """Write a YouTube-VIS dataset of `project` to `out_dir` (see module doc)."""
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        all_ids = [v.id for v in plan.videos]
        if options.val_fraction > 0 and len(all_ids) > 1:
            by_video = split_videos(all_ids, options.val_fraction, options.seed)
            subsets = {
                f"annotations_{s}.json": {v for v, sub in by_video.items() if sub == s}
                for s in (TRAIN, VAL)
            }
        else:
            subsets = {"annotations.json": set(all_ids)}
        for name, ids in subsets.items():
            data = build_ytvis(plan, ids, writer if writer.enabled else None, out)
            write_text_atomic(out / name, json.dumps(data, separators=(",", ":")))
            summary.files.append(out / name)
            summary.images += sum(v["length"] for v in data["videos"])
            summary.annotations += len(data["annotations"])
    return summary
