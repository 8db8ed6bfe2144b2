"""YOLO (Ultralytics) segment and detect datasets: export and import.

Layout: `images/{train,val}/<name>.jpg`, `labels/{train,val}/<name>.txt` (one per image,
empty for a background frame) and `data.yaml` (`path`, `train`, `val`, `names` 0-based).
Rows: segment `class x1 y1 ... xn yn`, detect `class cx cy w h`, all normalised to [0, 1];
a dataset is one task only, never both row kinds.

Multi-part objects: one row per object, its parts joined into one polygon by zero-width
bridges between nearest vertices, as Ultralytics' own COCO converter joins them.
Holes: bridged into the outer ring the same way ("keyhole"). Ultralytics rasterises a row
with `cv2.fillPoly`, which leaves a keyhole's hole empty, so holes survive training; tools
that fill rows with the non-zero rule would fill the hole. `ExportOptions(keep_holes=False)`
drops holes instead (the hole is then labelled as object).
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from annotator.domain import Mask, Project
from annotator.io.formats import geometry
from annotator.io.formats.errors import ExportError, ImportError_
from annotator.io.formats.importing import FrameResolver, ImportResult, PlannedMask, PlannedTrack
from annotator.io.formats.naming import frame_stem
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.parallel import default_workers, ordered_map
from annotator.io.formats.plan import (
    ExportPlan,
    ExportSummary,
    OpenFrames,
    export_run,
    pending_box,
    write_text_atomic,
)
from annotator.io.formats.rle import mask_rings
from annotator.io.formats.split import TRAIN, VAL
from annotator.io.formats.validate import Where, read_bytes

TASKS = ("segment", "detect")
_COORD = "{:.6f}"


def segment_row(
    mask: Mask, label: int, *, keep_holes: bool = True, tolerance: float = 0.0
) -> str | None:
    """`class x1 y1 ...` of one object (parts and holes bridged), None for an empty mask."""
    rings = mask_rings(mask)
    poly = geometry.rings_to_single_polygon(rings, keep_holes=keep_holes, tolerance=tolerance)
    if poly is None:
        return None
    h, w = mask.size
    norm = np.clip(poly / np.array([w, h], np.float64), 0.0, 1.0).reshape(-1)
    return f"{label} " + format_unit_values(norm)


def format_unit_values(values: np.ndarray) -> str:
    """Numbers in [0, 1] as space-separated "%.6f"-style text, built with numpy (hot path)."""
    fixed = np.rint(np.clip(values, 0.0, 1.0) * 1e6).astype(np.int32)
    chars = np.empty((fixed.size, 9), np.uint8)
    for k in range(7, 1, -1):  # six decimals, last first
        fixed, digit = np.divmod(fixed, 10)
        chars[:, k] = digit + 48
    chars[:, 0] = fixed + 48
    chars[:, 1] = ord(".")
    chars[:, 8] = ord(" ")
    return chars.tobytes()[:-1].decode("ascii")


def detect_row(mask: Mask, label: int, box: tuple[float, ...] | None = None) -> str | None:
    """`class cx cy w h` of the mask's bounding box (or of `box` x0 y0 x1 y1 if given)."""
    h, w = mask.size
    if box is not None:
        x, y, bw, bh = box[0], box[1], box[2] - box[0], box[3] - box[1]
    elif mask.is_empty:
        return None
    else:
        x, y, bw, bh = mask.bbox
    vals = [(x + bw / 2) / w, (y + bh / 2) / h, bw / w, bh / h]
    return f"{label} " + " ".join(_COORD.format(min(1.0, max(0.0, v))) for v in vals)


def data_yaml(names: list[str], task: str, has_val: bool) -> str:
    """The data.yaml text (names quoted as JSON strings, which YAML reads verbatim).

    No `path:` key: Ultralytics then resolves `train:`/`val:` against the yaml's own folder,
    so the dataset can be moved or copied (an absolute path would keep the old copy).
    """
    lines = [
        f"# YOLO {task} dataset written by annotator",
        "# no 'path:' key: train/val are relative to this file's folder",
        *(
            ["# holes are kept as zero-width 'keyhole' bridges (see annotator.io.formats.yolo)"]
            if task == "segment"
            else []
        ),
        "train: images/train",
        "val: images/val" if has_val else "val: images/train  # no val split requested",
        "names:",
        *(f"  {i}: {json.dumps(n)}" for i, n in enumerate(names)),
    ]
    return "\n".join(lines) + "\n"


