"""Our exports read by the real tools that consume them: TrackEval (HOTA 1 on its own
ground truth), py-motmetrics, labelme, ISAT-SAM and Datumaro, each installed from PyPI into
its own venv by bench/consumers/run.sh (they pull packages that must not go into the app's
venv); and the other way, Label Studio's brush encoder writing what our importer reads.

Ultralytics (a 5.5 GB torch build beside ours) and the DAVIS evaluation (not on PyPI) are
run by hand with the same script (README, Export).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "consumers" / "run.sh"


@pytest.mark.slow
@pytest.mark.parametrize(
    "consumer", ["trackeval", "motmetrics", "labelme", "isat", "label-studio", "datumaro"]
)
def test_the_consumer_reads_our_exports_as_written(consumer: str) -> None:
    env = {**os.environ, "ANNOTATOR_PYTHON": sys.executable, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        ["bash", str(SCRIPT), consumer], capture_output=True, text=True, env=env, timeout=1500
    )
    said = run.stdout + run.stderr
    assert run.returncode == 0, said[-4000:]
    verdicts = [
        line
        for line in run.stdout.splitlines()
        if line.startswith(consumer) and (line.endswith(" ok") or "FAILED" in line)
    ]
    assert verdicts, said[-4000:]
    assert all(line.endswith(" ok") for line in verdicts), "\n".join(verdicts)
