"""Frame source over a video file that OpenCV's FFmpeg backend reads (mp4, mov, avi, mkv, webm).

Opening decodes frame 0 only (fast); the background pass then counts the decodable frames,
records timestamps and keyframes (so seeks can be verified), and makes the scrubbing proxies.
Until it finishes, `num_frames` is the container's claim, cut down as soon as any reader finds
the real end: a frame that cannot be decoded is never returned (no phantom frames).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from annotator.io.frames.background import FrameFeed, ProgressCallback
from annotator.io.frames.base import FrameSource
from annotator.io.frames.cache import FrameCache
from annotator.io.frames.decoder import DecoderPool, EndOfFrames
from annotator.io.frames.errors import (
    FrameIndexError,
    FrameSourceError,
    NotAVideoError,
    TruncatedVideoError,
    UnsupportedCodecError,
)
from annotator.io.frames.fingerprint import file_fingerprint
from annotator.io.frames.keyframes import FrameIndex
from annotator.io.frames.proxy import DEFAULT_PROXY_MEMORY_BYTES
from annotator.io.frames.sniff import mp4_top_level_boxes, sniff_container

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg"})
_EXACT_COUNT_CONTAINERS = frozenset({"mp4", "avi"})  # frame tables, not a duration estimate
_MAX_PLAUSIBLE_FRAMES = 100_000_000


def _open_capture(path: Path) -> tuple[cv2.VideoCapture, str | None]:
    """An opened capture, or the exception that says in words why the file will not open."""
    container = sniff_container(path)
    if container is not None and container.startswith("image:"):
        raise NotAVideoError(
            f"{path.name} is a {container[6:]} image, not a video; give it its image "
            "extension to open it alone, or open the folder that holds the sequence"
        )
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if cap.isOpened():
        return cap, container
    if container is None:
        raise NotAVideoError(f"{path.name} is not a video file that can be read")
    if container == "mp4" and "moov" not in mp4_top_level_boxes(path):
        raise TruncatedVideoError(
            f"{path.name} is incomplete: its index (the MP4 'moov' box) is missing, so the "
            "recording or copy was cut short; no frame can be read"
        )
    raise UnsupportedCodecError(
        f"{path.name} is an {container} file, but its video stream uses a codec this "
        "installation cannot decode"
    )


def _claimed_count(cap: cv2.VideoCapture) -> int | None:
    """The container's frame count, or None when missing or absurd."""
    value = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    if not math.isfinite(value) or value <= 0 or value > _MAX_PLAUSIBLE_FRAMES:
        return None
    return int(round(value))


class VideoFileSource(FrameSource):
    """Exact random access to a video file (see the module docstring)."""

    kind = "video"

    def __init__(
        self,
        path: Path,
        *,
        cache: FrameCache,
        prefetch_depth: int = 8,
        max_decoders: int = 3,
        proxy_dir: Path | None = None,
        background: bool = True,
        on_progress: ProgressCallback | None = None,
        proxy_memory_bytes: int = DEFAULT_PROXY_MEMORY_BYTES,
    ) -> None:
        cap, container = _open_capture(path)
        self.container = container
        self.claimed_frames = _claimed_count(cap)
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.codec = _fourcc(cap.get(cv2.CAP_PROP_FOURCC))
        self._pool = DecoderPool(path, max_decoders, first=cap)
        try:
            first = self._pool.read(0, None)
        except EndOfFrames:
            self._pool.close()
            raise TruncatedVideoError(
                f"{path.name} opens but not a single frame can be decoded: the file is "
                "truncated or damaged, or its codec is not supported"
            ) from None
        self._end: int | None = None  # decodable count, once known
        if self.claimed_frames is None:
            self._end = self._count_by_decoding(path)
        height, width = first.shape[:2]
        super().__init__(
            path,
            width=width,
            height=height,
            fps=float(fps) if math.isfinite(fps) and fps > 0 else 0.0,
            fingerprint=file_fingerprint(path),
            cache=cache,
            prefetch_depth=prefetch_depth,
        )
        self.cache.put(0, cv2.cvtColor(first, cv2.COLOR_BGR2RGB))
        self._setup_proxies(
            proxy_dir=proxy_dir,
            expected_frames=self.num_frames,
            background=background,
            on_progress=on_progress,
            proxy_memory_bytes=proxy_memory_bytes,
        )

    @staticmethod
    def _count_by_decoding(path: Path) -> int:
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        n = 0
        while cap.grab():
            n += 1
        cap.release()
        return n

    @property
    def num_frames(self) -> int:
        if self._index.complete:
            return self._index.known
        if self._end is not None:
            return self._end
        assert self.claimed_frames is not None
        return self.claimed_frames

    @property
    def count_verified(self) -> bool:
        return self._index.complete or (self._end is not None and self.claimed_frames is None)

    @property
    def decoders(self) -> DecoderPool:
        """The decoder pool (for diagnostics and benchmarks)."""
        return self._pool

    def _decode(self, i: int) -> np.ndarray:
        try:
            bgr = self._pool.read(i, self._index)
        except EndOfFrames as end:
            self._found_end(end.count)
            raise FrameIndexError(
                f"frame {i} does not exist in {self.path.name}: only {end.count} frames can be "
                "decoded"
            ) from None
        if bgr.shape[:2] != (self.height, self.width):
            raise FrameSourceError(
                f"frame {i} of {self.path.name} is {bgr.shape[1]}x{bgr.shape[0]}, but the video "
                f"starts at {self.width}x{self.height}; videos that change size are not supported"
            )
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def _found_end(self, count: int) -> None:
        """A reader ran out of frames at `count`: never offer frames beyond it again."""
        if self._end is None or count < self._end:
            self._end = count
        self._judge_count(self._end)

    def _judge_count(self, count: int) -> None:
        claimed = self.claimed_frames
        if claimed is None or count == claimed:
            return
        tolerance = 0 if self.container in _EXACT_COUNT_CONTAINERS else 1
        if count < claimed - tolerance:
            self.damaged = True
            self.warning = (
                f"{self.path.name}: the file lists {claimed} frames but only {count} can be "
                f"decoded; it is probably truncated or damaged (frames 0 to {count - 1} are "
                "readable)"
            )
        else:
            self.warning = (
                f"{self.path.name}: the file lists {claimed} frames; {count} can be decoded"
            )

    def _index_complete(self, index: FrameIndex, meta: dict[str, Any] | None) -> None:
        self._end = index.known
        self._judge_count(index.known)

    def _cache_meta(self) -> dict[str, Any]:
        return {"claimed_frames": self.claimed_frames}

    def _feed(self) -> FrameFeed:
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        try:
            while cap.grab():
                pts = cap.get(cv2.CAP_PROP_PTS)
                is_key = cap.get(cv2.CAP_PROP_FRAME_TYPE) == ord("I")
                ok, bgr = cap.retrieve()
                if not ok or bgr is None:
                    break
                yield bgr, pts, is_key
        finally:
            cap.release()

    def _release(self) -> None:
        self._pool.close()


def _fourcc(value: float) -> str:
    """Four-character codec code from CAP_PROP_FOURCC ('' when unknown)."""
    code = int(value) if math.isfinite(value) and value > 0 else 0
    chars = "".join(chr((code >> (8 * k)) & 0xFF) for k in range(4))
    return chars if chars.isprintable() and code else ""
