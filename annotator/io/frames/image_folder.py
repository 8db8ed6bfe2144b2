"""Frame source over a folder of images (jpg, jpeg, png, bmp, tif, tiff), in natural order.

Natural order sorts digit runs by value, so frame_2 comes before frame_10. Images are read
as stored: EXIF orientation is ignored, as training pipelines (PIL, COCO tools) do, so masks
line up with the pixels a trainer will load.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from annotator.io.frames.background import FrameFeed, ProgressCallback
from annotator.io.frames.base import FrameSource
from annotator.io.frames.cache import FrameCache
from annotator.io.frames.errors import (
    EmptyFolderError,
    ImageTooLargeError,
    MixedImageSizesError,
    UnreadableFrameError,
    UnreadableImageError,
)
from annotator.io.frames.fingerprint import folder_fingerprint
from annotator.io.frames.imagesize import image_size
from annotator.io.frames.proxy import DEFAULT_PROXY_MEMORY_BYTES

# a 100-megapixel frame is 300 MB decoded, and the window, cache and engine hold several
MAX_IMAGE_PIXELS = 100_000_000
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"})
DEFAULT_FOLDER_FPS = 30.0
_READ_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that orders digit runs by value: frame_2 < frame_10 (case-insensitive)."""
    parts = _DIGITS.split(name.casefold())
    key = tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")
    return (*key, (2, name))  # equal values ("2" and "002"): the exact name decides


def list_images(folder: Path) -> list[Path]:
    """Image files directly in `folder`, naturally sorted (hidden files skipped)."""
    files = [
        p
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".") and p.is_file()
    ]
    return sorted(files, key=lambda p: natural_key(p.name))


def check_pixels(path: Path, width: int, height: int) -> None:
    """Raise ImageTooLargeError, saying how to scale it, for an image over MAX_IMAGE_PIXELS."""
    pixels = width * height
    if pixels <= MAX_IMAGE_PIXELS:
        return
    percent = int(100 * math.sqrt(MAX_IMAGE_PIXELS / pixels))
    raise ImageTooLargeError(
        f"{path.name} is {width}x{height} pixels ({pixels / 1e6:.0f} megapixels); the annotator "
        f"opens images of up to {MAX_IMAGE_PIXELS // 1_000_000} megapixels (one such frame "
        f"takes {pixels * 3 / 1e9:.1f} GB decoded). Scale it down first, e.g. `convert "
        f"{path.name} -resize {percent}% {path.stem}_small{path.suffix}` (ImageMagick)."
    )


def _read_bgr(path: Path) -> np.ndarray:
    data = np.fromfile(path, dtype=np.uint8)  # also handles non-ASCII paths
    bgr = cv2.imdecode(data, _READ_FLAGS) if data.size else None
    if bgr is None:
        raise UnreadableImageError(f"{path.name} in {path.parent} cannot be read as an image")
    return bgr


class ImageFolderSource(FrameSource):
    """Frames are the folder's images in natural order; all must share one size."""

    kind = "images"

    def __init__(
        self,
        folder: Path,
        *,
        cache: FrameCache,
        prefetch_depth: int = 8,
        fps: float = DEFAULT_FOLDER_FPS,
        proxy_dir: Path | None = None,
        background: bool = True,
        on_progress: ProgressCallback | None = None,
        proxy_memory_bytes: int = DEFAULT_PROXY_MEMORY_BYTES,
        files: list[Path] | None = None,
    ) -> None:
        """`folder` is the folder (or, with `files` given, the path shown to the user)."""
        files = list_images(folder) if files is None else files
        if not files:
            raise EmptyFolderError(
                f"{folder} holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))})"
            )
        self.files = files
        width, height = self._common_size(files)
        super().__init__(
            folder,
            width=width,
            height=height,
            fps=fps,
            fingerprint=folder_fingerprint(files),
            cache=cache,
            prefetch_depth=prefetch_depth,
        )
        self._setup_proxies(
            proxy_dir=proxy_dir,
            expected_frames=len(files),
            background=background,
            on_progress=on_progress,
            proxy_memory_bytes=proxy_memory_bytes,
        )

    @staticmethod
    def _common_size(files: list[Path]) -> tuple[int, int]:
        """The one (width, height) all images share, from headers (decoding only if needed)."""
        first: tuple[int, int] | None = None
        for path in files:
            size = image_size(path)
            if size is None:
                h, w = _read_bgr(path).shape[:2]
                size = (w, h)
            if size[0] <= 0 or size[1] <= 0:
                raise UnreadableImageError(f"{path.name} has an invalid size {size}")
            check_pixels(path, *size)
            if first is None:
                first = size
            elif size != first:
                raise MixedImageSizesError(
                    f"images in {path.parent} differ in size: {files[0].name} is "
                    f"{first[0]}x{first[1]} but {path.name} is {size[0]}x{size[1]}; "
                    "all frames of a sequence must have one size"
                )
        assert first is not None
        return first

    @property
    def num_frames(self) -> int:
        return len(self.files)

    @property
    def count_verified(self) -> bool:
        return True

    def _decode(self, i: int) -> np.ndarray:
        path = self.files[i]
        bgr = self._read_frame(i)
        if bgr.shape[:2] != (self.height, self.width):
            raise MixedImageSizesError(
                f"{path.name} decodes to {bgr.shape[1]}x{bgr.shape[0]}, "
                f"not {self.width}x{self.height} like the rest of the folder"
            )
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def _read_frame(self, i: int) -> np.ndarray:
        """Image i as BGR; UnreadableFrameError (remembered) when its file cannot be decoded."""
        try:
            return _read_bgr(self.files[i])
        except UnreadableImageError:
            error = UnreadableFrameError(i, self.files[i])
            self._note_problem(i, str(error))
            raise error from None

    def _feed(self) -> FrameFeed:
        placeholder = None
        for i in range(len(self.files)):
            try:
                bgr = self._read_frame(i)
            except UnreadableFrameError:  # a grey preview; the frame itself stays an error
                if placeholder is None:
                    placeholder = np.full((self.height, self.width, 3), 128, np.uint8)
                bgr = placeholder
            yield bgr, float(i), True
