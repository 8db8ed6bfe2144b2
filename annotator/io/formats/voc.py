"""Pascal VOC segmentation: export and import of SegmentationClass / SegmentationObject PNGs.

Layout: `JPEGImages/<name>.jpg`; `SegmentationClass/<name>.png` (8-bit palette PNG with the
VOC colour map: 0 background, k = the k-th exported category); `SegmentationObject/<name>.png`
(same palette: 0 background, k = the k-th object of that image in track order);
`ImageSets/Segmentation/{train,val,trainval}.txt` (image names; val only with a split) and
`labelmap.txt` (`name:r,g,b::` per class, background first, as Datumaro reads custom VOC
classes). Overlaps go to the more trusted mask, as for DAVIS. VOC's 255 "boundary" index
is never written and is ignored on import.

Import: each object of each image becomes a mask of its own track (VOC has no identities),
its category the class most of its pixels carry; class names from `labelmap.txt`, else
VOC's own 20 classes.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import numpy as np

from annotator.domain import Mask, Project
from annotator.io.formats.davis import compose_label_map, davis_palette, encode_palette_png
from annotator.io.formats.errors import ExportError, ImportError_
from annotator.io.formats.frame_names import FrameResolver
from annotator.io.formats.importing import (
    ImportResult,
    PlannedMask,
    PlannedTrack,
    categories_to_create,
    drop_already_imported,
)
from annotator.io.formats.linking import link_rows
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.plan import ExportSummary, OpenFrames, export_run, write_text_atomic
from annotator.io.formats.split import TRAIN, VAL
from annotator.io.formats.validate import read_bytes
from annotator.io.formats.video_import import VOID, palette_indices

VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
    "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
    "sheep", "sofa", "train", "tvmonitor",
)  # fmt: skip


def _write_png(path: Path, labels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_bytes(encode_palette_png(labels, davis_palette()))
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc


def export_voc(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
) -> ExportSummary:
    """Write a Pascal VOC segmentation dataset of `project` to `out_dir` (see module doc)."""
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        if len(plan.categories) > 254:
            raise ExportError(f"{len(plan.categories)} categories; VOC PNGs hold 254")
        subsets: dict[str, list[str]] = {TRAIN: [], VAL: []}
        for video in plan.videos:
            for frame, records in plan.frames(video):
                records = [r for r in records if not r.mask.is_empty]
                if len(records) > 254:
                    raise ExportError(f"frame {frame} of video {video.id} has over 254 objects")
                name = plan.image_stem(video, frame)
                objects = {r.track_id: k for k, r in enumerate(records, start=1)}
                instances = compose_label_map(records, objects, video.height, video.width)
                classes = np.zeros_like(instances)
                for rec in records:
                    classes[instances == objects[rec.track_id]] = plan.label(rec.track_id)
                _write_png(out / "SegmentationObject" / f"{name}.png", instances)
                _write_png(out / "SegmentationClass" / f"{name}.png", classes)
                writer.write(video, frame, out / "JPEGImages" / f"{name}.jpg")
                subsets[plan.split.get((video.id, frame), TRAIN)].append(name)
                summary.images += 1
                summary.annotations += len(records)
        sets = out / "ImageSets" / "Segmentation"
        lists = {TRAIN: subsets[TRAIN], "trainval": subsets[TRAIN] + subsets[VAL]}
        if subsets[VAL]:
            lists[VAL] = subsets[VAL]
        for subset, names in lists.items():
            write_text_atomic(sets / f"{subset}.txt", "".join(n + "\n" for n in names))
        palette = davis_palette()
        rows = ["# label:color_rgb:parts:actions", "background:0,0,0::"]
        for k, cat in enumerate(plan.categories, start=1):
            rows.append(f"{cat.name}:{','.join(str(v) for v in palette[k])}::")
        write_text_atomic(out / "labelmap.txt", "\n".join(rows) + "\n")
        summary.files += [sets / f"{s}.txt" for s in lists] + [out / "labelmap.txt"]
    return summary


def _class_names(root: Path) -> list[str]:
    path = root / "labelmap.txt"
    if not path.is_file():
        return list(VOC_CLASSES)
    try:
        lines = read_bytes(path).decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise ImportError_("not UTF-8 text", file=path) from None
    names = [ln.split(":", 1)[0].strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    if not names or any(not n for n in names):
        raise ImportError_("each line must be name:r,g,b:parts:actions", file=path)
    return names


def read_voc(
    project: Project,
    root: str | Path,
    *,
    video_id: int | None = None,
    frame_offset: int = 0,
    link: bool = True,
) -> ImportResult:
    """Validate a VOC segmentation folder; each object of each image becomes a track, or
    with `link`, objects that overlap on consecutive frames of a video become one track
    (`annotator.io.formats.linking`: VOC's instance numbers are per image)."""
    root = Path(root)
    objects_dir, classes_dir = root / "SegmentationObject", root / "SegmentationClass"
    if not objects_dir.is_dir():
        raise ImportError_("no SegmentationObject folder", file=root)
    names = _class_names(root)
    resolver = FrameResolver(project, video_id, frame_offset=frame_offset)
    result = ImportResult(source=str(root))
    for png in sorted(objects_dir.glob("*.png")):
        video, frame = resolver.frame_of_file(png)
        instances = palette_indices(png)
        class_png = classes_dir / png.name
        if not class_png.is_file():
            raise ImportError_("no SegmentationClass PNG of the same name", file=png)
        classes = palette_indices(class_png)
        if instances.shape != (video.height, video.width) or classes.shape != instances.shape:
            raise ImportError_(f"PNGs are not {video.width}x{video.height}", file=png)
        for k in (int(v) for v in np.unique(instances) if v not in (0, VOID)):
            region = instances == k
            values = classes[region]
            values = values[(values != 0) & (values != VOID)]
            label = int(np.bincount(values).argmax()) if values.size else 0
            if label >= len(names):
                raise ImportError_(f"class {label} is not in the class list", file=class_png)
            key: Hashable = ("voc", png.name, k)
            category = names[label] if label else None
            result.tracks.append(PlannedTrack(key, video.id, category, f"{png.stem} {k}"))
            result.masks.append(PlannedMask(key, frame, Mask.from_array(region)))
    result.new_categories = categories_to_create(project, result)
    result.notes = resolver.notes()
    if link:
        link_rows(result)
    drop_already_imported(project, result)
    return result
