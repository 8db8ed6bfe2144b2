"""Imports of video datasets: YouTube-VIS JSON, DAVIS palette PNGs, MOTChallenge gt.txt.

Each sequence is matched to a project video by its name when it is one of ours
(`<video stem>_v<id>`), else to the named (`video_id`) or only video. YouTube-VIS and DAVIS
give masks; MOT gives boxes, imported as box prompts for the engine to turn into masks.
Track names and categories come from the files where they carry them (YouTube-VIS
categories, our DAVIS `meta.json`, our MOT `tracks.csv`).
"""

from __future__ import annotations

import csv
import io
import struct
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from annotator.domain import Mask, Project
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.frame_names import FrameResolver
from annotator.io.formats.importing import (
    ImportResult,
    PlannedMask,
    PlannedTrack,
    categories_to_create,
    drop_already_imported,
)
from annotator.io.formats.validate import (
    Where,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    get,
    load_json,
    read_bytes,
    read_rle,
)

VOID = 255
"""DAVIS's "don't care" index, never an object."""


def _categories(root: dict[str, Any], where: Where) -> dict[int, str]:
    cats: dict[int, str] = {}
    for index, cat in enumerate(as_list(get(root, "categories", where), "categories", where)):
        here = where.at(annotation_id=f"category #{index}")
        cat = as_dict(cat, "category", here)
        name = as_str(get(cat, "name", here), "category name", here).strip()
        if not name or len(name) > 200:
            raise here.error("category name must be 1..200 characters")
        cats[as_int(get(cat, "id", here), "category id", here)] = name
    return cats


def read_ytvis(
    project: Project, path: str | Path, *, video_id: int | None = None, frame_offset: int = 0
) -> ImportResult:
    """Validate a YouTube-VIS file; return its annotations as tracks with per-frame masks."""
    path = Path(path)
    where = Where(path)
    root = as_dict(load_json(path), "the top level", where)
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
    cats = _categories(root, where)
    videos: dict[int, tuple[int, list[int], tuple[int, int]]] = {}
    for index, raw in enumerate(as_list(get(root, "videos", where), "videos", where)):
        here = where.at(annotation_id=f"video #{index}")
        raw = as_dict(raw, "video", here)
        vid = as_int(get(raw, "id", here), "video id", here)
        names = [
            as_str(n, "file name", here)
            for n in as_list(get(raw, "file_names", here), "file_names", here)
        ]
        frames: list[int] = []
        target = None
        for name in names:
            found = resolver.resolve(name)
            if found is None:
                raise here.error(resolver.unmatched(name))
            if target is not None and found[0].id != target.id:
                raise here.error("its frames match two different project videos")
            target = found[0]
            if (why := resolver.past_end(target, found[1])) is not None:
                raise here.error(why)
            frames.append(found[1])
        if target is None:
            continue
        size = (
            as_int(get(raw, "height", here), "height", here),
            as_int(get(raw, "width", here), "width", here),
        )
        if size != (target.height, target.width):
            raise here.error(
                f"video is {size[1]}x{size[0]} but project video {target.id} is "
                f"{target.width}x{target.height}"
            )
        videos[vid] = (target.id, frames, size)
    result = ImportResult(source=str(path))
    anns = as_list(get(root, "annotations", where), "annotations", where)
    for index, ann in enumerate(anns):
        here = where.at(
            annotation_id=ann.get("id", f"#{index}") if isinstance(ann, dict) else index
        )
        ann = as_dict(ann, "annotation", here)
        vid = as_int(get(ann, "video_id", here), "video_id", here)
        if vid not in videos:
            raise here.error(f"video_id {vid} names no video of the file")
        target_id, frames, (h, w) = videos[vid]
        cat_id = as_int(get(ann, "category_id", here), "category_id", here)
        if cat_id not in cats:
            raise here.error(f"category_id {cat_id} is not in the file's categories")
        segs = as_list(get(ann, "segmentations", here), "segmentations", here)
        if len(segs) != len(frames):
            raise here.error(f"{len(segs)} segmentations for a video of {len(frames)} frames")
        key = ("ytvis", index)
        result.tracks.append(
            PlannedTrack(key, target_id, cats[cat_id], f"{cats[cat_id]} {index + 1}")
        )
        for frame, seg in zip(frames, segs, strict=True):
            if seg is not None:
                result.masks.append(PlannedMask(key, frame, read_rle(seg, h, w, here)))
    known = {c.name for c in project.categories}
    used = {t.category for t in result.tracks}
    result.new_categories = [n for n in dict.fromkeys(cats.values()) if n in used - known]
    result.notes = resolver.notes()
    drop_already_imported(project, result)
    return result


def palette_indices(path: Path) -> NDArray[np.uint8]:
    """(H, W) indices of an 8-bit palette (or grayscale) PNG, via OpenCV and its PLTE chunk."""
    data = read_bytes(path)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImportError_("not a readable PNG", file=path)
    if image.ndim == 2:
        return image.astype(np.uint8)
    start = data.find(b"PLTE")
    if start < 4:
        raise ImportError_("a colour PNG without a palette: not an index mask", file=path)
    (length,) = struct.unpack(">I", data[start - 4 : start])
    palette = np.frombuffer(data[start + 4 : start + 4 + length], np.uint8).reshape(-1, 3)
    codes = palette.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    rgb = image[..., 2::-1].astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    order = np.argsort(codes, kind="stable")
    pos = np.clip(np.searchsorted(codes[order], rgb), 0, len(codes) - 1)
    if not np.array_equal(codes[order][pos], rgb):
        raise ImportError_("pixels with colours outside the palette", file=path)
    return order[pos].astype(np.uint8)


