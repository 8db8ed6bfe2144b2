"""YOLO (Ultralytics) segment and detect dataset export (import: `yolo_import`).

Layout: `images/{train,val}/<name>.jpg`, `labels/{train,val}/<name>.txt` (one per image,
empty for a background frame) and `data.yaml` (`train`, `val` relative to the yaml's
folder, `names` 0-based).
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from annotator.domain import Mask, Project
from annotator.io.formats import geometry
from annotator.io.formats.errors import ExportError
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
            stem = plan.image_stem(video, frame)
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
