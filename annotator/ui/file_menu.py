"""File menu: new project from a video, an image folder or a set of images; open; recent
projects; add media (or drop files on the window, file_drop.py); switch between the
project's videos (or photos); import and export dialogs; close. The file choosers are
attributes (`ask_*`), so tests answer them.

Projects are created and extended by `annotator.io.media` (the code path of `annotator new`
and `annotator add`); every failure becomes a message box naming the file and the cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from annotator.io.frames import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from annotator.io.media import (
    AddedMedia,
    MediaError,
    add_media,
    create_project_with_media,
    media_kind,
)
from annotator.io.store import PROJECT_SUFFIX, StoreError, recent_projects
from annotator.ui.actions import ActionSpec
from annotator.ui.document import DocumentError, open_document, switch_video

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

AskPaths = Callable[[QWidget, str], list[str]]  # parent, title -> chosen paths ([] : none)
Tell = Callable[[QWidget, str], object]


def _patterns(extensions: Iterable[str]) -> str:
    return " ".join(f"*{e}" for e in sorted(extensions))


def ask_video(parent: QWidget, title: str) -> list[str]:
    name, _ = QFileDialog.getOpenFileName(
        parent, title, "", f"Videos ({_patterns(VIDEO_EXTENSIONS)})"
    )
    return [name] if name else []


def ask_folder(parent: QWidget, title: str) -> list[str]:
    name = QFileDialog.getExistingDirectory(parent, title)
    return [name] if name else []


def ask_images(parent: QWidget, title: str) -> list[str]:
    names, _ = QFileDialog.getOpenFileNames(
        parent, title, "", f"Images ({_patterns(IMAGE_EXTENSIONS)})"
    )
    return list(names)


def ask_media(parent: QWidget, title: str) -> list[str]:
    patterns = _patterns([*VIDEO_EXTENSIONS, *IMAGE_EXTENSIONS])
    names, _ = QFileDialog.getOpenFileNames(parent, title, "", f"Videos and images ({patterns})")
    return list(names)


def ask_project(parent: QWidget, title: str) -> list[str]:
    name, _ = QFileDialog.getOpenFileName(parent, title, "", f"Projects (*{PROJECT_SUFFIX})")
    return [name] if name else []


def ask_new_project(parent: QWidget, title: str) -> list[str]:
    name, _ = QFileDialog.getSaveFileName(parent, title, "", f"Projects (*{PROJECT_SUFFIX})")
    if name and not name.endswith(PROJECT_SUFFIX):
        name += PROJECT_SUFFIX
    return [name] if name else []


def tell_error(parent: QWidget, message: str) -> None:
    QMessageBox.warning(parent, "annotator", message)


class FileMenu:
    """The File menu's actions for one window (documents come and go under it)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.ask_video: AskPaths = ask_video
        self.ask_folder: AskPaths = ask_folder
        self.ask_images: AskPaths = ask_images
        self.ask_media: AskPaths = ask_media
        self.ask_project: AskPaths = ask_project
        self.ask_new_project: AskPaths = ask_new_project
        self.tell_error: Tell = tell_error
        self.recent_menu = QMenu("Open &recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.videos_menu = QMenu("&Switch to", window)
        self.videos_menu.aboutToShow.connect(self._fill_videos)

    def specs(self) -> list[ActionSpec]:
        has_file = lambda: self.window.document.path is not None  # noqa: E731
        return [
            ActionSpec("new_from_video", "New project from a video…", self.new_from_video,
                       ("Ctrl+N",), "Create a project for one video file", "File",
                       section="File"),
            ActionSpec("new_from_folder", "New project from an image folder…",
                       self.new_from_folder, (), "A folder of frames (one size) or photos "
                       "(any sizes)", "File", section="File"),
            ActionSpec("new_from_images", "New project from images…", self.new_from_images,
                       (), "Photos of any sizes, each segmented on its own", "File",
                       section="File"),
            ActionSpec("open_project", "Open project…", self.open_project, ("Ctrl+O",),
                       "Open a project file", "File", section="File"),
            ActionSpec("add_media", "Add videos or images…", self.add_media, (),
                       "Add media to this project", "File", has_file, section="File"),
            ActionSpec("close_window", "Close", self.window.close, ("Ctrl+W",),
                       "Close the window (everything is saved already)", "File",
                       section="File"),
        ]  # fmt: skip

    def install_submenus(self, menu: QMenu) -> None:
        """Put Open recent before Add media, and Switch to before Close."""
        actions = {a.objectName(): a for a in menu.actions()}
        for submenu, before in (
            (self.recent_menu, "add_media"),
            (self.videos_menu, "close_window"),
        ):
            if before in actions:
                menu.insertMenu(actions[before], submenu)
            else:
                menu.addMenu(submenu)

    # --- new and open ----------------------------------------------------------------------
    def new_from_video(self) -> bool:
        return self._new(self.ask_video(self.window, "Video to annotate"), photos=False)

    def new_from_folder(self) -> bool:
        return self._new(self.ask_folder(self.window, "Folder of images"), photos=False)

    def new_from_images(self) -> bool:
        return self._new(self.ask_images(self.window, "Images to annotate"), photos=True)

    def _new(self, media: list[str], *, photos: bool) -> bool:
        if not media:
            return False
        chosen = self.ask_new_project(self.window, "Save the new project as")
        if not chosen:
            return False
        target = Path(chosen[0])
        if target.exists():
            self.tell_error(self.window, f"{target} exists already: choose another name.")
            return False
        try:
            project, _added = create_project_with_media(target, media, photos=photos)
        except (MediaError, StoreError, OSError) as exc:
            self.tell_error(self.window, f"Cannot create {target.name}:\n{exc}")
            return False
        project.close()
        return self.open_path(target)

    def open_project(self) -> bool:
        chosen = self.ask_project(self.window, "Open project")
        return bool(chosen) and self.open_path(Path(chosen[0]))

    def open_path(self, path: Path, video_id: int | None = None) -> bool:
        """Show the project file `path` in the window; a failure keeps the current one."""
        if self.window.document.path is not None and path == self.window.document.path:
            return True
        try:
            document = open_document(None, path, video_id=video_id)
        except DocumentError as exc:
            self.tell_error(self.window, str(exc))
            return False
        self.window.set_document(document)
        return True

    # --- the project's media -----------------------------------------------------------------
    def add_media(self) -> bool:
        paths = self.ask_media(self.window, "Videos or images to add")
        return bool(paths) and self._add(paths) is not None

    def _add(self, paths: Sequence[str | Path]) -> list[AddedMedia] | None:
        """Add media to the project, saying how many were new (None: refused, said why)."""
        if self.window.document.path is None:
            self.tell_error(self.window, "Open or create a project first: media join a project.")
            return None
        try:
            added = add_media(self.window.project, paths)
        except (MediaError, StoreError) as exc:
            self.tell_error(self.window, str(exc))
            return None
        new = [a for a in added if a.new]
        self.window.statusBar().showMessage(
            f"Added {len(new)} of {len(added)} (the others were in the project already)"
        )
        self.window.refresh_media()
        return added

    def open_dropped(self, paths: Sequence[Path]) -> bool:
        """Files dropped on the window: one project file opens; media join the project and
        the first of them is shown."""
        projects = [p for p in paths if p.suffix == PROJECT_SUFFIX]
        if projects:
            if len(paths) > 1:
                self.tell_error(self.window, "Drop one project file at a time, without media.")
                return False
            return self.open_path(projects[0])
        added = self._add(paths)
        if not added:
            return False
        shown = self.switch_to(added[0].video_id)
        new = sum(a.new for a in added)
        self.window.statusBar().showMessage(
            f"Added {new} of {len(added)} dropped (the others were in the project already)"
        )
        return shown

    def switch_to(self, video_id: int) -> bool:
        """Show another video (or photo) of the project."""
        document = self.window.document
        if video_id == document.video_id:
            return True
        try:
            other = switch_video(document, video_id)
        except DocumentError as exc:
            self.tell_error(self.window, str(exc))
            return False
        self.window.set_document(other)
        return True

    def step_photo(self, delta: int) -> bool:
        """Show the photo `delta` places from the shown one in the image strip's order
        (clamped to the first and last); False when the shown one is not a photo."""
        photos = self.window.image_strip.photo_ids()
        shown = self.window.document.video_id
        if not self.window.document.is_photo or shown not in photos:
            return False
        index = min(max(photos.index(shown) + delta, 0), len(photos) - 1)
        if photos[index] == shown:
            where = "last" if delta > 0 else "first"
            self.window.statusBar().showMessage(f"This is the {where} photo of the project")
            return True
        return self.switch_to(photos[index])

    # --- submenus ----------------------------------------------------------------------------
    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        entries = [r for r in recent_projects() if r.exists]
        for entry in entries[:10]:
            action = self.recent_menu.addAction(str(entry.path))
            action.triggered.connect(lambda _c=False, p=entry.path: self.open_path(p))
        if not entries:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _fill_videos(self) -> None:
        self.videos_menu.clear()
        shown = self.window.document.video_id
        for video in self.window.project.videos:
            kind = media_kind(video)
            label = f"{Path(video.path).name}  ({kind}, {video.width}×{video.height})"
            action = self.videos_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(video.id == shown)
            action.triggered.connect(lambda _c=False, v=video.id: self.switch_to(v))
