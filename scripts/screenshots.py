"""Take the README's screenshots offscreen: `python scripts/screenshots.py [--only NAME...]`.

Each shot builds what it shows from scratch in a temporary folder (a project over the
bundled sample clip, a models cache), renders it with Qt's offscreen platform and saves a
PNG under docs/. Shots: export (docs/export_dialog.png), models (docs/model_menu.png).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SAMPLE = REPO / "resources" / "sample.mp4"
DEMO_CATEGORIES = (("person", (230, 25, 75)), ("bed", (60, 180, 75)), ("lamp", (0, 130, 200)))


def _save(widget, path: Path) -> Path:
    """Show `widget`, let it lay out and paint, and save it as a PNG."""
    from PySide6.QtWidgets import QApplication

    widget.show()
    for _ in range(5):
        QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    widget.close()
    return path


def _demo_project(folder: Path) -> Path:
    """A project over the sample clip with three categories and one object each."""
    from annotator.domain import Track
    from annotator.io.frames import open_frames
    from annotator.io.media import ensure_video
    from annotator.io.store import create_project

    path = folder / "sample.annotator"
    with open_frames(SAMPLE, background=False) as frames, create_project(path) as project:
        video_id = ensure_video(project, frames, SAMPLE)
        for name, colour in (
            ("person", (230, 25, 75)),
            ("bed", (60, 180, 75)),
            ("lamp", (0, 130, 200)),
        ):
            category = project.add_category(name, colour)
            project.put_track(Track(project.allocate_id("track"), video_id, category.id, name))
    return path


def shoot_export(out_dir: Path, work: Path) -> Path:
    """The export dialog, filled in as for a COCO dataset with a validation split."""
    from annotator.ui.dialogs.export_dialog import ExportDialog

    dialog = ExportDialog(_demo_project(work), default_out="~/datasets/sample_coco")
    dialog.select_format("coco")
    dialog.val_spin.setValue(0.2)
    dialog.only_annotated_check.setChecked(True)
    dialog.status_label.setText("Exports open the project read-only: keep annotating meanwhile.")
    dialog.resize(720, dialog.sizeHint().height())
    return _save(dialog, out_dir / "export_dialog.png")


def shoot_models(out_dir: Path, work: Path) -> Path:
    """The Models dialog over a cache holding tiny and part of small: sparse files of the
    published sizes, tiny's digest check left out (no bytes are downloaded for a picture)."""
    from dataclasses import replace

    from annotator.engine.weights import WeightsManager
    from annotator.engine.weights_registry import REGISTRY
    from annotator.ui.dialogs.model_dialog import ModelDialog, short_path

    registry = dict(REGISTRY)
    registry["sam2.1_hiera_tiny"] = replace(registry["sam2.1_hiera_tiny"], sha256=None)
    cache = work / ".cache" / "annotator" / "models"
    manager = WeightsManager(cache, base_url="http://127.0.0.1:1", registry=registry)
    manager.cache_dir.mkdir(parents=True)
    for name, fraction, path_of in (
        ("sam2.1_hiera_tiny", 1.0, manager.path),
        ("sam2.1_hiera_small", 0.4, manager.part_path),
    ):
        with path_of(name).open("wb") as f:
            f.truncate(int(manager.entry(name).size * fraction))
    home = os.environ.get("HOME")
    os.environ["HOME"] = str(work)  # the dialog shows the cache as ~/.cache/annotator/models
    try:
        dialog = ModelDialog(manager)
        dialog.select_model("sam2.1_hiera_tiny")
        tiny = short_path(manager.path("sam2.1_hiera_tiny"))
        dialog.message.setText(f"Downloaded and verified: {tiny}")  # as after a download
        return _save(dialog, out_dir / "model_menu.png")
    finally:
        if home is not None:
            os.environ["HOME"] = home


SHOTS: dict[str, Callable[[Path, Path], Path]] = {
    "export": shoot_export,
    "models": shoot_models,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SHOTS), help="shots to take")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the PNG files")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    for name in args.only or list(SHOTS):
        with tempfile.TemporaryDirectory(prefix=f"shot-{name}-") as work:
            print(f"{name}: {SHOTS[name](args.out, Path(work))}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
