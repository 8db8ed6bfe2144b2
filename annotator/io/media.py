"""Projects from media: videos, image sequences and photo sets, found on disk and added to a
project. The one code path of `annotator new` / `annotator add` and the window's File menu.

- a video file is one video;
- a folder of images of one size is one sequence (its frames in natural order);
- a folder of images of different sizes is a photo set: one photo per image;
- an image file is one photo.

A photo is a project video of one frame with the image's own path and size, so each image
is segmented on its own and every exporter writes it at its own size. Everything is opened
and checked before the project is touched: one bad file leaves the project as it was.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from annotator.domain import DomainError, Project, Video
from annotator.io.frames import (
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    FrameSourceError,
    MixedImageSizesError,
    open_frames,
)
from annotator.io.frames.fingerprint import is_content_fingerprint
from annotator.io.frames.image_folder import list_images
from annotator.io.store import create_project

DEFAULT_FPS = 30.0

MediaKind = Literal["video", "sequence", "photo"]
PathLike = str | os.PathLike[str]


class Frames(Protocol):
    """What describing a source needs: its length and frame-by-index access (RGB uint8)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Any: ...


class MediaError(Exception):
    """A medium cannot be added; the message names the file and what is wrong."""


@dataclass(frozen=True)
class MediaItem:
    """One thing a project will annotate: a video file, an image sequence folder or a photo."""

    path: Path
    kind: MediaKind


@dataclass(frozen=True)
class AddedMedia:
    """What adding one medium did: its project video, and whether the project had it already."""

    video_id: int
    path: str
    kind: MediaKind
    new: bool


def media_kind(video: Video) -> MediaKind:
    """What a project video is, from its path: a photo (an image file of one frame), a video
    file, or an image sequence (a folder)."""
    suffix = Path(video.path).suffix.lower()
    if suffix in IMAGE_EXTENSIONS and video.num_frames == 1:
        return "photo"
    return "video" if suffix in VIDEO_EXTENSIONS else "sequence"


def describe_source(frames: Frames, path: PathLike | None = None) -> dict[str, object]:
    """Path, fingerprint, fps and size of a frame source (io sources carry them; a plain
    list of arrays gets them from its first frame)."""
    width, height = getattr(frames, "width", None), getattr(frames, "height", None)
    if width is None or height is None:
        first = frames[0]
        height, width = int(first.shape[0]), int(first.shape[1])
    source_path = path if path is not None else getattr(frames, "path", None)
    return {
        "path": str(Path(source_path).resolve()) if source_path is not None else "<memory>",
        "fingerprint": str(getattr(frames, "fingerprint", "") or "unknown"),
        "fps": float(getattr(frames, "fps", 0.0) or DEFAULT_FPS),
        "width": int(width),
        "height": int(height),
        "num_frames": len(frames),
    }


def find_video(project: Project, info: dict[str, object]) -> Video | None:
    """The project's video for a described source (same fingerprint, else same path), or
    None; raises ValueError when a video at that path now has other frames (size, length)."""
    fingerprint = info["fingerprint"]
    for video in project.videos:
        if fingerprint != "unknown" and video.fingerprint == fingerprint:
            return video
    for video in project.videos:
        if video.path == info["path"]:
            if (video.width, video.height, video.num_frames) != (
                info["width"],
                info["height"],
                info["num_frames"],
            ):
                raise ValueError(
                    f"the project's video {video.path} was {video.width}x{video.height}, "
                    f"{video.num_frames} frames; the file now differs"
                )
            return video
    return None


def put_described(project: Project, info: dict[str, object]) -> tuple[int, bool]:
    """(video id, added?) for a described source: the project's video for it (its
    fingerprint refreshed when the path matched), else a new one."""
    video = find_video(project, info)
    if video is None:
        video_id = project.allocate_id("video")
        project.put_video(Video(video_id, **info))  # type: ignore[arg-type]
        return video_id, True
    if video.fingerprint != info["fingerprint"]:
        if is_content_fingerprint(video.fingerprint) and is_content_fingerprint(
            str(info["fingerprint"])
        ):
            raise ValueError(
                f"{video.path} is not the video this project was annotated on: its content "
                "changed (same size and length, other pixels), so its masks would not fit. "
                "Put the original file back, or add the new one to a new project."
            )
        project.put_video(video.with_(fingerprint=info["fingerprint"]))
    return video.id, False


