"""Frame sources: exact random access to video files and image folders, with scrubbing proxies,
an LRU frame cache and prefetch. Qt-free and torch-free.

    with open_frames("clip.mp4") as src:
        src.wait_ready()            # optional: frame count verified, all proxies made
        frame = src[42]             # read-only RGB uint8 (H, W, 3), exact
        preview = src.proxy(42)     # small RGB preview at once, or None while the pass runs
        src.peek(42)                # the exact frame if cached, else None (never decodes)
        src.request(42)             # Future of the exact frame, decoded on the prefetch thread

A GUI shows `proxy(i)` (or `peek(i)`) at once and `request(i)` the exact frame; the engine just
indexes. Call close() (or use `with`): it stops the threads and releases the decoders.
"""

from __future__ import annotations

import os
from pathlib import Path

from annotator.io.frames.background import BackgroundPass, PassState, ProgressCallback
from annotator.io.frames.base import FrameSource
from annotator.io.frames.cache import DEFAULT_CACHE_BYTES, FrameCache
from annotator.io.frames.errors import (
    EmptyFolderError,
    FrameIndexError,
    FrameSourceError,
    ImageTooLargeError,
    MixedImageSizesError,
    NotAVideoError,
    SourceClosedError,
    SourceMissingError,
    TruncatedVideoError,
    UnreadableFrameError,
    UnreadableImageError,
    UnsupportedCodecError,
)
from annotator.io.frames.image_folder import IMAGE_EXTENSIONS, ImageFolderSource, natural_key
from annotator.io.frames.proxy import (
    DEFAULT_PROXY_MEMORY_BYTES,
    default_cache_dir,
    prune_cache_dir,
)
from annotator.io.frames.video_file import VIDEO_EXTENSIONS, VideoFileSource

__all__ = [
    "BackgroundPass",
    "DEFAULT_CACHE_BYTES",
    "EmptyFolderError",
    "FrameCache",
    "FrameIndexError",
    "FrameSource",
    "FrameSourceError",
    "IMAGE_EXTENSIONS",
    "ImageTooLargeError",
    "ImageFolderSource",
    "MixedImageSizesError",
    "NotAVideoError",
    "PassState",
    "SourceClosedError",
    "SourceMissingError",
    "TruncatedVideoError",
    "UnreadableFrameError",
    "UnreadableImageError",
    "UnsupportedCodecError",
    "VIDEO_EXTENSIONS",
    "VideoFileSource",
    "default_cache_dir",
    "natural_key",
    "open_frames",
    "prune_cache_dir",
]


def open_frames(
    path: str | os.PathLike[str],
    *,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
    prefetch_depth: int = 8,
    max_decoders: int = 3,
    proxy_dir: str | os.PathLike[str] | None = None,
    use_proxy_cache: bool = True,
    background: bool = True,
    wait: bool = False,
    on_progress: ProgressCallback | None = None,
    folder_fps: float = 30.0,
    proxy_memory_bytes: int = DEFAULT_PROXY_MEMORY_BYTES,
) -> FrameSource:
    """Open a video file, an image folder, or one image file (a one-frame source).

    cache_bytes: budget of the decoded-frame LRU cache (0 disables it, and prefetch with it).
    prefetch_depth: frames decoded ahead of the reader (0: no prefetch thread).
    max_decoders: concurrent decoders of a video (memory: ~20 MB each at 720p).
    proxy_dir: where finished passes are kept for reuse (default: $ANNOTATOR_CACHE/proxies or
        ~/.cache/annotator/proxies); use_proxy_cache=False keeps everything in memory only.
    background: start the pass now (else call src.start_pass() or src.wait_ready()).
    wait: return only after the pass finished (frame count verified, proxies made).
    on_progress: on_progress(done, expected) from the pass thread.
    proxy_memory_bytes: proxies beyond this many bytes are spilled to a file (the cache entry,
        or a private temp file deleted on close).
    Raises a FrameSourceError subclass that says what is wrong.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise SourceMissingError(f"{p} does not exist")
    cache = FrameCache(cache_bytes)
    pdir = None
    if use_proxy_cache:
        pdir = Path(proxy_dir).expanduser() if proxy_dir is not None else default_cache_dir()
    source: FrameSource
    single_image = p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
    if p.is_dir() or single_image:
        source = ImageFolderSource(
            p,
            files=[p] if single_image else None,
            cache=cache,
            prefetch_depth=prefetch_depth,
            fps=folder_fps,
            proxy_dir=pdir,
            background=background or wait,
            on_progress=on_progress,
            proxy_memory_bytes=proxy_memory_bytes,
        )
    else:
        source = VideoFileSource(
            p,
            cache=cache,
            prefetch_depth=prefetch_depth,
            max_decoders=max_decoders,
            proxy_dir=pdir,
            background=background or wait,
            on_progress=on_progress,
            proxy_memory_bytes=proxy_memory_bytes,
        )
    if wait:
        source.wait_ready()
    return source
