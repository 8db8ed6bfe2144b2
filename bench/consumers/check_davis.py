"""davis2017-evaluation (the official DAVIS 2017 semi-supervised evaluation) reads our DAVIS
export as its dataset root; the export's own masks evaluated as results must give J = F = 1.

Run in a venv with numpy, pillow, opencv-python-headless, scipy, pandas and tqdm, with
DAVIS2017_EVALUATION naming a checkout of github.com/davisvideochallenge/davis2017-evaluation
(it is not on PyPI): `python check_davis.py EXPORTS` (see run.sh).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, os.environ["DAVIS2017_EVALUATION"])

from davis2017.evaluation import DAVISEvaluation  # noqa: E402


def main() -> int:
    root = Path(sys.argv[1]) / "davis"
    failed = 0
    for subset in ("train", "val"):
        evaluation = DAVISEvaluation(davis_root=str(root), task="semi-supervised", gt_set=subset)
        metrics = evaluation.evaluate(str(root / "Annotations" / "480p"))
        j = sum(metrics["J"]["M"]) / len(metrics["J"]["M"])
        f = sum(metrics["F"]["M"]) / len(metrics["F"]["M"])
        ok = abs(j - 1.0) < 1e-9 and abs(f - 1.0) < 1e-9
        failed += not ok
        print(f"davis2017-evaluation {subset}: {len(metrics['J']['M'])} objects, "
              f"J = {j:.6f}, F = {f:.6f} {'ok' if ok else 'FAILED (want 1.0)'}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
