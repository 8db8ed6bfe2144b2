"""TrackEval (the MOTChallenge/YouTube-VIS evaluation code) reads our YouTube-VIS and MOT
exports as ground truth; each evaluated against itself as a tracker must score HOTA = 1.

Run in a venv with `trackeval` (see run.sh): `python check_trackeval.py EXPORTS`, where
EXPORTS holds the `ytvis/` and `mot/` folders written by make_exports.py.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import trackeval
from pycocotools import mask as mask_utils


def _hota(evaluator_output: dict, dataset: str, tracker: str, cls: str) -> float:
    res = evaluator_output[0][dataset][tracker]["COMBINED_SEQ"][cls]["HOTA"]
    return float(res["HOTA"].mean())


def _compressed(seg: dict | None) -> dict | None:
    if seg is None:
        return None
    rle = mask_utils.frPyObjects(seg, *seg["size"])
    return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}


def _evaluate(dataset: object) -> dict:
    config = trackeval.Evaluator.get_default_eval_config()
    config.update(PRINT_RESULTS=False, PRINT_CONFIG=False, OUTPUT_SUMMARY=False,
                  OUTPUT_DETAILED=False, PLOT_CURVES=False, USE_PARALLEL=False)  # fmt: skip
    metric = trackeval.metrics.HOTA({"PRINT_CONFIG": False})
    return trackeval.Evaluator(config).evaluate([dataset], [metric])


def check_ytvis(export: Path, work: Path) -> float:
    gt = json.loads((export / "annotations.json").read_text())
    (work / "gt" / "youtube_vis_val").mkdir(parents=True)
    shutil.copy(export / "annotations.json", work / "gt" / "youtube_vis_val" / "gt.json")
    results = [  # a tracker's results hold compressed RLE (str counts), as TrackEval reads them
        {"video_id": a["video_id"], "category_id": a["category_id"], "score": 1.0,
         "segmentations": [_compressed(s) for s in a["segmentations"]]}
        for a in gt["annotations"]
    ]  # fmt: skip
    data = work / "trackers" / "youtube_vis_val" / "self" / "data"
    data.mkdir(parents=True)
    (data / "results.json").write_text(json.dumps(results))
    dataset = trackeval.datasets.YouTubeVIS(
        {"GT_FOLDER": f"{work}/gt/", "TRACKERS_FOLDER": f"{work}/trackers/",
         "SPLIT_TO_EVAL": "val", "PRINT_CONFIG": False}
    )  # fmt: skip
    out = _evaluate(dataset)
    return _hota(out, "YouTubeVIS", "self", "cls_comb_det_av")


def check_mot(export: Path, work: Path) -> float:
    seqs = sorted(p.name for p in export.iterdir() if (p / "gt" / "gt.txt").is_file())
    gt_root = work / "gt" / "MOT17-train"
    tr_root = work / "trackers" / "MOT17-train" / "self" / "data"
    tr_root.mkdir(parents=True)
    for seq in seqs:
        (gt_root / seq / "gt").mkdir(parents=True)
        shutil.copy(export / seq / "gt" / "gt.txt", gt_root / seq / "gt" / "gt.txt")
        shutil.copy(export / seq / "seqinfo.ini", gt_root / seq / "seqinfo.ini")
        rows = []
        for line in (export / seq / "gt" / "gt.txt").read_text().split():
            f = line.split(",")
            rows.append(",".join([*f[:6], "1", "-1", "-1", "-1"]))
        (tr_root / f"{seq}.txt").write_text("\n".join(rows) + "\n")
    seqmap = work / "seqmap.txt"
    seqmap.write_text("name\n" + "".join(s + "\n" for s in seqs))
    dataset = trackeval.datasets.MotChallenge2DBox(
        {"GT_FOLDER": str(work / "gt"), "TRACKERS_FOLDER": str(work / "trackers"),
         "BENCHMARK": "MOT17", "SPLIT_TO_EVAL": "train", "SEQMAP_FILE": str(seqmap),
         "PRINT_CONFIG": False}
    )  # fmt: skip
    out = _evaluate(dataset)
    return _hota(out, "MotChallenge2DBox", "self", "pedestrian")


def main() -> int:
    exports = Path(sys.argv[1])
    failed = 0
    for name, check, folder in (("ytvis", check_ytvis, "ytvis"), ("mot", check_mot, "mot")):
        with tempfile.TemporaryDirectory() as work:
            hota = check(exports / folder, Path(work))
        ok = abs(hota - 1.0) < 1e-9
        failed += not ok
        print(f"trackeval {name}: HOTA = {hota:.6f} {'ok' if ok else 'FAILED (want 1.0)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
