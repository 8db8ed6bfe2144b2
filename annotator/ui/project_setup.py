"""Moved to `annotator.io.media` (Qt-free, shared with `annotator new/add`); this re-export
keeps the old imports working until ui/ imports from there."""

from annotator.io.media import DEFAULT_FPS, describe_source, ensure_video

__all__ = ["DEFAULT_FPS", "describe_source", "ensure_video"]
