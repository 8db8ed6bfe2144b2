"""Write every export format of a small synthetic project (two videos, holes, several parts).

Run with the app's venv: `.venv/bin/python bench/consumers/make_exports.py OUT`; the
`check_*.py` scripts beside it then read OUT with the real consumers in their own venvs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from annotator.io.formats import EXPORTERS, ExportOptions  # noqa: E402
from tests.io.formats.conftest import GeneratedFrames, make_project  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1])
    project = make_project(videos=((96, 128, 12), (80, 112, 10)))
    counts: dict[str, tuple[int, int]] = {}
    for fmt, (exporter, extra) in sorted(EXPORTERS.items()):
        kwargs = {k: v for k, v in extra.items() if k != "segmentation"}
        options = ExportOptions(segmentation=extra.get("segmentation", "rle"), overwrite=True)
        summary = exporter(project, out / fmt, options, GeneratedFrames, **kwargs)
        print(f"{fmt}: {summary.images} images, {summary.annotations} annotations")
        counts[fmt] = (summary.images, summary.annotations)
    first = project.videos[0]  # per-sequence formats are checked on the first video
    n_first = sum(1 for v in project.videos[:1] for r in project.masks(v.id) if not r.mask.is_empty)
    for fmt in ("mot", "cvat-video"):
        counts[fmt] = (first.num_frames, n_first)
    (out / "counts.json").write_text(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