def export_yolo(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
    *,
    task: str = "segment",
) -> ExportSummary:
    """Write a YOLO segment (or detect) dataset of `project` to `out_dir`."""
    if task not in TASKS:
        raise ExportError(f"YOLO task must be one of {TASKS}, not {task!r}")
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        for sub in (TRAIN, VAL):
            (out / "labels" / sub).mkdir(parents=True, exist_ok=True)
            (out / "images" / sub).mkdir(parents=True, exist_ok=True)
        has_val = False
        n_masks = sum(project.count_masks(v.id) for v in plan.videos)
        workers = options.workers or (default_workers(n_masks) if task == "segment" else 1)
        videos = {v.id: v for v in plan.videos}
        for (video_id, frame, sub, stem), rows in ordered_map(
            _rows_of_frames, _frame_jobs(plan, task), workers=workers
        ):
            has_val |= sub == VAL
            label_path = out / "labels" / sub / f"{stem}.txt"
            try:
                label_path.write_text("".join(r + "\n" for r in rows), encoding="ascii")
            except OSError as exc:
                raise ExportError(f"cannot write {label_path}: {exc}") from exc
            image = out / "images" / sub / f"{stem}{options.image_ext}"
            writer.write(videos[video_id], frame, image)
            summary.images += 1
            summary.annotations += len(rows)
        names = [c.name for c in plan.categories]
        yaml_path = out / "data.yaml"
        write_text_atomic(yaml_path, data_yaml(names, task, has_val))
        summary.files.append(yaml_path)
    return summary


_FrameJob = tuple[tuple[int, int, str, str], str, tuple[bool, float], list[tuple[Mask, int, Any]]]


def _frame_jobs(plan: ExportPlan, task: str) -> Iterator[_FrameJob]:
    """One picklable job per exported frame: (video, frame, subset, stem), task, holes, objects."""
    for video in plan.videos:
        for frame, records in plan.frames(video):
            sub = plan.split.get((video.id, frame), TRAIN)
            stem = frame_stem(video.path, video.id, frame)
            objects = [(r.mask, plan.label(r.track_id) - 1, pending_box(r)) for r in records]
            style = (plan.options.keep_holes, plan.options.polygon_tolerance)
            yield (video.id, frame, sub, stem), task, style, objects


def _rows_of_frames(
    jobs: list[_FrameJob],
) -> list[tuple[tuple[int, int, str, str], list[str]]]:
    """Label rows of a batch of frames (runs in worker processes); duplicates dropped."""
    out = []
    for meta, task, (keep_holes, tolerance), objects in jobs:
        rows: list[str] = []
        for mask, label, box in objects:
            if task == "detect":
                row = detect_row(mask, label, box)
            else:
                row = segment_row(mask, label, keep_holes=keep_holes, tolerance=tolerance)
            if row is not None and row not in rows:  # Ultralytics drops duplicate rows
                rows.append(row)
        out.append((meta, rows))
    return out


# --- import -------------------------------------------------------------------------------

_YAML_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
_YAML_ITEM = re.compile(r"^\s+(?P<key>\d+)\s*:\s*(?P<value>.+?)\s*$")
_YAML_LIST = re.compile(r"^\s*-\s*(?P<value>.+?)\s*$")


def _scalar(text: str, where: Where) -> str:
    text = text.split(" #", 1)[0].strip()
    if text[:1] == '"':
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise where.error(f"bad quoted string {text!r:.60}") from None
        if not isinstance(value, str):
            raise where.error(f"expected a string, got {text!r:.60}")
        return value
    if text[:1] == "'" and text[-1:] == "'" and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    return text


def read_names(yaml_path: Path) -> list[str]:
    """Class names from a data.yaml (`names:` as a 0-based mapping, block or flow list)."""
    raw = read_bytes(yaml_path)
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise ImportError_("not UTF-8 text", file=yaml_path) from None
    names: dict[int, str] = {}
    in_names = False
    for n, line in enumerate(lines, start=1):
        where = Where(yaml_path, n)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = _YAML_KEY.match(line)
        if top and not line[0].isspace():
            in_names = top.group("key") == "names"
            value = top.group("value").split(" #", 1)[0].strip()
            if in_names and value.startswith("["):
                if not value.endswith("]"):
                    raise where.error("names flow list must be on one line")
                items = [i for i in value[1:-1].split(",") if i.strip()]
                names = {i: _scalar(v, where) for i, v in enumerate(items)}
                in_names = False
            elif in_names and value:
                raise where.error("names must be a mapping or a list")
            continue
        if not in_names:
            continue
        item = _YAML_ITEM.match(line)
        listed = _YAML_LIST.match(line)
        if item:
            key = int(item.group("key"))
            if key in names or key > 100_000:
                raise where.error(f"duplicate or huge class index {key}")
            names[key] = _scalar(item.group("value"), where)
        elif listed:
            names[len(names)] = _scalar(listed.group("value"), where)
        else:
            raise where.error(f"cannot read names entry {line.strip()!r:.60}")
    if not names:
        raise ImportError_("no class names (names:) found", file=yaml_path)
    if sorted(names) != list(range(len(names))):
        raise ImportError_("class indices in names must be 0..N-1", file=yaml_path)
    out = [names[i].strip() for i in range(len(names))]
    if any(not n or len(n) > 200 for n in out) or len(set(out)) != len(out):
        raise ImportError_("class names must be unique and 1..200 characters", file=yaml_path)
    return out


