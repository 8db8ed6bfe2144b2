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
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from annotator.domain import Mask, Project
from annotator.io.formats import geometry
from annotator.io.formats.importing import FrameResolver, ImportResult, PlannedMask, PlannedTrack
from annotator.io.formats.naming import frame_stem, is_safe_relative, sequence_name
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
from annotator.io.formats.validate import (
    MAX_SIDE,
    Where,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    get,
    load_json,
    read_rle,
)

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
            name = frame_stem(video.path, video.id, frame) + plan.options.image_ext
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


# --- import -------------------------------------------------------------------------------


def read_coco(project: Project, path: str | Path, *, video_id: int | None = None) -> ImportResult:
    """Validate a COCO file against the project; return what importing it would add.

    Images are matched to project frames by name (see `FrameResolver`); sizes must equal
    the video's. Segmentations may be RLE (compressed or not) or polygons; an annotation
    with only a bbox becomes a box prompt. Categories missing from the project are created.
    """
    path = Path(path)
    root = load_json(path)
    where = Where(path)
    root = as_dict(root, "the top level", where)
    resolver = FrameResolver(project, video_id)
    images = _read_images(as_list(get(root, "images", where), "images", where), resolver, where)
    cats = _read_categories(as_list(get(root, "categories", where), "categories", where), where)
    result = ImportResult(source=str(path))
    known = {c.name for c in project.categories}
    result.new_categories = sorted(
        {n for n in cats.values() if n not in known}, key=list(cats.values()).index
    )
    seen_ids: set[int] = set()
    seen_keys: set[tuple[Hashable, int]] = set()
    planned: set[Hashable] = set()
    anns = as_list(get(root, "annotations", where), "annotations", where)
    for index, ann in enumerate(anns):
        here = where.at(
            annotation_id=ann.get("id", f"#{index}") if isinstance(ann, dict) else index
        )
        ann = as_dict(ann, "annotation", here)
        ann_id = as_int(get(ann, "id", here), "id", here)
        if ann_id in seen_ids:
            raise here.error("duplicate annotation id")
        seen_ids.add(ann_id)
        image_id = as_int(get(ann, "image_id", here), "image_id", here)
        if image_id not in images:
            raise here.error(f"image_id {image_id} names no image")
        video_id_, frame, (h, w) = images[image_id]
        cat_id = as_int(get(ann, "category_id", here), "category_id", here)
        if cat_id not in cats:
            raise here.error(f"category_id {cat_id} is not in the file's categories")
        track_raw = ann.get("track_id")
        track_key: Hashable = (
            ("t", video_id_, as_int(track_raw, "track_id", here))
            if track_raw is not None
            else ("a", ann_id)
        )
        if (track_key, frame) in seen_keys:
            raise here.error(f"track {track_raw} already has an annotation on that image")
        seen_keys.add((track_key, frame))
        mask, box = _read_segmentation(ann, h, w, here)
        if track_key not in planned:
            planned.add(track_key)
            name = f"{cats[cat_id]} {track_raw if track_raw is not None else ann_id}"
            result.tracks.append(PlannedTrack(track_key, video_id_, cats[cat_id], name))
        result.masks.append(PlannedMask(track_key, frame, mask, box))
    return result


def _read_images(
    raw: list[Any], resolver: FrameResolver, where: Where
) -> dict[int, tuple[int, int, tuple[int, int]]]:
    """image id -> (video id, frame, (h, w)), validating names and sizes."""
    images: dict[int, tuple[int, int, tuple[int, int]]] = {}
    for index, img in enumerate(raw):
        here = where.at(annotation_id=f"image #{index}")
        img = as_dict(img, "image", here)
        image_id = as_int(get(img, "id", here), "image id", here)
        here = where.at(annotation_id=f"image {image_id}")
        if image_id in images:
            raise here.error("duplicate image id")
        name = as_str(get(img, "file_name", here), "file_name", here)
        if not is_safe_relative(name):
            raise here.error(f"file_name {name!r:.80} escapes the dataset folder")
        width = as_int(get(img, "width", here), "width", here, lo=1, hi=MAX_SIDE)
        height = as_int(get(img, "height", here), "height", here, lo=1, hi=MAX_SIDE)
        found = resolver.resolve(name)
        if found is None:
            raise here.error(f"{name!r:.80} matches no video frame of the project")
        video, frame = found
        if (width, height) != (video.width, video.height):
            raise here.error(
                f"image is {width}x{height} but video {video.id} is {video.width}x{video.height}"
            )
        if frame >= video.num_frames:
            raise here.error(f"frame {frame} is past the end of video {video.id}")
        images[image_id] = (video.id, frame, (height, width))
    return images


def _read_categories(raw: list[Any], where: Where) -> dict[int, str]:
    cats: dict[int, str] = {}
    for index, cat in enumerate(raw):
        here = where.at(annotation_id=f"category #{index}")
        cat = as_dict(cat, "category", here)
        cat_id = as_int(get(cat, "id", here), "category id", here)
        name = as_str(get(cat, "name", here), "category name", here).strip()
        if not name or len(name) > 200:
            raise here.error("category name must be 1..200 characters")
        if cat_id in cats:
            raise here.error(f"duplicate category id {cat_id}")
        if name in cats.values():
            raise here.error(f"duplicate category name {name!r}")
        cats[cat_id] = name
    return cats


def _read_segmentation(
    ann: dict[str, Any], h: int, w: int, here: Where
) -> tuple[Mask | None, tuple[float, float, float, float] | None]:
    seg = ann.get("segmentation")
    if seg is None or seg == []:
        x, y, bw, bh = _read_bbox(get(ann, "bbox", here), h, w, here)
        return None, (x, y, x + bw, y + bh)
    if isinstance(seg, dict):
        return read_rle(seg, h, w, here), None
    polys = as_list(seg, "segmentation", here)
    arrays = []
    for poly in polys:
        coords = [as_float(v, "polygon coordinate", here) for v in as_list(poly, "polygon", here)]
        if len(coords) % 2 or len(coords) < 6:
            raise here.error(
                f"a polygon needs an even number >= 6 of coordinates, has {len(coords)}"
            )
        pts = np.asarray(coords, np.float64).reshape(-1, 2)
        if pts.min() < 0 or pts[:, 0].max() > w or pts[:, 1].max() > h:
            raise here.error(f"polygon coordinates outside the {w}x{h} image")
        arrays.append(pts)
    return Mask.from_array(geometry.polygons_to_mask(arrays, h, w)), None


def _read_bbox(raw: Any, h: int, w: int, here: Where) -> tuple[float, float, float, float]:
    vals = as_list(raw, "bbox", here)
    if len(vals) != 4:
        raise here.error("bbox must be [x, y, width, height]")
    x, y, bw, bh = (as_float(v, "bbox value", here) for v in vals)
    if bw <= 0 or bh <= 0 or x < 0 or y < 0 or x + bw > w + 1e-6 or y + bh > h + 1e-6:
        raise here.error(f"bbox {vals} is empty or outside the {w}x{h} image")
    return x, y, bw, bh
