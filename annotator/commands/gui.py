"""`annotator gui [VIDEO] [--project FILE] [--model NAME_OR_PATH]`: open the annotation
window (on the bundled sample clip by default) over a project file that saves every edit.

The project defaults to `<video>.annotator` beside the video (for the sample clip: in the
user data folder). Without a downloaded model the window still opens for scrubbing and the
status bar says how to get one.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.io.sample_clip import REPO_SAMPLE, write_sample_clip

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

DEFAULT_MODEL = "sam2.1_hiera_tiny"
PROJECT_SUFFIX = ".annotator"


def add_parser(subparsers: Any) -> None:
    """Register the `gui` subcommand."""
    p = subparsers.add_parser("gui", help="open the annotation window (default)")
    p.add_argument("video", nargs="?", type=Path, help="video file or image folder")
    p.add_argument(
        "--project",
        type=Path,
        help="project file to open or create (default: VIDEO.annotator beside the video)",
    )
    p.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"model name (downloaded with `annotator models download`) or a checkpoint "
        f"file (default: {DEFAULT_MODEL})",
    )
    p.add_argument(
        "--image-size",
        type=int,
        default=None,
        help="run the model at this square input size, a multiple of 32 (default: 1024); "
        "smaller is faster and coarser",
    )
    p.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="save a picture of the window once it shows the first frame, then quit",
    )


def sample_clip_path() -> Path:
    """The bundled sample clip, generated into the user cache if the repository's copy is absent."""
    if REPO_SAMPLE.is_file():
        return REPO_SAMPLE
    cache = Path(os.environ.get("ANNOTATOR_CACHE", Path.home() / ".cache" / "annotator"))
    path = cache / "sample.mp4"
    return path if path.is_file() else write_sample_clip(path)


def data_dir() -> Path:
    """Per-user data folder: $ANNOTATOR_DATA, else $XDG_DATA_HOME/annotator (~/.local/share)."""
    if os.environ.get("ANNOTATOR_DATA"):
        return Path(os.environ["ANNOTATOR_DATA"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "annotator"


def default_project_path(video: Path | None) -> Path:
    """`<video>.annotator` beside a user's video; the sample clip's in the data folder."""
    if video is None:
        return data_dir() / f"sample{PROJECT_SUFFIX}"
    video = video.expanduser().absolute()
    return video.with_name(video.name.rstrip("/") + PROJECT_SUFFIX)


def resolve_model(model: str) -> tuple[str | None, str]:
    """(what the engine should load, or None, and why not): a checkpoint path as it is, a
    model name only when it is already downloaded (the window never downloads by itself)."""
    from annotator.engine.weights import WeightsError, WeightsManager

    try:
        return str(WeightsManager().checkpoint_for(model)), ""
    except WeightsError as exc:
        return None, f"No model loaded ({exc}); the window only scrubs. Reopen once it is there."


def open_window(args: argparse.Namespace) -> MainWindow:
    """Open the document (frames and project) and the engine and build the window (not yet
    shown). Raises GuiError with a message for the user when something cannot be opened."""
    from annotator.ui.dialog_menus import checkpoint_exists
    from annotator.ui.document import DocumentError, open_document
    from annotator.ui.engine_bridge import EngineBridge
    from annotator.ui.main_window import MainWindow
    from annotator.ui.settings import Settings

    project_path = args.project or default_project_path(args.video)
    video = args.video
    if video is None and not project_path.exists():  # an existing project shows its own
        video = sample_clip_path()
    try:
        document = open_document(video, project_path)
    except DocumentError as exc:
        raise GuiError(str(exc)) from exc
    remembered = Settings().model()  # the last model chosen in the window, if still there
    use_remembered = args.model == DEFAULT_MODEL and checkpoint_exists(remembered)
    model = remembered["checkpoint"] if use_remembered else args.model
    source, why_not = resolve_model(model)
    bridge = EngineBridge() if source is not None else None
    try:
        window = MainWindow(document.frames, document.title, document=document, bridge=bridge)
    except BaseException:
        if bridge is not None:
            bridge.close()
        document.close()
        raise
    if source is not None and use_remembered:
        size = args.image_size or int(remembered.get("image_size", "1024"))
        device = remembered.get("device", "cpu")
        fast = {"fast": True, "exact": False}.get(remembered.get("precision", ""))
        window.controller.start_engine(document.frames, source, size, device=device, fast=fast)
    elif source is not None:
        window.controller.start_engine(document.frames, source, args.image_size)
    else:
        window.controller.set_no_model(why_not)
    window.show_read_only()  # the first thing said: why this project cannot be edited
    window.add_cleanup(lambda: window.document.close())  # after the engine stopped writing
    return window


class GuiError(Exception):
    """The window cannot open; the message says why, for the user."""


def run(args: argparse.Namespace) -> int:
    """Start Qt, open the window and run the event loop until it closes."""
    from annotator.platform_check import qt_platform_problem

    if (problem := qt_platform_problem()) is not None:  # before Qt aborts the process
        print(f"annotator: {problem}", file=sys.stderr)
        return 1
    from annotator.ui.qt_build import installed_qt_problem

    if (problem := installed_qt_problem()) is not None:  # a build that would crash later
        print(f"annotator: {problem}", file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        window = open_window(args)
    except GuiError as exc:
        QMessageBox.critical(None, "annotator", str(exc))
        print(f"annotator: {exc}", file=sys.stderr)
        return 1
    window.show()
    if args.screenshot is not None:
        from annotator.ui.screenshot import save_when_ready

        save_when_ready(window, lambda: window.shown_exact, args.screenshot)
    elif window.bridge is None:
        window.dialogs.offer_first_model()  # no model yet: offer SAM2.1 tiny, say offline
    try:
        return int(app.exec())
    finally:
        window.shutdown()
