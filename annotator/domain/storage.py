"""The persistence port of a Project: small metadata tables plus a large mask repository.

`Project` talks only to this protocol. `MemoryStorage` (domain) keeps everything in dicts for
tests and importers; `annotator.io.store.SqliteStorage` keeps it in a project file and loads
masks lazily, so a 10,000-frame project opens instantly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from annotator.domain.entities import Category, FrameMask, MaskKey, Track, Video


@runtime_checkable
class MaskRepository(Protocol):
    """Per-(video, frame, track) annotations. Reads return records sorted by (frame, track)."""

    def get_mask(self, video_id: int, frame: int, track_id: int) -> FrameMask | None:
        """One annotation or None."""
        ...

    def frame_masks(self, video_id: int, frame: int) -> list[FrameMask]:
        """Every track's annotation on one frame, sorted by track id."""
        ...

    def iter_masks(
        self,
        video_id: int,
        track_id: int | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> Iterator[FrameMask]:
        """Annotations of a video (optionally one track, frames first..last inclusive)."""
        ...

    def frames_with_masks(
        self,
        video_id: int,
        track_id: int | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> list[int]:
        """Sorted frame numbers holding at least one annotation (of the track, if given),
        optionally only within first..last (inclusive)."""
        ...

    def keyframes(self, video_id: int, track_id: int) -> list[int]:
        """Sorted frames where the track's mask is user-made (PROMPTED or EDITED)."""
        ...

    def count_masks(self, video_id: int | None = None) -> int:
        """Number of stored annotations (of one video, if given)."""
        ...

    def put_masks(self, records: Iterable[FrameMask]) -> None:
        """Insert or replace annotations (inside the caller's transaction)."""
        ...

    def delete_masks(self, keys: Iterable[MaskKey]) -> None:
        """Delete annotations; missing keys are ignored."""
        ...


@runtime_checkable
class ProjectStorage(MaskRepository, Protocol):
    """Everything a Project persists. Writes happen only inside `transaction()`."""

    def transaction(self, *, bulk: bool = False) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; nested calls join the outer one.

        `bulk=True` marks high-rate machine writes (propagated frames) that may trade the
        last fsync for speed; user edits use full durability.
        """
        ...

    def load_categories(self) -> list[Category]: ...

    def load_videos(self) -> list[Video]: ...

    def load_tracks(self) -> list[Track]: ...

    def put_category(self, category: Category) -> None: ...

    def delete_category(self, category_id: int) -> None: ...

    def put_video(self, video: Video) -> None: ...

    def delete_video(self, video_id: int) -> None: ...

    def put_track(self, track: Track) -> None: ...

    def delete_track(self, track_id: int) -> None: ...

    def get_meta(self, key: str) -> str | None:
        """A small string setting stored with the project (ids, view state)."""
        ...

    def set_meta(self, key: str, value: str | None) -> None:
        """Store (or with None, remove) a setting; inside the caller's transaction."""
        ...

    def close(self) -> None:
        """Release files and locks; further use raises."""
        ...
