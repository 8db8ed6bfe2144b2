"""ISAT (ISAT-SAM's annotation files), one JSON per image: export and import.

Layout: `<name>.json` beside `<name>.jpg`, and `isat.yaml` listing the categories
(`label: [{name, color}]`, ISAT's `__background__` first). Each JSON holds `info`
(`description` "ISAT", `folder`, `name` = the image file, `width`, `height`, `depth`, `note`)
and `objects`: one per polygon, with `category`, `group` (polygons of one group and category
are one object; we write the track number, so an import joins an object across frames
again), `segmentation` ([[x, y], ...]), `area`, `layer` (drawing order, higher on top),
`bbox` ([x0, y0, x1, y1]), `iscrowd`, `note` and `shape_type` "polygon".

Export writes one polygon per part of a mask, its holes bridged in (exact under the even-odd
rule that ISAT and pycocotools fill with). Import reads ISAT's own way of cutting holes too:
a `__background__` polygon clears what the objects on lower layers cover.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from annotator.domain import Colour, Mask, Project, colour_to_hex, parse_colour
from annotator.io.formats import geometry
from annotator.io.formats.errors import ImportError_
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
from annotator.io.formats.plan import ExportSummary, OpenFrames, export_run, write_text_atomic
from annotator.io.formats.rle import mask_rings
from annotator.io.formats.validate import Where, as_dict, as_float, as_list, get, load_json

DESCRIPTION = "ISAT"
BACKGROUND = "__background__"  # ISAT's category for cutting holes into what lies below
CATEGORIES_FILE = "isat.yaml"


def export_isat(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
) -> ExportSummary:
    """Write one ISAT JSON (and image) per exported frame, and isat.yaml (see module doc)."""
    options = options or ExportOptions()
    target = Path(out_dir).resolve()
    boxes = 0
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        names = {c.id: c.name for c in plan.categories}
        labels = [{"name": BACKGROUND, "color": "#000000"}]
        labels += [{"name": c.name, "color": colour_to_hex(c.colour)} for c in plan.categories]
        write_text_atomic(out / CATEGORIES_FILE, yaml.safe_dump({"label": labels}))
        for video in plan.videos:
            for frame, records in plan.frames(video):
                stem = plan.image_stem(video, frame)
                objects = []
                for layer, rec in enumerate(records, start=1):
                    if rec.mask.is_empty:
                        boxes += rec.prompt is not None and rec.prompt.box is not None
                        continue
                    category = names[plan.tracks[rec.track_id].category_id or 0]
                    group = plan.track_number[rec.track_id]
                    polygons = geometry.rings_to_polygons(
                        mask_rings(rec.mask),
                        keep_holes=options.keep_holes,
                        tolerance=options.polygon_tolerance,
                    )
                    objects += [_object(category, group, float(layer), p) for p in polygons]
                doc = {
                    "info": {"description": DESCRIPTION, "folder": str(target),
                             "name": f"{stem}{options.image_ext}", "width": video.width,
                             "height": video.height, "depth": 3, "note": ""},
                    "objects": objects,
                }  # fmt: skip
                write_text_atomic(out / f"{stem}.json", json.dumps(doc, indent=1))
                writer.write(video, frame, out / f"{stem}{options.image_ext}")
                summary.images += 1
                summary.annotations += len(objects)
    if boxes:
        summary.skipped.append(f"{boxes} box prompts without a mask (ISAT holds polygons)")
    return summary


def _object(category: str, group: int, layer: float, polygon: np.ndarray) -> dict[str, Any]:
    x0, y0 = polygon.min(axis=0)
    x1, y1 = polygon.max(axis=0)
    return {"category": category, "group": group, "segmentation": polygon.tolist(),
            "area": geometry.polygon_area(polygon), "layer": layer,
            "bbox": [float(x0), float(y0), float(x1), float(y1)], "iscrowd": False,
            "note": "", "shape_type": "polygon"}  # fmt: skip


def read_isat(
    project: Project,
    folder: str | Path,
    *,
    video_id: int | None = None,
    frame_offset: int = 0,
    link: bool = True,
) -> ImportResult:
    """Validate a folder of ISAT JSON files (or one file); each object's polygons, less the
    `__background__` polygons above them, become its mask. Polygons of one group and category
    are one track across the files; with `link`, ungrouped ones (group 0 or none) that
    overlap on consecutive frames of a video become one (`annotator.io.formats.linking`)."""
    folder = Path(folder)
    files = json_label_files(folder, "ISAT")
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
    result = ImportResult(source=str(folder))
    planned: set[Hashable] = set()
    for path in files:
        where = Where(path)
        doc = as_dict(load_json(path), "the top level", where)
        info = as_dict(get(doc, "info", where), "info", where)
        if info.get("description") != DESCRIPTION:
            raise where.error('not an ISAT file: info.description is not "ISAT"')
        video, frame = resolver.frame_of_file(path, str(info.get("name") or path.name))
        size = (info.get("width"), info.get("height"))
        if size != (video.width, video.height):
            raise where.error(f"image is {size[0]}x{size[1]}, video {video.id} is "
                              f"{video.width}x{video.height}")  # fmt: skip
        raw = as_list(get(doc, "objects", where), "objects", where)
        for key, (category, name, mask) in _frame_objects(path, video, raw, where).items():
            if key not in planned:
                planned.add(key)
                result.tracks.append(PlannedTrack(key, video.id, category or None, name))
            result.masks.append(PlannedMask(key, frame, mask, None))
    result.new_categories = categories_to_create(project, result)
    result.category_colours = _category_colours(folder)
    result.notes = resolver.notes()
    if link:
        link_rows(result, is_ungrouped)
    drop_already_imported(project, result)
    return result


def _frame_objects(
    path: Path, video: Any, raw: list[Any], where: Where
) -> dict[Hashable, tuple[str, str, Mask]]:
    """{track key: (category, track name, mask)} of one file's objects, painted in layer
    order so a `__background__` polygon clears the objects drawn before it."""
    shapes = []
    for k, item in enumerate(raw):
        here = where.at(annotation_id=f"object {k}")
        obj = as_dict(item, "object", here)
        category = str(obj.get("category") or "").strip()
        points = as_list(get(obj, "segmentation", here), "segmentation", here)
        pts = [[as_float(v, "point", here) for v in as_list(p, "point", here)] for p in points]
        if any(len(p) != 2 for p in pts):
            raise here.error("segmentation points must be [x, y] pairs")
        if len(pts) < 3:
            raise here.error("a polygon needs >= 3 points")
        layer = as_float(obj.get("layer", 0.0), "layer", here)
        group = obj.get("group")
        if group is not None and not isinstance(group, int | str):
            raise here.error(f"group must be a number, got {group!r}")
        polygon = np.clip(np.asarray(pts, np.float64), 0.0, [video.width, video.height])
        shapes.append((layer, k, category, group or None, polygon))
    masks: dict[Hashable, np.ndarray] = {}
    named: dict[Hashable, tuple[str, str]] = {}
    for _layer, k, category, group, polygon in sorted(shapes, key=lambda s: (s[0], s[1])):
        area = geometry.polygons_to_mask([polygon], video.height, video.width)
        if category == BACKGROUND:
            for mask in masks.values():
                mask &= ~area
            continue
        key: Hashable = ("group", video.id, category, group) if group else (path, k)
        named.setdefault(key, (category, f"{category or 'object'} {group or k + 1}"))
        masks[key] = masks[key] | area if key in masks else area
    return {key: (*named[key], Mask.from_array(mask)) for key, mask in masks.items() if mask.any()}


def _category_colours(folder: Path) -> dict[str, Colour]:
    """Category colours from the isat.yaml beside the files (none: no file, or unreadable
    entries are skipped, as they only colour the categories)."""
    path = (folder.parent if folder.is_file() else folder) / CATEGORIES_FILE
    if not path.is_file():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ImportError_(f"cannot read {CATEGORIES_FILE}: {exc}", file=path) from exc
    colours = {}
    for entry in (doc or {}).get("label", []) if isinstance(doc, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            try:
                colours[entry["name"]] = parse_colour(entry.get("color", ""))
            except ValueError:
                continue
    return colours
