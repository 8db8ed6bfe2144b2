"""Exceptions of the frame-source layer: each says, in words a user understands, what is wrong."""

from __future__ import annotations

from pathlib import Path


class FrameSourceError(Exception):
    """Base class: anything that stops a video or image folder from being read."""


class SourceMissingError(FrameSourceError, FileNotFoundError):
    """The path does not exist."""


class NotAVideoError(FrameSourceError):
    """The file is not a video OpenCV can open (e.g. a text file renamed .mp4, or an image)."""


class UnsupportedCodecError(FrameSourceError):
    """The container is recognised but its video stream cannot be decoded by this OpenCV build."""


class TruncatedVideoError(FrameSourceError):
    """The file is cut short or damaged so badly that no frame can be decoded."""


class EmptyFolderError(FrameSourceError):
    """An image folder without a single image file in it."""


class MixedImageSizesError(FrameSourceError):
    """An image folder whose images do not all have the same width and height."""


class UnreadableImageError(FrameSourceError):
    """An image in a folder cannot be decoded (corrupt, truncated, or not an image)."""


class UnreadableFrameError(UnreadableImageError):
    """One frame of an opened folder cannot be decoded (its file is truncated or damaged);
    `.frame` is its index, `.path` its file. The other frames stay readable."""

    def __init__(self, frame: int, path: Path) -> None:
        self.frame, self.path = frame, path
        super().__init__(
            f"frame {frame} ({path.name} in {path.parent}) cannot be decoded: the image file is "
            "truncated or damaged. Replace it with a good copy, or move it out of the folder and "
            "open the folder again."
        )


class ImageTooLargeError(FrameSourceError):
    """An image with more pixels than the annotator decodes (`MAX_IMAGE_PIXELS`)."""


class FrameIndexError(FrameSourceError, IndexError):
    """A frame index that is negative, not an integer, or beyond the last decodable frame."""


class SourceClosedError(FrameSourceError):
    """The frame source was used after close()."""