def ensure_video(project: Project, frames: Frames, path: PathLike | None = None) -> int:
    """The id of the project's video for `frames`, adding it when the project has none;
    raises ValueError when the project holds a video at that path whose frames differ."""
    return put_described(project, describe_source(frames, path))[0]


def find_media(paths: Sequence[PathLike], *, photos: bool = False) -> list[MediaItem]:
    """What each path brings (see the module doc); `photos` makes every image of a folder a
    photo even when all share one size. Raises MediaError naming a path that is unusable."""
    items: list[MediaItem] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise MediaError(f"{path} does not exist")
        if path.is_dir():
            images = list_images(path)
            if not images:
                raise MediaError(
                    f"{path} holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))}); "
                    "give video files by their own path"
                )
            if photos or _mixed_sizes(path):
                items.extend(MediaItem(image, "photo") for image in images)
            else:
                items.append(MediaItem(path, "sequence"))
        elif path.suffix.lower() in IMAGE_EXTENSIONS:
            items.append(MediaItem(path, "photo"))
        else:
            items.append(MediaItem(path, "video"))
    return items


def _mixed_sizes(folder: Path) -> bool:
    """True when the folder's images do not share one size (so they are photos)."""
    try:
        open_frames(folder, background=False, use_proxy_cache=False, cache_bytes=0).close()
    except MixedImageSizesError:
        return True
    except FrameSourceError as exc:
        raise MediaError(f"cannot read {folder}: {exc}") from exc
    return False


def describe_media(items: Sequence[MediaItem]) -> list[dict[str, object]]:
    """Open each item once and describe it (see `describe_source`); raises MediaError."""
    described = []
    for item in items:
        try:
            with open_frames(
                item.path, background=False, use_proxy_cache=False, cache_bytes=0
            ) as frames:
                described.append(describe_source(frames, item.path))
        except FrameSourceError as exc:
            raise MediaError(f"cannot open {item.path}: {exc}") from exc
    return described


def add_media(
    project: Project, paths: Sequence[PathLike], *, photos: bool = False
) -> list[AddedMedia]:
    """Add videos, image folders and photos to a project, in one transaction after every one
    was opened; media it already has are reported with new=False. Raises MediaError."""
    items = find_media(paths, photos=photos)
    return _put_all(project, items, describe_media(items))


def create_project_with_media(
    project_path: PathLike, paths: Sequence[PathLike], *, photos: bool = False
) -> tuple[Project, list[AddedMedia]]:
    """Create a project file holding the given media (opened and checked first, so a bad
    medium creates no file); returns the open project and what was added."""
    items = find_media(paths, photos=photos)
    described = describe_media(items)
    project = create_project(project_path)
    try:
        return project, _put_all(project, items, described)
    except BaseException:
        project.close()
        raise


def _put_all(
    project: Project, items: Sequence[MediaItem], described: Sequence[dict[str, object]]
) -> list[AddedMedia]:
    """Put every described medium into the project in one transaction (all or none)."""
    added: list[AddedMedia] = []
    try:
        with project.transaction():
            for item, info in zip(items, described, strict=True):
                video_id, new = put_described(project, info)
                added.append(AddedMedia(video_id, str(info["path"]), item.kind, new))
    except (ValueError, DomainError) as exc:
        raise MediaError(f"cannot add to {_project_name(project)}: {exc}") from exc
    return added


def _project_name(project: Project) -> str:
    """The project file's name for messages ("the project" when it has no file)."""
    path = getattr(project.storage, "path", None)
    return Path(path).name if path is not None else "the project"
