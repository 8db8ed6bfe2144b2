"""Qt-free helpers that tie a frame source to a project: find or add its Video record."""

from __future__ import annotations

from pathlib import Path

from annotator.domain import Project, Video
from annotator.ui.frame_loader import FrameSource

DEFAULT_FPS = 30.0


def describe_source(frames: FrameSource, path: str | Path | None = None) -> dict[str, object]:
    """Path, fingerprint, fps and size of a frame source (io sources carry them; a plain
    list of arrays gets them from its first frame)."""
    first = None
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


def ensure_video(project: Project, frames: FrameSource, path: str | Path | None = None) -> int:
    """The id of the project's video for `frames` (same fingerprint, else same path and
    size), adding it when the project has none; raises ValueError when the project holds a
    video at that path whose frames differ (size or length)."""
    info = describe_source(frames, path)
    videos = project.videos
    for video in videos:
        if video.fingerprint == info["fingerprint"] and info["fingerprint"] != "unknown":
            return video.id
    for video in videos:
        if video.path == info["path"]:
            same = (video.width, video.height, video.num_frames) == (
                info["width"],
                info["height"],
                info["num_frames"],
            )
            if not same:
                raise ValueError(
                    f"the project's video {video.path} was {video.width}x{video.height}, "
                    f"{video.num_frames} frames; the file now differs"
                )
            if video.fingerprint != info["fingerprint"]:
                project.put_video(video.with_(fingerprint=info["fingerprint"]))
            return video.id
    video_id = project.allocate_id("video")
    project.put_video(Video(video_id, **info))  # type: ignore[arg-type]
    return video_id
