"""py-motmetrics reads our MOT export (`gt/gt.txt` of each sequence) with its own MOT loader;
the ground truth evaluated against itself as a tracker must give MOTA = IDF1 = 1 with no
identity switches, and every row must be read as an object.

Run in a venv with `motmetrics` and `numpy<2` (motmetrics 1.4.0, the newest release, calls
`np.asfarray`, which NumPy 2 removed, so it cannot share the app's venv; see run.sh):
`python check_motmetrics.py EXPORTS`, where EXPORTS holds the `mot/` folder written by
make_exports.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import motmetrics as mm


def check(seq: Path) -> tuple[bool, str]:
    gt_file = seq / "gt" / "gt.txt"
    gt = mm.io.loadtxt(str(gt_file), fmt="mot15-2D", min_confidence=1)
    hyp = mm.io.loadtxt(str(gt_file), fmt="mot15-2D", min_confidence=1)
    acc = mm.utils.compare_to_groundtruth(gt, hyp, "iou", distth=0.5)
    metrics = ["num_frames", "num_objects", "mota", "idf1", "num_switches", "num_false_positives",
               "num_misses"]  # fmt: skip
    row = mm.metrics.create().compute(acc, metrics=metrics, name=seq.name).iloc[0]
    rows = len(gt_file.read_text().split())
    ok = (
        abs(row["mota"] - 1.0) < 1e-9
        and abs(row["idf1"] - 1.0) < 1e-9
        and row["num_switches"] == row["num_false_positives"] == row["num_misses"] == 0
        and row["num_objects"] == rows
    )
    return ok, (
        f"{int(row['num_frames'])} frames, {int(row['num_objects'])} objects (gt.txt has {rows}), "
        f"MOTA = {row['mota']:.6f}, IDF1 = {row['idf1']:.6f}, "
        f"{int(row['num_switches'])} switches"
    )


def main() -> int:
    exports = Path(sys.argv[1]) / "mot"
    seqs = sorted(p for p in exports.iterdir() if (p / "gt" / "gt.txt").is_file())
    failed = 0 if seqs else 1
    for seq in seqs:
        ok, text = check(seq)
        failed += not ok
        print(f"motmetrics mot {seq.name}: {text} {'ok' if ok else 'FAILED (want 1.0)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
