"""What the export dialog runs, without Qt: a request, the exporter call, cleanup on failure.

The formats are those of `annotator.io.formats.EXPORTERS`, read when asked, so formats added
there appear in the dialog by themselves. An export opens a project file read-only (as
`annotator export` does), so it can run while the window keeps editing the project.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from annotator.domain import Project, Video
from annotator.io.formats import EXPORTERS, ExportOptions, ExportSummary, parse_frame_ranges
from annotator.io.formats.plan import FrameSource, OpenFrames

ProgressCallback = Callable[[int, int], None]
"""progress(frames_done, frames_total) from the export's thread."""

_OPTION_FIELDS = frozenset(f.name for f in dataclasses.fields(ExportOptions))

FORMAT_LABELS = {
    "coco": "COCO instances, exact RLE masks",
    "coco-poly": "COCO instances, polygons",
    "yolo-seg": "YOLO segmentation (Ultralytics)",
    "yolo-det": "YOLO detection boxes (Ultralytics)",
    "ytvis": "YouTube-VIS (video instances)",
    "davis": "DAVIS (palette PNG masks)",
    "mot": "MOTChallenge (boxes, gt.txt, class 1)",
    "mot-classes": "MOTChallenge, categories kept as classes",
    "cvat-video": "CVAT for video 1.1 XML (tracks, keyframes, polygons)",
    "labelme": "labelme JSON per image (polygons)",
    "isat": "ISAT-SAM JSON per image (polygons, isat.yaml)",
    "voc": "Pascal VOC segmentation (palette PNGs)",
}
"""Descriptions of the formats known when this was written; others show their name."""


_POLYGON_FORMATS = frozenset({"cvat-video", "labelme", "isat"})
"""Formats that always write polygons (the others by their fixed arguments)."""


class ExportCancelled(Exception):
    """The user cancelled; whatever the export had created was removed."""


def export_formats() -> list[str]:
    """The format names of `EXPORTERS`, sorted as `annotator export --format` lists them."""
    return sorted(EXPORTERS)


def format_label(fmt: str) -> str:
    """'name: description' for a known format, the name alone for a new one."""
    label = FORMAT_LABELS.get(fmt)
    return f"{fmt}: {label}" if label else fmt


def _fixed_arguments(fmt: str) -> dict[str, Any]:
    """The fixed keyword arguments EXPORTERS gives a format (e.g. segmentation="polygons")."""
    return dict(cast("dict[str, Any]", EXPORTERS[fmt][1]))


def may_write_polygons(fmt: str) -> bool:
    """Whether the polygon options (fill holes, simplify) can matter for `fmt`: polygon
    formats, and formats newer than this table (the options are ignored where unused)."""
    extra = _fixed_arguments(fmt)
    polygons = extra.get("segmentation") == "polygons" or extra.get("task") == "segment"
    return polygons or fmt in _POLYGON_FORMATS or fmt not in FORMAT_LABELS


@dataclass(frozen=True)
class ExportRequest:
    """Everything the dialog's form says, in the terms of `annotator export`'s options.

    frames: ranges as typed ("0-99,200-"; empty = all); categories: names (None = all);
    png: frames as PNG instead of JPEG; fill_holes/simplify: polygon formats only.
    """

    fmt: str
    out_dir: Path
    frames: str = ""
    every: int = 1
    categories: tuple[str, ...] | None = None
    val_fraction: float = 0.0
    seed: int = 0
    with_images: bool = True
    png: bool = False
    only_annotated: bool = False
    fill_holes: bool = False
    simplify: float = 0.0
    overwrite: bool = False


def request_to_json(request: ExportRequest) -> str:
    """The request as JSON, to fill the form in again next time."""
    fields = dataclasses.asdict(request)
    fields["out_dir"] = str(request.out_dir)
    return json.dumps(fields)


def request_from_json(text: str | None) -> ExportRequest | None:
    """A request saved by `request_to_json`; None when missing, unreadable, or of a format
    that is gone (a form the user would have to correct is no help)."""
    try:
        fields = json.loads(text or "")
        if not isinstance(fields, dict) or fields.get("fmt") not in EXPORTERS:
            return None
        defaults = ExportRequest(str(fields["fmt"]), Path(str(fields["out_dir"])))
        values: dict[str, Any] = {}
        for name in _SAVED_FIELDS:
            value, default = fields.get(name, getattr(defaults, name)), getattr(defaults, name)
            if isinstance(default, float) and isinstance(value, int):
                value = float(value)
            if type(value) is not type(default):
                return None
            values[name] = value
        categories = fields.get("categories")
        if categories is not None:
            if not isinstance(categories, list):
                return None
            categories = tuple(str(c) for c in categories)
        return dataclasses.replace(defaults, categories=categories, **values)
    except (ValueError, TypeError, KeyError):
        return None


_SAVED_FIELDS = ("frames", "every", "val_fraction", "seed", "with_images", "png",
                 "only_annotated", "fill_holes", "simplify", "overwrite")  # fmt: skip
"""The fields `request_from_json` reads with the type of their default."""


def exporter_call(
    request: ExportRequest, progress: ProgressCallback | None = None
) -> tuple[Callable[..., ExportSummary], ExportOptions, dict[str, Any]]:
    """(exporter, options, extra keyword arguments) for a request; ExportError if invalid.

    A format's fixed arguments that name an `ExportOptions` field (e.g. segmentation) go into
    the options, the others to the exporter, as the command line does.
    """
    exporter, extra = EXPORTERS[request.fmt][0], _fixed_arguments(request.fmt)
    fields: dict[str, Any] = {
        "frames": parse_frame_ranges(request.frames) if request.frames.strip() else None,
        "every": request.every,
        "categories": request.categories,
        "val_fraction": request.val_fraction,
        "seed": request.seed,
        "with_images": request.with_images,
        "image_ext": ".png" if request.png else ".jpg",
        "only_annotated": request.only_annotated,
        "keep_holes": not request.fill_holes,
        "polygon_tolerance": request.simplify,
        "overwrite": request.overwrite,
        "progress": progress,
    }
    kwargs: dict[str, Any] = {}
    for key, value in extra.items():
        (fields if key in _OPTION_FIELDS else kwargs)[key] = value
    return exporter, ExportOptions(**fields), kwargs


def open_video_frames(video: Video) -> FrameSource:
    """The frames of a project video, read in the export's own thread (no background pass)."""
    from annotator.io.frames import open_frames

    return open_frames(video.path, background=False, prefetch_depth=4)


@contextlib.contextmanager
def _project_of(source: Project | str | Path) -> Iterator[Project]:
    if isinstance(source, Project):
        yield source
        return
    from annotator.io.store import open_project

    with open_project(source, read_only=True) as project:
        yield project


def run_export(
    request: ExportRequest,
    source: Project | str | Path,
    *,
    open_frames: OpenFrames | None = open_video_frames,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> ExportSummary:
    """Export `source` (an open project, or a project file opened read-only here).

    `cancel` is checked after every frame and raises `ExportCancelled`; the exporters build
    the dataset in a staging folder (`annotator.io.formats.staging`), so a cancelled or
    failed export leaves the output folder as it was.
    """

    def report(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise ExportCancelled(f"export to {request.out_dir} cancelled")
        if progress is not None:
            progress(done, total)

    exporter, options, kwargs = exporter_call(request, report)
    with _project_of(source) as project:
        return exporter(project, Path(request.out_dir), options, open_frames, **kwargs)
