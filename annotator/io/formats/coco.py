"""COCO instance segmentation: export (RLE or polygons) and import (RLE or polygons).

Layout written: `images/<video>_v<id>_f<frame>.jpg` and `annotations.json`, or with a split
`annotations_train.json` + `annotations_val.json` over the same `images/` folder.
Images get ids 1.. in (video, frame) order, annotations 1.., categories 1..N in the
project's export order; `area` and `bbox` are pycocotools' `area` and `toBbox` of the
written segmentation. Each image also carries `video`/`frame_index`, each annotation a
`track_id` (extra keys COCO tools ignore) so an import can rebuild tracks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pycocotools import mask as mask_utils

from annotator.domain import Mask, Project
from annotator.io.formats import geometry
from annotator.io.formats.naming import sequence_name
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.parallel import default_workers, ordered_map
from annotator.io.formats.plan import (
    ExportPlan,
    ExportSummary,
    FrameWriter,
    OpenFrames,
    export_run,
    write_text_atomic,
)
from annotator.io.formats.rle import mask_rings
from annotator.io.formats.split import TRAIN, VAL

INFO = {"description": "exported by annotator", "version": "1.0", "contributor": "annotator"}


def rle_segmentation(mask: Mask) -> tuple[dict[str, Any], float, list[float]]:
    """(segmentation, area, bbox) of a mask as compressed RLE with str counts."""
    return mask.to_coco(), float(mask.area), [float(v) for v in mask.bbox]


def polygon_segmentation(
    mask: Mask, *, keep_holes: bool = True, tolerance: float = 0.0
) -> tuple[list[list[float]], float, list[float]]:
    """(polygons, area, bbox): one polygon per part, holes bridged in, each >= 3 points.

    area and bbox are those of pycocotools' rasterisation of the polygons, as COCO evaluation
    will see them. Exact polygons (holes kept, no simplification) rasterise to the mask
    itself (see `geometry`), so its area and bbox are used without rasterising again.
    """
    h, w = mask.size
    rings = mask_rings(mask)
    polys = geometry.rings_to_polygons(rings, keep_holes=keep_holes, tolerance=tolerance)
    flat = [p.reshape(-1).tolist() for p in polys]
    if keep_holes and tolerance == 0:
        return flat, float(mask.area), [float(v) for v in mask.bbox]
    rle = mask_utils.merge(mask_utils.frPyObjects(flat, h, w))
    area = float(mask_utils.area(rle))
    bbox = [float(v) for v in mask_utils.toBbox(rle).tolist()]
    return flat, area, bbox


def build_coco(plan: ExportPlan, subset: str | None, writer: FrameWriter | None, out: Path) -> dict:
    """The COCO dict of one subset ("train"/"val", or None for everything)."""
    images: list[dict[str, Any]] = []
    objects: list[tuple[int, int, int, Mask]] = []  # image id, category, track number, mask
    image_id = 0
    for video in plan.videos:
        seq = sequence_name(video.path, video.id)
        for frame, records in plan.frames(video):
            image_id += 1  # ids count every exported frame, so both subsets share them
            if subset is not None and plan.split.get((video.id, frame)) != subset:
                continue
            name = plan.image_stem(video, frame) + plan.options.image_ext
            images.append(
                {
                    "id": image_id,
                    "file_name": name,
                    "width": video.width,
                    "height": video.height,
                    "video": seq,
                    "frame_index": frame,
                }
            )
            if writer is not None:
                writer.write(video, frame, out / "images" / name)
            for rec in records:
                if rec.mask.is_empty:
                    continue  # a box prompt not yet made a mask: COCO segm needs a mask
                label, number = plan.label(rec.track_id), plan.track_number[rec.track_id]
                objects.append((image_id, label, number, rec.mask))
    if plan.options.segmentation == "polygons":
        workers = plan.options.workers or default_workers(len(objects))
        style = (plan.options.keep_holes, plan.options.polygon_tolerance)
        jobs = ((o[3], style) for o in objects)
        segments: Iterator[tuple[Any, float, list[float]]] = ordered_map(
            _polygon_batch, jobs, workers=workers
        )
    else:
        segments = (rle_segmentation(o[3]) for o in objects)
    annotations = [
        {
            "id": k,
            "image_id": img,
            "category_id": label,
            "segmentation": seg,
            "area": area,
            "bbox": bbox,
            "iscrowd": 0,
            "track_id": number,
        }
        for k, ((img, label, number, _), (seg, area, bbox)) in enumerate(
            zip(objects, segments, strict=True), start=1
        )
    ]
    return {
        "info": INFO,
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": plan.coco_categories(),
    }


def _polygon_batch(
    jobs: list[tuple[Mask, tuple[bool, float]]],
) -> list[tuple[list[list[float]], float, list[float]]]:
    """polygon_segmentation of a batch of masks (runs in worker processes)."""
    return [
        polygon_segmentation(mask, keep_holes=keep, tolerance=tol) for mask, (keep, tol) in jobs
    ]


def export_coco(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
) -> ExportSummary:
    """Write a COCO dataset of `project` to `out_dir` (see module doc)."""
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        subsets: list[str | None] = [TRAIN, VAL] if options.val_fraction > 0 else [None]
        for subset in subsets:
            data = build_coco(plan, subset, writer if writer.enabled else None, out)
            path = out / ("annotations.json" if subset is None else f"annotations_{subset}.json")
            write_text_atomic(path, json.dumps(data, separators=(",", ":")))
            summary.files.append(path)
            summary.images += len(data["images"])
            summary.annotations += len(data["annotations"])
    return summary