def _parse_row(line: str, n_classes: int, where: Where) -> tuple[int, np.ndarray]:
    """(class, values) of one label row, values in [0, 1]; checks the counts."""
    parts = line.split()
    try:
        label = int(parts[0])
    except ValueError:
        raise where.error(f"class {parts[0]!r:.20} is not an integer") from None
    if not 0 <= label < n_classes:
        raise where.error(f"class {label} is not in names (0..{n_classes - 1})")
    try:
        vals = np.array([float(p) for p in parts[1:]], np.float64)
    except ValueError:
        raise where.error("coordinates must be numbers") from None
    if len(vals) != 4 and (len(vals) < 6 or len(vals) % 2):
        raise where.error(f"a row needs 4 box values or >= 3 x,y points, has {len(vals)} values")
    if not np.all(np.isfinite(vals)) or vals.min() < 0.0 or vals.max() > 1.0:
        raise where.error("coordinates must be normalised to [0, 1] (outside the image)")
    return label, vals


def _label_files(root: Path) -> list[Path]:
    labels = root / "labels"
    if not labels.is_dir():
        raise ImportError_("no labels/ folder", file=root)
    base = root.resolve()
    files = sorted(labels.rglob("*.txt"))
    for f in files:
        if not f.resolve().is_relative_to(base):
            raise ImportError_("label file escapes the dataset folder", file=f)
    return files


def read_yolo(
    project: Project,
    dataset_dir: str | Path,
    *,
    task: str | None = None,
    video_id: int | None = None,
) -> ImportResult:
    """Validate a YOLO dataset against the project; return what importing it would add.

    Each row becomes a track of its own (YOLO has no identities): segment rows become
    masks, detect rows box prompts. `task` restricts the accepted row kind ("segment" or
    "detect"); None accepts either. Exact duplicate rows in a file are read once.
    """
    if task is not None and task not in TASKS:
        raise ImportError_(f"YOLO task must be one of {TASKS}, not {task!r}")
    root = Path(dataset_dir)
    yaml_path = next(
        (root / n for n in ("data.yaml", "dataset.yaml") if (root / n).is_file()), None
    )
    if yaml_path is None:
        raise ImportError_("no data.yaml in the dataset folder", file=root)
    names = read_names(yaml_path)
    resolver = FrameResolver(project, video_id)
    result = ImportResult(source=str(root))
    known = {c.name for c in project.categories}
    used: set[str] = set()
    seen_frames: dict[tuple[int, int], Path] = {}
    for path in _label_files(root):
        found = resolver.resolve(path.name)
        if found is None:
            raise ImportError_(f"{path.stem!r} matches no video frame of the project", file=path)
        video, frame = found
        if frame >= video.num_frames:
            raise ImportError_(f"frame {frame} is past the end of video {video.id}", file=path)
        if (video.id, frame) in seen_frames:
            raise ImportError_(f"same frame as {seen_frames[(video.id, frame)]}", file=path)
        seen_frames[(video.id, frame)] = path
        try:
            text = read_bytes(path).decode("ascii")
        except UnicodeDecodeError:
            raise ImportError_("label file is not plain ASCII text", file=path) from None
        rows_seen: set[str] = set()
        for n, line in enumerate(text.splitlines(), start=1):
            where = Where(path, n)
            if not line.strip() or line.strip() in rows_seen:
                continue
            rows_seen.add(line.strip())
            label, vals = _parse_row(line, len(names), where)
            kind = "detect" if len(vals) == 4 else "segment"
            if task is not None and kind != task:
                raise where.error(f"a {kind} row in a {task} import")
            key: Hashable = (path.as_posix(), n)
            mask, box = _row_geometry(vals, video.width, video.height)
            if mask is not None and mask.is_empty:
                continue  # a polygon too thin to cover any pixel centre
            result.tracks.append(
                PlannedTrack(
                    key, video.id, names[label], f"{names[label]} {len(result.tracks) + 1}"
                )
            )
            result.masks.append(PlannedMask(key, frame, mask, box))
            used.add(names[label])
    result.new_categories = [n for n in names if n in used and n not in known]
    return result


def _row_geometry(
    vals: np.ndarray, width: int, height: int
) -> tuple[Mask | None, tuple[float, float, float, float] | None]:
    scale = np.array([width, height], np.float64)
    if len(vals) == 4:
        cx, cy, bw, bh = (vals * np.tile(scale, 2)).tolist()
        box = (max(0.0, cx - bw / 2), max(0.0, cy - bh / 2), cx + bw / 2, cy + bh / 2)
        return None, (box[0], box[1], min(float(width), box[2]), min(float(height), box[3]))
    pts = vals.reshape(-1, 2) * scale
    return Mask.from_array(geometry.polygons_to_mask([pts], height, width)), None
