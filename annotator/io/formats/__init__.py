"""Dataset export and import: pure functions of a Project (no Qt, no torch), one module a format.

Export (each returns an `ExportSummary`; `open_frames(video) -> frame source` is only needed
when `options.with_images`):
- `export_coco(project, out, options, open_frames)`: COCO instances, RLE (default) or
  polygons (`ExportOptions(segmentation="polygons")`).
- `export_yolo(project, out, options, open_frames, task="segment"|"detect")`: Ultralytics.
- `export_ytvis(...)`: YouTube-VIS JSON; `export_davis(...)`: DAVIS 2017 palette PNG masks;
  `export_mot(..., keep_categories=False)`: MOTChallenge gt.txt + seqinfo.ini + tracks.csv;
  `export_cvat(...)`: CVAT for video 1.1 XML; `export_labelme(...)`: labelme JSON per
  image; `export_isat(...)`: ISAT-SAM JSON per image; `export_voc(...)`: Pascal VOC
  segmentation PNGs.
- Every export is built in a temporary folder renamed into place when complete (`staging`);
  a non-empty output folder needs `ExportOptions(overwrite=True)` and an earlier export there.
- `EXPORTERS`: CLI format name -> (exporter, fixed keyword arguments);
  `EXPORT_DESCRIPTIONS`: format name -> one line for menus and help.

Import (validate fully into an `ImportResult`, then `apply_import(project, result)` writes it
in one transaction; every problem is an `ImportError_` naming file and line or annotation):
- `read_coco(project, path)`, `read_yolo(project, dir, task=None)`, `read_sav(project, path)`,
  `read_ytvis(project, path)`, `read_davis(project, dir)`, `read_mot(project, dir)`,
  `read_cvat(project, path)`, `read_labelme(project, dir)`, `read_isat(project, dir)`,
  `read_label_studio(project, path)`, `read_voc(project, dir)`;
  file names map to frames by the rules of `frame_names` (`frame_offset` for 1-based names);
  `ImportResult.notes` says what matched how and what was left out; a file imported before
  is refused.

Geometry (`geometry`): exact mask <-> polygon conversion, keyhole bridging of holes and parts.
"""

from collections.abc import Callable
from typing import Any

from annotator.io.formats.coco import export_coco
from annotator.io.formats.coco_import import read_coco
from annotator.io.formats.cvat import export_cvat, read_cvat
from annotator.io.formats.davis import export_davis
from annotator.io.formats.errors import DatasetImportError, ExportError, FormatError, ImportError_
from annotator.io.formats.importing import ImportResult, apply_import, describe
from annotator.io.formats.isat import export_isat, read_isat
from annotator.io.formats.label_studio import read_label_studio
from annotator.io.formats.labelme import export_labelme, read_labelme
from annotator.io.formats.mot import export_mot
from annotator.io.formats.options import ExportOptions, parse_frame_ranges, parse_split
from annotator.io.formats.plan import ExportSummary
from annotator.io.formats.sav import read_sav
from annotator.io.formats.video_import import read_davis, read_mot, read_ytvis
from annotator.io.formats.voc import export_voc, read_voc
from annotator.io.formats.yolo import export_yolo
from annotator.io.formats.yolo_import import read_yolo
from annotator.io.formats.ytvis import export_ytvis

Exporter = Callable[..., ExportSummary]

EXPORTERS: dict[str, tuple[Exporter, dict[str, Any]]] = {
    "coco": (export_coco, {}),
    "coco-poly": (export_coco, {"segmentation": "polygons"}),
    "yolo-seg": (export_yolo, {"task": "segment"}),
    "yolo-det": (export_yolo, {"task": "detect"}),
    "ytvis": (export_ytvis, {}),
    "davis": (export_davis, {}),
    "mot": (export_mot, {}),
    "mot-classes": (export_mot, {"keep_categories": True}),
    "cvat-video": (export_cvat, {}),
    "labelme": (export_labelme, {}),
    "isat": (export_isat, {}),
    "voc": (export_voc, {}),
}
"""Format name -> (exporter, extra arguments); "segmentation" goes into ExportOptions."""

EXPORT_DESCRIPTIONS = {
    "coco": "COCO instances, RLE masks (pycocotools, detectron2, mmdet)",
    "coco-poly": "COCO instances, polygons",
    "yolo-seg": "Ultralytics YOLO segmentation (data.yaml)",
    "yolo-det": "Ultralytics YOLO detection boxes (data.yaml)",
    "ytvis": "YouTube-VIS video instance segmentation (TrackEval)",
    "davis": "DAVIS 2017 palette PNG masks (davis2017-evaluation)",
    "mot": "MOTChallenge boxes, class 1 (TrackEval)",
    "mot-classes": "MOTChallenge boxes, category numbers in column 8",
    "cvat-video": "CVAT for video 1.1 XML tracks",
    "labelme": "labelme JSON per image",
    "isat": "ISAT-SAM JSON per image (isat.yaml categories)",
    "voc": "Pascal VOC segmentation PNGs (class and object)",
}
"""Format name -> a one-line description, for the export dialog and the CLI's help."""

IMPORT_FORMATS = (
    "coco",
    "yolo-seg",
    "yolo-det",
    "sav",
    "ytvis",
    "davis",
    "mot",
    "cvat-video",
    "labelme",
    "isat",
    "label-studio",
    "voc",
)

__all__ = [
    "EXPORTERS",
    "EXPORT_DESCRIPTIONS",
    "IMPORT_FORMATS",
    "DatasetImportError",
    "ExportError",
    "ExportOptions",
    "ExportSummary",
    "FormatError",
    "ImportError_",
    "ImportResult",
    "apply_import",
    "describe",
    "export_coco",
    "export_cvat",
    "export_davis",
    "export_isat",
    "export_labelme",
    "export_mot",
    "export_voc",
    "export_yolo",
    "export_ytvis",
    "parse_frame_ranges",
    "parse_split",
    "read_coco",
    "read_cvat",
    "read_davis",
    "read_isat",
    "read_label_studio",
    "read_labelme",
    "read_mot",
    "read_voc",
    "read_ytvis",
    "read_sav",
    "read_yolo",
]
