"""Ultralytics reads our YOLO exports after the dataset folder was moved.

Run in a venv with `ultralytics` (it needs torchvision, so not the app's venv; see run.sh):
`python check_ultralytics.py EXPORTS`. Each of EXPORTS/yolo-seg and EXPORTS/yolo-det is
moved to a new folder, then `check_det_dataset` resolves its data.yaml and `YOLODataset`
scans every image and label file of train and val: all must be found, none corrupt, and
every path must lie in the moved copy.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from ultralytics.data.dataset import YOLODataset
from ultralytics.data.utils import check_det_dataset, load_dataset_cache_file


def check(dataset: Path, task: str) -> list[str]:
    problems: list[str] = []
    data = check_det_dataset(str(dataset / "data.yaml"), autodownload=False)
    for split in ("train", "val"):
        root = Path(data[split])
        if not root.is_relative_to(dataset.resolve()):
            problems.append(f"{split}: {root} is outside the moved dataset {dataset}")
            continue
        images = sorted(p for p in root.iterdir() if p.is_file())
        if not images:
            continue
        ds = YOLODataset(img_path=str(root), data=data, task=task, augment=False)
        cache = load_dataset_cache_file(Path(ds.label_files[0]).parent.with_suffix(".cache"))
        found, missing, empty, corrupt, total = cache["results"]
        print(f"  {split}: {total} images, {found} labelled, {empty} background, "
              f"{missing} missing, {corrupt} corrupt")  # fmt: skip
        if corrupt or missing or found + empty != len(images) or len(ds.labels) != len(images):
            problems.append(f"{split}: {cache['msgs']}")
    return problems


def main() -> int:
    exports = Path(sys.argv[1])
    failed = 0
    for fmt, task in (("yolo-seg", "segment"), ("yolo-det", "detect")):
        with tempfile.TemporaryDirectory() as tmp:
            moved = Path(tmp) / "moved" / fmt
            shutil.copytree(exports / fmt, moved)
            print(f"ultralytics {fmt} (moved to {moved}):")
            problems = check(moved, task)
        failed += bool(problems)
        print(f"ultralytics {fmt}: {'ok' if not problems else 'FAILED ' + '; '.join(problems)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
