"""Datumaro reads our COCO, YOLO, MOT, CVAT (and VOC, when exported) outputs.

Run in a venv with `datumaro` (it pins opencv-python-headless < 5, so not the app's venv;
see run.sh): `python check_datumaro.py EXPORTS`. Each export is imported with Datumaro's own
importer; the number of items and annotations must equal what the export wrote
(make_exports.py writes `counts.json`), and every mask or polygon must be non-empty.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import datumaro as dm

# our format -> (Datumaro importer, path to import from, annotation kinds to count).
# Datumaro 1.13's "yolo" importer reads detection rows only (it refuses label files whose
# rows have more than 5 fields), so our yolo-seg export is checked by Ultralytics alone.
CHECKS = {
    "coco": ("coco_instances", "", {"mask", "polygon"}),
    "coco-poly": ("coco_instances", "", {"mask", "polygon"}),
    "yolo-det": ("yolo", "", {"bbox"}),
    "mot": ("mot_seq", "clip_1_v1", {"bbox"}),
    "cvat-video": ("cvat", "clip_1_v1", {"polygon", "bbox"}),
    "voc": ("voc_segmentation", "", {"mask"}),
}


def coco_api_layout(root: Path, work: Path) -> Path:
    """Datumaro reads COCO only in the COCO API's folder layout (annotations/instances_<subset>
    .json, images/<subset>/): link our annotations.json and images/ into it."""
    (work / "annotations").mkdir()
    (work / "annotations" / "instances_default.json").symlink_to(root / "annotations.json")
    (work / "images").mkdir()
    (work / "images" / "default").symlink_to(root / "images")
    return work


def count(fmt: str, root: Path) -> tuple[int, int]:
    importer, sub, kinds = CHECKS[fmt]
    if importer == "coco_instances":
        root = coco_api_layout(root.resolve(), Path(tempfile.mkdtemp()))
    dataset = dm.Dataset.import_from(str(root / sub), importer)
    items, objects = set(), set()
    for item in dataset:  # VOC's trainval.txt lists train's items again: count each once
        items.add(item.id)
        for k, ann in enumerate(item.annotations):
            kind = ann.type.name.lower()
            if kind in kinds and not ann.attributes.get("outside"):  # CVAT's track ends
                # Datumaro splits a COCO polygon annotation into one Polygon per part,
                # all with the annotation's id
                objects.add((item.id, ann.id if fmt.startswith("coco") else k))
    return len(items), len(objects)


def main() -> int:
    exports = Path(sys.argv[1])
    expected = json.loads((exports / "counts.json").read_text())
    failed = 0
    for fmt in CHECKS:
        if fmt not in expected:
            continue
        want = expected[fmt]
        try:
            got = count(fmt, exports / fmt)
        except Exception as exc:  # report every format, then fail
            got, note = (0, 0), f"{type(exc).__name__}: {exc}"
        else:
            note = ""
        ok = list(got) == want
        failed += not ok
        verdict = "ok" if ok else f"FAILED {note}"
        print(f"datumaro {fmt}: {got[0]} items, {got[1]} annotations "
              f"(export wrote {want[0]}, {want[1]}) {verdict}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
