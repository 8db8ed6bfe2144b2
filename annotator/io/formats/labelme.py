"""labelme JSON, one file per image: export and import.

Layout: `<name>.jpg` and `<name>.json` side by side (labelme's own way). Each JSON holds
`version`, `flags`, `shapes`, `imagePath` (the image beside it), `imageData` null,
`imageHeight` and `imageWidth`. Each object is one `polygon` shape (parts and holes bridged
into one exact polygon, as for YOLO) with `label` = its category and `group_id` = its track
number, so an import joins an object's shapes across images into one track again; a box
prompt is a `rectangle` shape. Import reads `polygon` and `rectangle` shapes (shapes of one
image with the same label and group_id are one object); other shape types (points, lines,
circles, X-AnyLabeling's rotated boxes) are left out with a note counting them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np

from annotator.domain import Mask, Project
from annotator.io.formats import geometry
from annotator.io.formats.frame_names import FrameResolver
from annotator.io.formats.importing import (
    ImportResult,
    PlannedMask,
    PlannedTrack,
    categories_to_create,
    drop_already_imported,
    json_label_files,
)
from annotator.io.formats.linking import is_ungrouped, link_rows
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.plan import (
    ExportSummary,
    OpenFrames,
    export_run,
    pending_box,
    write_text_atomic,
)
from annotator.io.formats.rle import mask_rings
from annotator.io.formats.validate import (
    Where,
    as_dict,
    as_float,
    as_list,
    as_str,
    get,
    load_json,
)

LABELME_VERSION = "5.5.0"


def _shape(label: str, group: int, kind: str, points: list[list[float]]) -> dict[str, Any]:
    return {"label": label, "points": points, "group_id": group, "description": "",
            "shape_type": kind, "flags": {}, "mask": None}  # fmt: skip


def export_labelme(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
) -> ExportSummary:
    """Write one labelme JSON (and image) per exported frame of `project` (see module doc)."""
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        names = {c.id: c.name for c in plan.categories}
        for video in plan.videos:
            for frame, records in plan.frames(video):
                stem = plan.image_stem(video, frame)
                shapes = []
                for rec in records:
                    label = names[plan.tracks[rec.track_id].category_id or 0]
                    group = plan.track_number[rec.track_id]
                    box = pending_box(rec)
                    if box is not None:
                        pts = [[box[0], box[1]], [box[2], box[3]]]
                        shapes.append(_shape(label, group, "rectangle", pts))
                        continue
                    poly = geometry.rings_to_single_polygon(
                        mask_rings(rec.mask),
                        keep_holes=options.keep_holes,
                        tolerance=options.polygon_tolerance,
                    )
                    if poly is not None:
                        shapes.append(_shape(label, group, "polygon", poly.tolist()))
                doc: dict[str, Any] = {"version": LABELME_VERSION, "flags": {}, "shapes": shapes,
                       "imagePath": f"{stem}{options.image_ext}", "imageData": None,
                       "imageHeight": video.height, "imageWidth": video.width}  # fmt: skip
                write_text_atomic(out / f"{stem}.json", json.dumps(doc, indent=1))
                writer.write(video, frame, out / f"{stem}{options.image_ext}")
                summary.images += 1
                summary.annotations += len(shapes)
    return summary


def _read_shape(shape: Any, w: int, h: int, here: Where) -> tuple[str, Any, Mask | None, Any]:
    """(label, group_id, mask, box) of one shape; None mask and box for other shape types."""
    shape = as_dict(shape, "shape", here)
    label = as_str(get(shape, "label", here), "label", here).strip()
    kind = shape.get("shape_type", "polygon")
    pts = [[as_float(v, "point", here) for v in as_list(p, "point", here)]
           for p in as_list(get(shape, "points", here), "points", here)]  # fmt: skip
    if any(len(p) != 2 for p in pts):
        raise here.error("points must be [x, y] pairs")
    arr = np.clip(np.asarray(pts, np.float64).reshape(-1, 2), 0.0, [w, h])
    if kind == "rectangle":  # labelme: 2 corners; X-AnyLabeling: all 4
        if len(arr) not in (2, 4):
            raise here.error("a rectangle needs 2 points (or its 4 corners)")
        (x0, y0), (x1, y1) = arr.min(axis=0), arr.max(axis=0)
        return label, shape.get("group_id"), None, (float(x0), float(y0), float(x1), float(y1))
    if kind != "polygon":
        return label, None, None, None
    if len(arr) < 3:
        raise here.error("a polygon needs >= 3 points")
    return (
        label,
        shape.get("group_id"),
        Mask.from_array(geometry.polygons_to_mask([arr], h, w)),
        None,
    )


def read_labelme(
    project: Project,
    folder: str | Path,
    *,
    video_id: int | None = None,
    frame_offset: int = 0,
    link: bool = True,
) -> ImportResult:
    """Validate a folder of labelme JSON files; polygons become masks, rectangles boxes.
    Shapes of one `group_id` and label are one track; with `link`, shapes without a group
    that overlap on consecutive frames of a video become one (`annotator.io.formats.linking`).
    """
    folder = Path(folder)
    files = json_label_files(folder, "labelme")
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
    result = ImportResult(source=str(folder))
    planned: set[Hashable] = set()
    left_out: Counter[str] = Counter()  # shape types we do not read, e.g. X-AnyLabeling's
    for path in files:
        where = Where(path)
        doc = as_dict(load_json(path), "the top level", where)
        video, frame = resolver.frame_of_file(path)
        size = (doc.get("imageWidth"), doc.get("imageHeight"))
        if size != (video.width, video.height):
            raise where.error(f"image is {size[0]}x{size[1]}, video {video.id} is "
                              f"{video.width}x{video.height}")  # fmt: skip
        objects: dict[Hashable, tuple[str, Mask | None, Any]] = {}
        track_names: dict[Hashable, str] = {}
        for k, raw in enumerate(as_list(get(doc, "shapes", where), "shapes", where)):
            here = where.at(annotation_id=f"shape {k}")
            label, group, mask, box = _read_shape(raw, video.width, video.height, here)
            if mask is None and box is None:
                left_out[str(raw.get("shape_type"))] += 1
                continue
            key: Hashable = ("group", video.id, label, group) if group is not None else (path, k)
            track_names.setdefault(key, f"{label} {group if group is not None else k + 1}")
            earlier = objects.get(key, ("", None, None))[1]
            if earlier is not None and mask is not None:
                mask = Mask.from_array(earlier.to_array() | mask.to_array())
            objects[key] = (label, mask, box)
        for key, (label, mask, box) in objects.items():
            if key not in planned:
                planned.add(key)
                result.tracks.append(PlannedTrack(key, video.id, label or None, track_names[key]))
            result.masks.append(PlannedMask(key, frame, mask, None if mask else box))
    result.new_categories = categories_to_create(project, result)
    result.notes = resolver.notes()
    if left_out:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(left_out.items()))
        result.notes.append(f"shapes left out (only polygons and rectangles are read): {kinds}")
    if link:
        link_rows(result, is_ungrouped)
    drop_already_imported(project, result)
    return result