def read_davis(
    project: Project, root: str | Path, *, video_id: int | None = None, frame_offset: int = 0
) -> ImportResult:
    """Validate a DAVIS folder (Annotations/480p/<seq>/*.png); each object index a track."""
    root = Path(root)
    ann_root = next(
        (p for p in (root / "Annotations" / "480p", root / "Annotations") if p.is_dir()), None
    )
    if ann_root is None:
        raise ImportError_("no Annotations/480p (or Annotations) folder", file=root)
    meta_path = root / "meta.json"
    meta = (
        as_dict(load_json(meta_path), "meta.json", Where(meta_path)) if meta_path.is_file() else {}
    )
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
    result = ImportResult(source=str(root))
    for seq_dir in sorted(p for p in ann_root.iterdir() if p.is_dir() and p.name != "480p"):
        objects = meta.get("videos", {}).get(seq_dir.name, {}).get("objects", {})
        planned: set[int] = set()
        for png in sorted(seq_dir.glob("*.png")):
            found = resolver.resolve(f"{seq_dir.name}/{png.name}")
            if found is None:
                raise ImportError_(resolver.unmatched(f"{seq_dir.name}/{png.name}"), file=png)
            video, frame = found
            if (why := resolver.past_end(video, frame)) is not None:
                raise ImportError_(why, file=png)
            labels = palette_indices(png)
            if labels.shape != (video.height, video.width):
                raise ImportError_(
                    f"mask is {labels.shape[1]}x{labels.shape[0]} but video "
                    f"{video.id} is {video.width}x{video.height}",
                    file=png,
                )
            for k in (int(v) for v in np.unique(labels) if v not in (0, VOID)):
                key = ("davis", video.id, seq_dir.name, k)
                if k not in planned:
                    planned.add(k)
                    info = objects.get(str(k), {}) if isinstance(objects, dict) else {}
                    name = str(info.get("track") or f"object {k}")
                    category = str(info["category"]) if info.get("category") else None
                    result.tracks.append(PlannedTrack(key, video.id, category, name))
                result.masks.append(PlannedMask(key, frame, Mask.from_array(labels == k)))
    result.new_categories = categories_to_create(project, result)
    result.notes = resolver.notes()
    drop_already_imported(project, result)
    return result


def _mot_tracks(path: Path) -> dict[int, tuple[str, str | None]]:
    """MOT id -> (track name, category) from our tracks.csv, if present."""
    if not path.is_file():
        return {}
    try:
        rows = list(csv.DictReader(io.StringIO(read_bytes(path).decode("utf-8"))))
        return {int(r["id"]): (r["track"], r["category"] or None) for r in rows}
    except (UnicodeDecodeError, KeyError, ValueError, TypeError):
        raise ImportError_("tracks.csv must have id,track,category columns", file=path) from None


def read_mot(project: Project, root: str | Path, *, video_id: int | None = None) -> ImportResult:
    """Validate MOTChallenge sequences (<seq>/gt/gt.txt); boxes become box prompts."""
    root = Path(root)
    seqs = (
        [root]
        if (root / "gt" / "gt.txt").is_file()
        else sorted(p for p in root.iterdir() if (p / "gt" / "gt.txt").is_file())
        if root.is_dir()
        else []
    )
    if not seqs:
        raise ImportError_("no <sequence>/gt/gt.txt found", file=root)
    resolver = FrameResolver(project, video_id)
    result = ImportResult(source=str(root))
    ignored = 0
    planned: set[tuple[str, int, str, int]] = set()
    for seq in seqs:
        gt = seq / "gt" / "gt.txt"
        video = resolver.sequence_video(seq.name, str(seq))
        names = _mot_tracks(seq / "tracks.csv")
        try:
            text = read_bytes(gt).decode("ascii")
        except UnicodeDecodeError:
            raise ImportError_("not plain ASCII text", file=gt) from None
        seen: set[tuple[int, int]] = set()
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            here = Where(gt, n)
            cols = [c.strip() for c in line.split(",")]
            if len(cols) < 6:
                raise here.error("a row needs frame,id,left,top,width,height[,conf,...]")
            try:
                frame, obj = int(cols[0]) - 1, int(cols[1])
                x, y, w, h = (as_float(float(c), "box value", here) for c in cols[2:6])
                conf = float(cols[6]) if len(cols) > 6 else 1.0
            except ValueError:
                raise here.error("frame and id must be integers, the box numbers") from None
            if conf == 0:
                ignored += 1
                continue
            if frame < 0 or frame >= video.num_frames or (obj, frame) in seen:
                raise here.error(
                    f"frame {frame + 1} is outside video {video.id} or repeats id {obj}"
                )
            seen.add((obj, frame))
            x0, y0 = max(0.0, x - 1), max(0.0, y - 1)  # MOT pixels are 1-based
            x1, y1 = min(float(video.width), x - 1 + w), min(float(video.height), y - 1 + h)
            if w <= 0 or h <= 0 or x1 <= x0 or y1 <= y0:
                raise here.error(f"box {cols[2:6]} is empty or outside the video")
            key = ("mot", video.id, seq.name, obj)
            if key not in planned:
                planned.add(key)
                name, category = names.get(obj, (f"mot {obj}", None))
                result.tracks.append(PlannedTrack(key, video.id, category, name))
            result.masks.append(PlannedMask(key, frame, None, (x0, y0, x1, y1)))
    result.new_categories = categories_to_create(project, result)
    if ignored:
        result.notes.append(f"{ignored} rows with conf 0 (MOT's 'ignore') left out")
    drop_already_imported(project, result)
    return result
