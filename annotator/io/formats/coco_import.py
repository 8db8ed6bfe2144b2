"""COCO instance-segmentation import: RLE (compressed or not), polygons, or boxes.

Images are matched to project frames by name (`frame_names`). What real tools write and
other readers accept is accepted, with a note: a bbox or polygon slightly past the image
edge is clipped to it; a polygon part with fewer than 3 points is dropped (as detectron2
drops it). Tracks: our `track_id` or CVAT's `attributes.track_id` groups annotations of one
video into one track; without either, each annotation is a track of its own.
"""

from __future__ import annotations

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
    drop_already_imported,
)
from annotator.io.formats.linking import link_rows
from annotator.io.formats.naming import is_safe_relative
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

EDGE_SLACK = 2.0
"""Pixels a bbox or polygon may reach past the image edge and be clipped instead of refused."""
MAX_NOTES = 5


def _track_id(ann: dict[str, Any], here: Where) -> int | None:
    """Our `track_id`, else CVAT's `attributes.track_id`, else None."""
    raw = ann.get("track_id")
    attrs = ann.get("attributes")
    if raw is None and isinstance(attrs, dict):
        raw = attrs.get("track_id")
    return None if raw is None else as_int(raw, "track_id", here)


def read_coco(
    project: Project,
    path: str | Path,
    *,
    video_id: int | None = None,
    frame_offset: int = 0,
    link: bool = True,
) -> ImportResult:
    """Validate a COCO file against the project; return what importing it would add.

    Images are matched to project frames by name (see `FrameResolver`); sizes must equal
    the video's. Segmentations may be RLE (compressed or not) or polygons; an annotation
    with only a bbox becomes a box prompt. Categories missing from the project are created.
    Annotations with a track id keep it; with `link`, those without one that overlap on
    consecutive frames of a video become one track (`annotator.io.formats.linking`).
    """
    path = Path(path)
    root = load_json(path)
    where = Where(path)
    root = as_dict(root, "the top level", where)
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
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
    notes: list[str] = []
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
        track_raw = _track_id(ann, here)
        track_key: Hashable = (
            ("t", video_id_, track_raw) if track_raw is not None else ("a", ann_id)
        )
        if (track_key, frame) in seen_keys:
            raise here.error(f"track {track_raw} already has an annotation on that image")
        seen_keys.add((track_key, frame))
        mask, box = _read_segmentation(ann, h, w, here, notes)
        if mask is None and box is None:
            continue  # every polygon part was degenerate (noted)
        if track_key not in planned:
            planned.add(track_key)
            name = f"{cats[cat_id]} {track_raw if track_raw is not None else ann_id}"
            result.tracks.append(PlannedTrack(track_key, video_id_, cats[cat_id], name))
        result.masks.append(PlannedMask(track_key, frame, mask, box))
    result.notes = resolver.notes() + notes[:MAX_NOTES]
    if len(notes) > MAX_NOTES:
        result.notes.append(f"... and {len(notes) - MAX_NOTES} more")
    if link:  # annotations without a track id ("a" keys) may continue one another
        link_rows(result, lambda key: isinstance(key, tuple) and key[0] == "a")
    drop_already_imported(project, result)
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
            raise here.error(resolver.unmatched(name))
        video, frame = found
        if (width, height) != (video.width, video.height):
            raise here.error(
                f"image is {width}x{height} but video {video.id} is {video.width}x{video.height}"
            )
        if (why := resolver.past_end(video, frame)) is not None:
            raise here.error(why)
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
    ann: dict[str, Any], h: int, w: int, here: Where, notes: list[str]
) -> tuple[Mask | None, tuple[float, float, float, float] | None]:
    """(mask, None), (None, box) for a bbox-only annotation, or (None, None) to drop it."""
    seg = ann.get("segmentation")
    if seg is None or seg == []:
        x, y, bw, bh = _read_bbox(get(ann, "bbox", here), h, w, here, notes)
        return None, (x, y, x + bw, y + bh)
    if isinstance(seg, dict):
        return read_rle(seg, h, w, here), None
    arrays = []
    for k, poly in enumerate(as_list(seg, "segmentation", here)):
        coords = [as_float(v, "polygon coordinate", here) for v in as_list(poly, "polygon", here)]
        if len(coords) % 2:
            raise here.error(f"a polygon needs an even number of coordinates, has {len(coords)}")
        if len(coords) < 6:
            notes.append(here.note(f"polygon part {k} has {len(coords)} coordinates: dropped"))
            continue
        pts = np.asarray(coords, np.float64).reshape(-1, 2)
        if pts.min() < -EDGE_SLACK or pts[:, 0].max() > w + EDGE_SLACK:
            raise here.error(f"polygon coordinates outside the {w}x{h} image")
        if pts[:, 1].max() > h + EDGE_SLACK:
            raise here.error(f"polygon coordinates outside the {w}x{h} image")
        arrays.append(np.clip(pts, 0.0, [w, h]))
    if not arrays:
        notes.append(here.note("no polygon part left: annotation dropped"))
        return None, None
    return Mask.from_array(geometry.polygons_to_mask(arrays, h, w)), None


def _read_bbox(
    raw: Any, h: int, w: int, here: Where, notes: list[str]
) -> tuple[float, float, float, float]:
    """[x, y, width, height], clipped to the image when at most EDGE_SLACK px past it."""
    vals = as_list(raw, "bbox", here)
    if len(vals) != 4:
        raise here.error("bbox must be [x, y, width, height]")
    x, y, bw, bh = (as_float(v, "bbox value", here) for v in vals)
    x1, y1 = x + bw, y + bh
    slack = EDGE_SLACK
    if bw <= 0 or bh <= 0 or x < -slack or y < -slack or x1 > w + slack or y1 > h + slack:
        raise here.error(f"bbox {vals} is empty or outside the {w}x{h} image")
    cx0, cy0, cx1, cy1 = max(0.0, x), max(0.0, y), min(float(w), x1), min(float(h), y1)
    if (cx0, cy0, cx1, cy1) != (x, y, x1, y1):
        notes.append(here.note(f"bbox {vals} clipped to the {w}x{h} image"))
    if cx1 <= cx0 or cy1 <= cy0:
        raise here.error(f"bbox {vals} is empty inside the {w}x{h} image")
    return cx0, cy0, cx1 - cx0, cy1 - cy0
