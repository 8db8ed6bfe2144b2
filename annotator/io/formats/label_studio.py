"""Label Studio's JSON export (Export > JSON): import.

The file is a list of tasks. A task names its image or video in `data` (an upload such as
`/data/upload/1/3f8a1b2c-cars.jpg`, whose `3f8a1b2c-` prefix Label Studio added, a local
file `/data/local-files/?d=dir/cars.jpg`, or a URL) and holds `annotations`, each a list of
`result`s. Read here, from the first annotation that was not cancelled:
- `brushlabels`: a mask in Label Studio's own run-length code (`value.rle`: a bit stream of
  RGBA bytes, see `decode_brush`), the alpha channel being the mask;
- `polygonlabels`: `value.points` in percent of `original_width` / `original_height`;
- `rectanglelabels`: an axis-aligned box (percent too), a box prompt for the model;
- `videorectangle`: a box track over a video; its keyframes (`value.sequence`, frames
  counted from 1) become box prompts of one object.
Results sharing an `id` are one region. Regions in the same label on one frame that no id
ties across images are joined along a video as the other readers join them (`linking`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np

from annotator.domain import Mask, Project, Video
from annotator.io.formats import geometry
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.frame_names import FrameResolver
from annotator.io.formats.importing import (
    ImportResult,
    PlannedMask,
    PlannedTrack,
    categories_to_create,
    drop_already_imported,
)
from annotator.io.formats.linking import is_ungrouped, link_rows
from annotator.io.formats.validate import Where, as_dict, as_float, as_list, load_json

_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-(?P<name>.+)$")
_LABEL_KEYS = ("brushlabels", "polygonlabels", "rectanglelabels", "labels")
Box = tuple[float, float, float, float]


class _Bits:
    """Reads big-endian bit fields from bytes (Label Studio's BitInputStream)."""

    def __init__(self, data: bytes) -> None:
        self._bits = np.unpackbits(np.frombuffer(data, np.uint8))
        self._at = 0

    def read(self, count: int) -> int:
        end = self._at + count
        if end > len(self._bits):
            raise ValueError("the brush code ends early")
        value = 0
        for bit in self._bits[self._at : end]:
            value = (value << 1) | int(bit)
        self._at = end
        return value


def decode_brush(code: list[int] | bytes) -> np.ndarray:
    """Label Studio's brush run-length code -> the uint8 values it holds (RGBA bytes, H*W*4).

    Layout: 32 bits value count, 5 bits word size - 1, four 4-bit run-length field sizes - 1;
    then blocks of one flag bit, a 2-bit field-size choice and a run length - 1: flag 1 is
    one value repeated, flag 0 that many values in a row. ValueError if malformed."""
    if not isinstance(code, bytes):
        if not all(isinstance(b, int) and 0 <= b < 256 for b in code):
            raise ValueError("the brush code must be a list of bytes (0..255)")
        code = bytes(code)
    bits = _Bits(code)
    count, word = bits.read(32), bits.read(5) + 1
    sizes = [bits.read(4) + 1 for _ in range(4)]
    if word > 8:
        raise ValueError(f"brush values of {word} bits are not RGBA bytes")
    out = np.zeros(count, np.uint8)
    i = 0
    while i < count:
        repeated = bits.read(1)
        j = min(count, i + 1 + bits.read(sizes[bits.read(2)]))
        if repeated:
            out[i:j] = bits.read(word)
        else:
            for k in range(i, j):
                out[k] = bits.read(word)
        i = j
    return out


def media_name(data: Any) -> str | None:
    """The file name of a task's image or video (Label Studio's upload prefix removed)."""
    if not isinstance(data, dict):
        return None
    urls = [data[k] for k in ("image", "video", "img", "url") if isinstance(data.get(k), str)]
    urls += [v for v in data.values() if isinstance(v, str) and "/" in v]
    if not urls:
        return None
    parsed = urlparse(urls[0])
    local = parse_qs(parsed.query).get("d")  # /data/local-files/?d=folder/file.jpg
    name = PurePosixPath(unquote(local[0] if local else parsed.path)).name
    m = _UPLOAD_PREFIX.match(name)
    return m.group("name") if m else name


def read_label_studio(
    project: Project,
    path: str | Path,
    *,
    video_id: int | None = None,
    frame_offset: int = 0,
    link: bool = True,
) -> ImportResult:
    """Validate a Label Studio JSON export (see module doc) against `project`'s media."""
    path = Path(path)
    where = Where(path)
    tasks = as_list(load_json(path), "the tasks", where)
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
    result = ImportResult(source=str(path))
    planned: set[Hashable] = set()
    left_out: Counter[str] = Counter()
    for t, raw in enumerate(tasks):
        task = as_dict(raw, "task", where.at(annotation_id=f"task {t}"))
        here = where.at(annotation_id=f"task {task.get('id', t)}")
        name = media_name(task.get("data"))
        if name is None:
            raise here.error("the task names no image or video in its data")
        results = _first_annotation(task, here, left_out)
        if results is None:
            continue
        for key, frame, video, category, track_name, mask, box in _regions(
            project, resolver, name, results, where, task.get("id", t), left_out
        ):
            if key not in planned:
                planned.add(key)
                result.tracks.append(PlannedTrack(key, video.id, category or None, track_name))
            result.masks.append(PlannedMask(key, frame, mask, box))
    if not result.masks:
        raise ImportError_("no brush, polygon or rectangle regions in the tasks", file=path)
    result.new_categories = categories_to_create(project, result)
    result.notes = resolver.notes()
    result.notes += [f"left out: {n} {what}" for what, n in sorted(left_out.items()) if n]
    if link:
        link_rows(result, is_ungrouped)
    drop_already_imported(project, result)
    return result


def _first_annotation(
    task: dict[str, Any], here: Where, left_out: Counter[str]
) -> list[Any] | None:
    """The results of the task's first annotation that was not cancelled (None: none)."""
    annotations = [
        as_dict(a, "annotation", here)
        for a in as_list(task.get("annotations", []), "annotations", here)
    ]
    kept = [a for a in annotations if not a.get("was_cancelled")]
    left_out["other annotations of a task (the first is read)"] += max(0, len(kept) - 1)
    left_out["cancelled annotations"] += len(annotations) - len(kept)
    if task.get("predictions"):
        left_out["tasks' predictions"] += 1
    return as_list(kept[0].get("result", []), "result", here) if kept else None


Region = tuple[Hashable, int, Video, str, str, "Mask | None", "Box | None"]
"""(track key, frame, video, category, track name, mask, box) of one region on one frame."""


def _regions(
    project: Project,
    resolver: FrameResolver,
    name: str,
    results: list[Any],
    where: Where,
    task: object,
    left_out: Counter[str],
) -> list[Region]:
    """Every region of one task's results, in their order (results of one id united)."""
    out: dict[Hashable, list[Any]] = {}  # key -> [frame, video, category, name, area, box]
    tracks: list[Region] = []
    for r, raw in enumerate(results):
        rid = str(raw.get("id", r)) if isinstance(raw, dict) else str(r)
        at = where.at(annotation_id=f"task {task}, result {rid}")
        item = as_dict(raw, "result", at)
        kind = str(item.get("type", "")).lower()
        value = as_dict(item.get("value", {}), "value", at)
        category = _label(value, at)
        if kind == "videorectangle":  # a track already: never joined to another
            video = _video_named(project, resolver, name, at)
            track = ("group", "label-studio", name, rid)
            for frame, box in _keyframes(value, video, at):
                tracks.append((track, frame, video, category, f"{category} {rid}", None, box))
            continue
        if kind not in ("brushlabels", "polygonlabels", "rectanglelabels"):
            left_out[f"{kind or 'untyped'} results"] += 1
            continue
        video, frame = resolver.frame_of_file(Path(name))
        size = (item.get("original_width"), item.get("original_height"))
        if size != (video.width, video.height):
            raise at.error(f"the image is {size[0]}x{size[1]}, video {video.id} is "
                           f"{video.width}x{video.height}")  # fmt: skip
        region = out.setdefault(
            ("region", name, rid),
            [frame, video, category, f"{category or 'object'} {rid}", None, None],
        )
        if kind == "rectanglelabels":
            if as_float(value.get("rotation", 0), "rotation", at) != 0:
                left_out["rotated rectangles"] += 1
            else:
                region[5] = _box(value, video.width, video.height, at)
            continue
        area = (
            _brush(item, value, video, at) if kind == "brushlabels" else _polygon(value, video, at)
        )
        region[4] = area if region[4] is None else region[4] | area
    regions: list[Region] = tracks
    for key, (frame, video, category, track_name, area, box) in out.items():
        if area is not None and area.any():
            regions.append((key, frame, video, category, track_name, Mask.from_array(area), None))
        elif area is None and box is not None:
            regions.append((key, frame, video, category, track_name, None, box))
    return regions


def _label(value: dict[str, Any], at: Where) -> str:
    for key in _LABEL_KEYS:
        labels = value.get(key)
        if labels:
            return str(as_list(labels, key, at)[0]).strip()
    return ""


def _brush(item: dict[str, Any], value: dict[str, Any], video: Video, at: Where) -> np.ndarray:
    code = value.get("rle", item.get("rle"))
    if value.get("format", "rle") != "rle" or not isinstance(code, list):
        raise at.error("a brush region needs value.rle, a list of bytes")
    try:
        rgba = decode_brush(code)
    except ValueError as exc:
        raise at.error(f"unreadable brush code: {exc}") from exc
    if rgba.size != video.width * video.height * 4:
        raise at.error(f"the brush code holds {rgba.size} values, not {video.width}x"
                       f"{video.height}x4")  # fmt: skip
    return rgba.reshape(video.height, video.width, 4)[:, :, 3] > 0


def _polygon(value: dict[str, Any], video: Video, at: Where) -> np.ndarray:
    points = as_list(value.get("points"), "points", at)
    pts = [[as_float(v, "point", at) for v in as_list(p, "point", at)] for p in points]
    if len(pts) < 3 or any(len(p) != 2 for p in pts):
        raise at.error("a polygon needs >= 3 [x, y] points")
    scale = np.array([video.width, video.height], np.float64) / 100.0
    polygon = np.clip(np.asarray(pts) * scale, 0.0, [video.width, video.height])
    return geometry.polygons_to_mask([polygon], video.height, video.width)


def _box(value: dict[str, Any], width: int, height: int, at: Where) -> Box:
    x, y, w, h = (as_float(value.get(k), k, at) for k in ("x", "y", "width", "height"))
    x0, y0 = max(0.0, x * width / 100), max(0.0, y * height / 100)
    x1, y1 = min(float(width), (x + w) * width / 100), min(float(height), (y + h) * height / 100)
    if x1 <= x0 or y1 <= y0:
        raise at.error("the rectangle has no area")
    return (x0, y0, x1, y1)


def _keyframes(value: dict[str, Any], video: Video, at: Where) -> list[tuple[int, Box]]:
    """(frame, box) of each keyframe of a video box track (Label Studio counts from 1)."""
    out = []
    for k, raw in enumerate(as_list(value.get("sequence"), "sequence", at)):
        key = as_dict(raw, "keyframe", at.at(annotation_id=f"keyframe {k}"))
        frame = int(as_float(key.get("frame"), "frame", at)) - 1
        if not 0 <= frame < video.num_frames:
            raise at.error(f"keyframe {frame + 1} is outside video {video.id} "
                           f"(1..{video.num_frames})")  # fmt: skip
        out.append((frame, _box(key, video.width, video.height, at)))
    return out


def _video_named(project: Project, resolver: FrameResolver, name: str, at: Where) -> Video:
    same = [v for v in project.videos if Path(v.path).name == name]
    if len(same) == 1:
        return same[0]
    try:
        return resolver.sequence_video(Path(name).stem, str(at))
    except ImportError_:
        raise at.error(f"{name!r} is no video of the project: give its id (--video)") from None
