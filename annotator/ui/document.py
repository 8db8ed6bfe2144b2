"""What the window edits (Qt-free): a project, the video on screen, its frames and the undo
history. `open_document()` is the one way in, used by `annotator gui` and File > Open, so the
window can close one document and show another without being rebuilt.

Every failure is a `DocumentError` whose message names the file, says what is wrong and what
to do; whatever was opened before the failure is closed again (the project's lock included).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.domain import DomainError, History, Project, Video
from annotator.domain.categories import ensure_default_category, give_default_category
from annotator.io.frames import FrameSource, FrameSourceError, MixedImageSizesError, open_frames
from annotator.io.media import Frames, MediaError, add_media, ensure_video, media_kind
from annotator.io.store import (
    ReadOnlyProjectError,
    StoreError,
    add_recent,
    create_project,
    open_project,
)
from annotator.io.video_link import (
    VideoLinkError,
    adopt_opened_file,
    locate_video,
    record_verified_count,
)

PathLike = str | os.PathLike[str]


class DocumentError(Exception):
    """A document cannot be opened; the message is for the user."""


@dataclass
class Document:
    """An open project with one of its videos shown; `close()` releases both (idempotent)."""

    project: Project
    video_id: int
    frames: Frames
    history: History
    path: Path | None = None  # the project file (None: in memory)
    closers: list[Callable[[], object]] = field(default_factory=list)
    _closed: bool = False

    @property
    def video(self) -> Video:
        return self.project.video(self.video_id)

    @property
    def is_photo(self) -> bool:
        """The shown video is one photo of a photo set (no propagation, no timeline)."""
        return media_kind(self.video) == "photo"

    @property
    def closed(self) -> bool:
        return self._closed

    def settle_frame_count(self) -> int | None:
        """Once the frames' background pass verified their count by decoding, record it in
        the project (a container header may claim more or fewer frames than decode); the
        header's count it replaced when they differed, else None (also while unverified)."""
        if not isinstance(self.frames, FrameSource) or not self.frames.count_verified:
            return None
        before = self.video.num_frames
        after = record_verified_count(self.project, self.video_id, self.frames).num_frames
        return before if after != before else None

    @property
    def title(self) -> str:
        name = Path(self.video.path).name
        return f"annotator — {name} — {self.path.name}" if self.path else f"annotator — {name}"

    def close(self) -> None:
        """Close the frames and the project (its lock file goes with it)."""
        if self._closed:
            return
        self._closed = True
        for closer in reversed(self.closers):
            with contextlib.suppress(Exception):  # closing what is already broken
                closer()


def _open_media(path: Path) -> Frames:
    """The frames of a video, an image sequence or a photo; a folder of images of different
    sizes raises MixedImageSizesError (it is a photo set, see `_open_photo_set`)."""
    try:
        return open_frames(path)
    except MixedImageSizesError:
        raise
    except FrameSourceError as exc:
        raise DocumentError(f"Cannot open {path}:\n{exc}") from exc
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror or exc}") from exc


