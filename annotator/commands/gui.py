"""`annotator gui [VIDEO]`: open the main window (on the bundled sample clip by default)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from annotator.io.sample_clip import REPO_SAMPLE, write_sample_clip


def add_parser(subparsers: Any) -> None:
    """Register the `gui` subcommand."""
    p = subparsers.add_parser("gui", help="open the annotation window (default)")
    p.add_argument("video", nargs="?", type=Path, help="video file or image folder")


def sample_clip_path() -> Path:
    """The bundled sample clip, generated into the user cache if the repository's copy is absent."""
    if REPO_SAMPLE.is_file():
        return REPO_SAMPLE
    cache = Path(os.environ.get("ANNOTATOR_CACHE", Path.home() / ".cache" / "annotator"))
    path = cache / "sample.mp4"
    return path if path.is_file() else write_sample_clip(path)


def run(args: argparse.Namespace) -> int:
    """Start Qt, open the video and run the event loop until the window closes."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from annotator.io.frames import FrameSourceError, open_frames
    from annotator.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    path = args.video or sample_clip_path()
    try:
        frames = open_frames(path)
    except FrameSourceError as exc:
        QMessageBox.critical(None, "annotator", f"Cannot open {path}:\n{exc}")
        print(f"annotator: cannot open {path}: {exc}", file=sys.stderr)
        return 1
    window = MainWindow(frames, title=f"annotator — {Path(path).name}")
    window.show()
    return int(app.exec())
