"""Take the README's screenshots offscreen: `python scripts/screenshots.py [--only NAME...]`.

Each shot builds what it shows from scratch in a temporary folder (a project over the
bundled sample clip, a models cache), renders it with Qt's offscreen platform and saves a
PNG under docs/. Shots: export (docs/export_dialog.png), models (docs/model_menu.png), window
(docs/screenshot.png).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the window's defaults, not the settings (opacity, colours, layout) of whoever runs this
os.environ["ANNOTATOR_CONFIG"] = tempfile.mkdtemp(prefix="annotator-shot-config-")

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


SAMPLE_OBJECTS = (("box", (0, 130, 200)), ("star", (60, 180, 75)), ("ball", (230, 25, 75)))
KEYFRAMES = (0, 24, 48, 72)  # frames the window shot outlines each object on
SHOWN_FRAME = 48


def _run_until(done: Callable[[], object], seconds: float = 120.0) -> None:
    """Let Qt work until `done()` holds; SystemExit after `seconds`."""
    import time

    from PySide6.QtWidgets import QApplication

    give_up = time.monotonic() + seconds
    while not done():
        if time.monotonic() > give_up:
            raise SystemExit("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def _outline(mask) -> list[tuple[float, float]]:  # noqa: ANN001 - a bool (H, W) array
    """About 24 vertices around the largest part of `mask`, as an annotator would click."""
    import cv2
    import numpy as np

    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    ring = max(contours, key=cv2.contourArea)[:, 0, :]
    step = max(1, len(ring) // 24)
    return [(float(x) + 0.5, float(y) + 0.5) for x, y in ring[::step]]


def shoot_window(out_dir: Path, work: Path) -> Path:
    """The window on the sample clip: three objects in their categories, each outlined with
    the polygon tool on four keyframes (real clicks; the seeded checkpoint it loads, so that
    the status bar names a model, would only draw noise), shown on one of them."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from annotator.cli import build_parser
    from annotator.commands.gui import open_window
    from annotator.io.sample_clip import object_masks
    from annotator.io.store import create_project

    path = work / "sample.annotator"
    with create_project(path) as project:
        default = project.categories[0] if project.categories else None
        for name, colour in SAMPLE_OBJECTS:
            project.add_category(name, colour)
        if default is not None:
            project.remove_category(default.id)
    checkpoint = _seeded_checkpoint(work)
    args = build_parser().parse_args(
        ["gui", str(SAMPLE), "--project", str(path), "--model", str(checkpoint),
         "--image-size", "512"]
    )  # fmt: skip
    win = open_window(args)
    win.resize(1280, 800)
    win.show()
    _run_until(lambda: win.controller.engine_ready)
    canvas = win.canvas

    def click(x: float, y: float) -> None:
        pos = canvas.frame_to_widget(x, y).toPoint()
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)

    video = win.document.video_id

    def outlined(frame: int, track: int) -> bool:
        return win.project.mask(video, frame, track) is not None

    canvas.set_tool("polygon")
    for digit, (name, _colour) in enumerate(SAMPLE_OBJECTS, start=1):
        win.show_frame(KEYFRAMES[0])
        win.registry["new_object"].trigger()
        track = win.controller.active_track
        assert track is not None
        win.registry[f"category_{digit}"].trigger()
        win.controller.objects.rename(track, f"{name} 1")
        for frame in KEYFRAMES:
            win.show_frame(frame)
            _run_until(lambda: win.shown_exact)
            for x, y in _outline(object_masks(frame)[name]):
                click(x, y)
            QTest.keyClick(canvas, Qt.Key.Key_Return)
            _run_until(functools.partial(outlined, frame, track))
    win.show_frame(SHOWN_FRAME)
    lanes_read = [len(KEYFRAMES)] * len(SAMPLE_OBJECTS)
    _run_until(lambda: [len(la.edit_frames) for la in win.timeline.lanes] == lanes_read)
    _run_until(lambda: win.shown_exact)
    star = object_masks(SHOWN_FRAME)["star"]
    ys, xs = star.nonzero()
    QTest.mouseMove(canvas, canvas.frame_to_widget(float(xs.mean()), float(ys.mean())).toPoint())
    canvas.set_tool("prompt")
    win.statusBar().showMessage("Ctrl+click on a mask picks its object; N starts a new one")
    try:
        return _save(win, out_dir / "screenshot.png")
    finally:
        win.shutdown()


def _seeded_checkpoint(work: Path) -> Path:
    """A tiny SAM2.1 checkpoint of seeded random weights (../shared/parity/make_checkpoint.py)."""
    import importlib.util

    import torch

    maker_path = REPO.parent / "shared" / "parity" / "make_checkpoint.py"
    spec = importlib.util.spec_from_file_location("make_checkpoint", maker_path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {maker_path}")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    checkpoint = work / "tiny.pt"
    torch.save({"model": maker.make_state_dict("sam2.1_hiera_tiny", 0, 3.0)}, checkpoint)
    return checkpoint


SHOTS: dict[str, Callable[[Path, Path], Path]] = {
    "export": shoot_export,
    "models": shoot_models,
    "window": shoot_window,
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
