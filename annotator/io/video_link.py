"""Keep a project's Video records true to the files: where the file is now, how many frames
it really has. Qt-free; used by `annotator export`/`propagate` and the window.

- Path: a project file stores each video's absolute path and (meta `video.<id>.relative_path`)
  its path relative to the project. `locate_video` tries both and accepts a file only when its
  content fingerprint is the one the project was annotated on; a file found in a new place
  updates the record. A file whose fingerprint differs is never read.
- Length: a container's header may claim the wrong number of frames (a truncated mp4, an AVI
  whose header says 10 of 40). `record_verified_count` writes the count the frame source
  verified by decoding; `open_video` waits for that verification.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from annotator.domain import Project, Video
from annotator.io.frames import FrameSource, FrameSourceError, open_frames
from annotator.io.frames.fingerprint import (
    file_fingerprint,
    folder_fingerprint,
    is_content_fingerprint,
)
from annotator.io.frames.image_folder import IMAGE_EXTENSIONS, list_images


class VideoLinkError(FrameSourceError):
    """The project's video cannot be found, or the file there is another video."""


def verified_count_key(video_id: int) -> str:
    """The meta key holding the frame count last verified by decoding the video."""
    return f"video.{video_id}.verified_frames"


def relative_path_key(video_id: int) -> str:
    """The meta key holding a video's path relative to the project file's folder."""
    return f"video.{video_id}.relative_path"


def fingerprint_of(path: Path) -> str:
    """The fingerprint a frame source of `path` would have (without opening decoders)."""
    if path.is_dir():
        return folder_fingerprint(list_images(path))
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return folder_fingerprint([path])
    return file_fingerprint(path)


def _project_dir(project: Project) -> Path | None:
    path = getattr(project.storage, "path", None)
    return Path(path).parent if path is not None else None


def _writable(project: Project) -> bool:
    return not getattr(project.storage, "read_only", False)


def _candidates(project: Project, video: Video) -> list[Path]:
    found = [Path(video.path)]
    relative = project.storage.get_meta(relative_path_key(video.id))
    folder = _project_dir(project)
    if relative and folder is not None:
        beside = Path(os.path.normpath(folder / relative))
        if beside not in found:
            found.append(beside)
    return found


def locate_video(project: Project, video: Video) -> Path:
    """The file of `video`: its stored path or its path relative to the project, whichever
    holds the same content (fingerprint). A find in a new place updates the record (when the
    project is writable). Raises VideoLinkError when neither does."""
    checked = is_content_fingerprint(video.fingerprint)
    changed: list[tuple[Path, str]] = []
    for path in _candidates(project, video):
        if not path.exists():
            continue
        if not checked:  # an unknown fingerprint (memory-made records): the path decides
            return path
        try:
            found = fingerprint_of(path)
        except OSError:
            continue
        if found == video.fingerprint:
            if str(path) != video.path and _writable(project):
                project.put_video(video.with_(path=str(path)))
            return path
        changed.append((path, found))
    if changed:
        path, found = changed[0]
        raise VideoLinkError(
            f"{path} is not the video this project was annotated on (its content differs: "
            f"fingerprint {found[:12]}, the project's is {video.fingerprint[:12]}), so it is "
            f"not read. Put the original file there, or beside the project as "
            f"{_candidates(project, video)[-1].name}."
        )
    where = " or ".join(str(p) for p in _candidates(project, video))
    raise VideoLinkError(
        f"the project's video {video.id} is missing: nothing at {where}. Move it back, or "
        "keep it beside the project file as it was when the project was made."
    )


def record_verified_count(project: Project, video_id: int, frames: FrameSource) -> Video:
    """Write the frame count `frames` verified by decoding into the video's record (when it
    differs and the project is writable); the record as it is now."""
    video = project.video(video_id)
    count = len(frames)
    if not frames.count_verified or count < 1:
        return video
    if not _writable(project):
        return video.with_(num_frames=count)
    with project.transaction():
        if count != video.num_frames:
            project.put_video(video.with_(num_frames=count))
        project.storage.set_meta(verified_count_key(video_id), str(count))
    return project.video(video_id)


def adopt_opened_file(project: Project, video_id: int, frames: FrameSource) -> Video:
    """For a window that opened `frames` itself and matched it to a video by fingerprint:
    record the file's current path and, when already verified (a reopened video), its count.
    Call `record_verified_count` again once `frames.wait_ready()` is true."""
    video = project.video(video_id)
    path = str(Path(frames.path).resolve())
    if frames.fingerprint == video.fingerprint and path != video.path and _writable(project):
        project.put_video(video.with_(path=path))
    return record_verified_count(project, video_id, frames)


def open_video(project: Project, video: Video, **options: Any) -> tuple[FrameSource, Video]:
    """Open the project's video (located as `locate_video` does), wait until its frame count
    is verified and record it; (frames, the record as it is now). `options` go to
    `open_frames`. Raises VideoLinkError or another FrameSourceError."""
    path = locate_video(project, video)
    frames = open_frames(path, **{**options, "background": True})
    try:
        frames.wait_ready()
        current = record_verified_count(project, video.id, frames)
        if (frames.width, frames.height) != (current.width, current.height):
            raise VideoLinkError(
                f"{path} is {frames.width}x{frames.height}, but the project's video "
                f"{video.id} is {current.width}x{current.height}"
            )
    except BaseException:
        frames.close()
        raise
    return frames, current


def link_video(project: Project, video: Video) -> Video:
    """The video's record once its file is located and its frame count verified (both
    written when they changed; a count verified before is not verified again)."""
    path = locate_video(project, video)
    current = project.video(video.id) if _writable(project) else video.with_(path=str(path))
    if project.storage.get_meta(verified_count_key(video.id)) == str(current.num_frames):
        return current
    frames, current = open_video(project, current, prefetch_depth=0)
    frames.close()
    return current


def refresh_videos(project: Project) -> None:
    """`link_video` for every video whose file can be found; the others are left as they are
    (whoever reads them gets the VideoLinkError)."""
    for video in project.videos:
        try:
            link_video(project, video)
        except FrameSourceError:
            continue
