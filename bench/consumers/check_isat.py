"""ISAT-SAM itself reads our ISAT export: its `ISAT` reader loads every file and object, and
its own COCO converter turns them into masks covering exactly the pixels of our RLE COCO
export of the same project.

Run in a venv with `isat-sam` installed without its GUI and model dependencies (see run.sh):
`python check_isat.py EXPORTS`.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from ISAT.formats.coco import COCO as IsatToCoco
from pycocotools.coco import COCO


def total_area(annotation_file: Path) -> int:
    """Pixels of every annotation's mask, summed, as pycocotools decodes them."""
    coco = COCO(str(annotation_file))
    return int(sum(coco.annToMask(a).sum() for a in coco.loadAnns(coco.getAnnIds())))


def main() -> int:
    exports = Path(sys.argv[1])
    want = json.loads((exports / "counts.json").read_text())["isat"]
    reader = IsatToCoco()
    reader.read_from_ISAT(str(exports / "isat"))
    objects = sum(len(anno.objs) for anno in reader.annos.values())
    with tempfile.TemporaryDirectory() as tmp:
        converted = Path(tmp) / "from_isat.json"
        reader.save_to_coco(str(converted), cates=reader.cates)
        theirs = total_area(converted)
    ours = total_area(exports / "coco" / "annotations.json")
    ok = [len(reader.annos), objects] == want and theirs == ours
    print(f"isat: {len(reader.annos)} files, {objects} objects (export wrote {want[0]}, "
          f"{want[1]}); ISAT's COCO covers {theirs} px, ours {ours} "
          f"{'ok' if ok else 'FAILED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
