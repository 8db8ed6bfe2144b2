"""YOLO (Ultralytics) dataset import: the yaml read with PyYAML, splits followed as Ultralytics.

The yaml is `data.yaml`/`dataset.yaml` in the folder (or the file given). Its `train:`,
`val:` and `test:` entries (a folder, a list of folders, or a .txt list of images) are
resolved the way Ultralytics' `check_det_dataset` resolves them: against `path:` when it
names an existing folder, else the yaml's folder; an entry starting with `../` that does
not exist there is tried without it (Roboflow's `../train/images`). Label files are the
image paths with the last `images` folder replaced by `labels`. A yaml naming no existing
split falls back to every `labels/**/*.txt` beside it.

Rows that Ultralytics would not train on are skipped with a note naming file and line (a
box row in a segment dataset, a polygon covering no pixel centre); anything else malformed
refuses the whole import.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from annotator.domain import Mask, Project
from annotator.io.formats import geometry
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.frame_names import FrameResolver
from annotator.io.formats.importing import (
    ImportResult,
    PlannedMask,
    PlannedTrack,
    drop_already_imported,
)
from annotator.io.formats.linking import link_rows
from annotator.io.formats.validate import Where, read_bytes

TASKS = ("segment", "detect")
SPLIT_KEYS = ("train", "val", "test")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
MAX_NOTES = 5


def load_yaml(yaml_path: Path) -> dict[str, Any]:
    """The top-level mapping of a dataset yaml; syntax errors name their line."""
    raw = read_bytes(yaml_path)
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportError_("not UTF-8 text", file=yaml_path) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise ImportError_(f"invalid YAML: {exc.problem}", file=yaml_path, line=line) from None
    except yaml.YAMLError as exc:
        raise ImportError_(f"invalid YAML: {exc}", file=yaml_path) from None
    if not isinstance(data, dict):
        raise ImportError_("the yaml must be a mapping (names:, train:, val:)", file=yaml_path)
    return data


def read_names(yaml_path: Path) -> list[str]:
    """Class names of a data.yaml: `names:` as a list or a {0: a, 1: b} mapping."""
    raw = load_yaml(yaml_path).get("names")
    if isinstance(raw, list):
        names: dict[Any, Any] = dict(enumerate(raw))
    elif isinstance(raw, dict):
        names = dict(raw)
    else:
        raise ImportError_("no class names (names: as a list or a mapping)", file=yaml_path)
    ints = all(isinstance(k, int) and not isinstance(k, bool) for k in names)
    if not names or not ints or set(names) != set(range(len(names))):
        raise ImportError_("class indices in names must be 0..N-1", file=yaml_path)
    out = [str(names[i]).strip() if names[i] is not None else "" for i in range(len(names))]
    if any(not n or len(n) > 200 for n in out) or len(set(out)) != len(out):
        raise ImportError_("class names must be unique and 1..200 characters", file=yaml_path)
    return out


def find_yaml(source: Path) -> Path:
    """The dataset yaml: `source` itself, or data.yaml / dataset.yaml / the only *.yaml in it."""
    if source.is_file():
        return source
    for name in ("data.yaml", "dataset.yaml"):
        if (source / name).is_file():
            return source / name
    found = sorted(source.glob("*.yaml")) if source.is_dir() else []
    if len(found) == 1:
        return found[0]
    raise ImportError_("no data.yaml in the dataset folder", file=source)


def _split_dirs(yaml_path: Path, data: dict[str, Any]) -> list[Path]:
    """Label folders (or label files) of the yaml's splits, resolved as Ultralytics does."""
    base = yaml_path.parent
    if isinstance(data.get("path"), str) and (base / data["path"]).is_dir():
        base = base / data["path"]
    out: list[Path] = []
    for key in SPLIT_KEYS:
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, str) or not entry.strip():
                continue
            target = base / entry
            if not target.exists() and entry.startswith("../"):
                target = base / entry[3:]
            if target.exists():
                out.extend(_labels_of(target))
    return list(dict.fromkeys(out))


def _label_path(image: Path) -> Path:
    parts = list(image.parts)
    if "images" in parts:
        parts[len(parts) - 1 - parts[::-1].index("images")] = "labels"
    return Path(*parts).with_suffix(".txt")


def _labels_of(target: Path) -> list[Path]:
    """Label files of a split: its labels folder, or those of a .txt list of image paths."""
    if target.is_file() and target.suffix == ".txt":
        lines = read_bytes(target).decode("utf-8", "replace").splitlines()
        labels = {_label_path(target.parent / ln.strip()) for ln in lines if ln.strip()}
        return sorted(p for p in labels if p.is_file())
    if target.is_dir():
        folder = _label_path(target / "x.jpg").parent
        return sorted(folder.rglob("*.txt")) if folder.is_dir() else []
    return []


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


def read_yolo(
    project: Project,
    dataset_dir: str | Path,
    *,
    task: str | None = None,
    video_id: int | None = None,
    frame_offset: int = 0,
    link: bool = True,
) -> ImportResult:
    """Validate a YOLO dataset against the project; return what importing it would add.

    YOLO rows have no identities: with `link`, rows on consecutive frames of a video that
    overlap become one track (`annotator.io.formats.linking`), else each row is a track of
    its own. Segment rows become masks, detect rows box prompts. With `task` "segment", box
    rows are skipped with a note; with "detect", polygon rows are refused. Exact duplicate
    rows in a file are read once.
    """
    if task is not None and task not in TASKS:
        raise ImportError_(f"YOLO task must be one of {TASKS}, not {task!r}")
    root = Path(dataset_dir)
    yaml_path = find_yaml(root)
    names = read_names(yaml_path)
    label_files = _split_dirs(yaml_path, load_yaml(yaml_path))
    if not label_files:
        if not (yaml_path.parent / "labels").is_dir():
            raise ImportError_("no labels/ folder and no train:/val: split found", file=root)
        label_files = sorted((yaml_path.parent / "labels").rglob("*.txt"))
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
    result = ImportResult(source=str(root))
    skipped: list[str] = []
    used: set[str] = set()
    seen_frames: dict[tuple[int, int], Path] = {}
    for path in label_files:
        if not path.resolve().is_relative_to(path.parent.resolve()):
            raise ImportError_("label file links outside its folder", file=path)
        video, frame = resolver.frame_of_file(path)
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
            if task == "segment" and kind == "detect":
                skipped.append(f"{path}:{n}: a box row in a segment dataset: row skipped")
                continue
            if task == "detect" and kind == "segment":
                raise where.error("a segment row in a detect import")
            mask, box = _row_geometry(vals, video.width, video.height)
            if mask is not None and mask.is_empty:
                skipped.append(f"{path}:{n}: the polygon covers no pixel: row skipped")
                continue
            key: Hashable = (path.as_posix(), n)
            track_name = f"{names[label]} {len(result.tracks) + 1}"
            result.tracks.append(PlannedTrack(key, video.id, names[label], track_name))
            result.masks.append(PlannedMask(key, frame, mask, box))
            used.add(names[label])
    known = {c.name for c in project.categories}
    result.new_categories = [n for n in names if n in used and n not in known]
    result.notes = resolver.notes() + skipped[:MAX_NOTES]
    if len(skipped) > MAX_NOTES:
        result.notes.append(f"... and {len(skipped) - MAX_NOTES} more rows skipped")
    if link:
        link_rows(result)
    drop_already_imported(project, result)
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