def _open_project(path: Path) -> Project:
    try:
        if path.exists():
            return open_project(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return create_project(path)
    except StoreError as exc:
        raise DocumentError(f"Cannot open the project {path}:\n{exc}") from exc
    except OSError as exc:
        raise DocumentError(
            f"Cannot open the project {path}: {exc.strerror or exc}. "
            "Check that the folder exists and is writable."
        ) from exc


def _open_photo_set(folder: Path, project_file: Path) -> Document:
    """A folder of images of different sizes is a photo set, as File > New makes it: its
    photos join the project (those it holds already stay as they are) and the one the user
    was on, else the first, is shown."""
    project = _open_project(project_file)
    try:
        added = add_media(project, [folder])
        where = project.view_state.video_id
    except (MediaError, StoreError) as exc:
        raise DocumentError(
            f"Cannot add the photos of {folder} to {project_file.name}:\n{exc}"
        ) from exc
    finally:
        project.close()
    shown = [item.video_id for item in added]
    return open_document(None, project_file, video_id=where if where in shown else shown[0])


def _stored_media(project: Project, path: Path, video_id: int | None) -> tuple[Video, Path]:
    """The video to show of an opened project: `video_id`, else where the user was, else the
    first; with the path of its media (the stored one, else one beside the project)."""
    videos = project.videos
    if not videos:
        raise DocumentError(
            f"The project {path.name} holds no video or images yet. "
            "Create it again with File > New project from its media."
        )
    wanted = video_id if video_id is not None else project.view_state.video_id
    video = next((v for v in videos if v.id == wanted), videos[0])
    return video, _located(project, video)


def _located(project: Project, video: Video) -> Path:
    """The file of a project video where its content is (its path, else beside the moved
    project; a file whose content differs is never taken)."""
    try:
        return locate_video(project, video)
    except VideoLinkError as exc:
        raise DocumentError(f"Cannot open the project's {Path(video.path).name}: {exc}") from exc


def open_document(
    media: PathLike | None = None,
    project_path: PathLike | None = None,
    *,
    video_id: int | None = None,
) -> Document:
    """Open `project_path` (created when missing) showing `media` (added to the project when
    new), or, without media, the project's own video `video_id` (default: where the user
    was). Raises DocumentError; nothing stays open or locked after it."""
    if media is None and project_path is None:
        raise DocumentError("Nothing to open: give a video, an image folder or a project file.")
    if project_path is None:
        raise DocumentError("A document needs a project file to save into.")
    project_file = Path(project_path).expanduser()
    closers: list[Callable[[], object]] = []
    try:
        frames = None
        if media is not None:  # the media first: a bad file creates no project
            media_path = Path(media).expanduser()
            try:
                frames = _open_media(media_path)
            except MixedImageSizesError:
                return _open_photo_set(media_path, project_file)
            closers.append(getattr(frames, "close", lambda: None))
        project = _open_project(project_file)
        closers.insert(0, project.close)
        try:
            if frames is None:
                _video, media_path = _stored_media(project, project_file, video_id)
                frames = _open_media(media_path)
                closers.append(getattr(frames, "close", lambda: None))
            try:
                shown = ensure_video(project, frames, media_path)
                if isinstance(frames, FrameSource):  # its path now, a verified count
                    adopt_opened_file(project, shown, frames)
            except (ValueError, DomainError) as exc:
                message = f"{project_file.name} does not fit {media_path}:\n{exc}"
                raise DocumentError(message) from exc
            if not getattr(project.storage, "read_only", False):
                ensure_default_category(project)  # every object has a category (exports)
                give_default_category(project)
            # reading the project's records, so a damaged file fails here, not in the window
            project.tracks(shown)
            project.view_state  # noqa: B018 - read for the same reason
        except ReadOnlyProjectError as exc:
            raise DocumentError(
                f"The project {project_file} can only be read here: {exc}\n"
                "Copy it to a folder you can write to, or make this one writable."
            ) from exc
        except (StoreError, DomainError, ValueError) as exc:
            raise DocumentError(
                f"The project {project_file} cannot be read: {exc}\n"
                "Open a backup copy of it, or create a new project from the media."
            ) from exc
    except BaseException:
        for closer in reversed(closers):
            with contextlib.suppress(Exception):
                closer()
        raise
    with contextlib.suppress(Exception):  # the recent list is a convenience
        add_recent(project_file)
    return Document(project, shown, frames, History(project), project_file, closers)


def switch_video(document: Document, video_id: int) -> Document:
    """The same project and history showing another of its videos (or photos); the new
    document takes over closing the project, the old one keeps only its frames to close."""
    project = document.project
    try:
        video = project.video(video_id)
    except DomainError as exc:
        raise DocumentError(f"The project has no video {video_id}") from exc
    frames = _open_media(_located(project, video))
    project_closers = [c for c in document.closers if c == project.close]
    document.closers[:] = [c for c in document.closers if c != project.close]
    closers = [*project_closers, getattr(frames, "close", lambda: None)]
    return Document(project, video_id, frames, document.history, document.path, closers)
