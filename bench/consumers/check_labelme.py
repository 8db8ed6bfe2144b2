"""labelme itself reads our labelme export: every JSON loads with its image, and every shape
rasterises with labelme's own `shape_to_mask` to a non-empty mask.

Run in a venv with `labelme` (it brings PyQt5 and onnxruntime, so not the app's venv; see
run.sh): `python check_labelme.py EXPORTS`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from labelme._label_file import read_label_file
from labelme.utils.shape import shape_to_mask


def main() -> int:
    exports = Path(sys.argv[1])
    want = json.loads((exports / "counts.json").read_text())["labelme"]
    files = sorted(p for p in (exports / "labelme").glob("*.json") if not p.name.startswith("."))
    shapes = empty = 0
    for path in files:
        data = read_label_file(str(path))  # raises if the image is missing or its size differs
        height = json.loads(path.read_text())["imageHeight"]
        width = json.loads(path.read_text())["imageWidth"]
        for shape in data.shapes:
            shapes += 1
            mask = shape_to_mask((height, width), shape["points"], shape["shape_type"])
            empty += not mask.any()
    ok = [len(files), shapes] == want and empty == 0
    print(f"labelme: {len(files)} files, {shapes} shapes, {empty} empty "
          f"(export wrote {want[0]}, {want[1]}) {'ok' if ok else 'FAILED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
