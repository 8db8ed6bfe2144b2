"""A reversible change set: before/after values of the records an edit touches.

Every undoable command is a planner that produces one `Delta`; applying it forward writes
the "after" side, backward writes the "before" side. The write order (parents created before
children, children deleted before parents) makes any delta valid in both directions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from annotator.domain.entities import Category, FrameMask, MaskKey, Track, Video
from annotator.domain.project import Project

T = TypeVar("T")

_ENTITY_BYTES = 256  # rough memory of one metadata record in the history


@dataclass
class Change(Generic[T]):
    """One record's value before and after (None: absent)."""

    before: T | None
    after: T | None


@dataclass
class Delta:
    """Before/after of every record an edit touched; keyed by id (masks by MaskKey)."""

    categories: dict[int, Change[Category]] = field(default_factory=dict)
    videos: dict[int, Change[Video]] = field(default_factory=dict)
    tracks: dict[int, Change[Track]] = field(default_factory=dict)
    masks: dict[MaskKey, Change[FrameMask]] = field(default_factory=dict)
    nbytes: int = 0

    # --- recording ----------------------------------------------------------------------
    def category(self, before: Category | None, after: Category | None) -> None:
        """Record a category change (merges with an earlier one of the same id)."""
        key = (before or after).id  # type: ignore[union-attr]
        _merge(self.categories, key, before, after)
        self.nbytes += _ENTITY_BYTES

    def video(self, before: Video | None, after: Video | None) -> None:
        key = (before or after).id  # type: ignore[union-attr]
        _merge(self.videos, key, before, after)
        self.nbytes += _ENTITY_BYTES

    def track(self, before: Track | None, after: Track | None) -> None:
        key = (before or after).id  # type: ignore[union-attr]
        _merge(self.tracks, key, before, after)
        self.nbytes += _ENTITY_BYTES

    def mask(self, key: MaskKey, before: FrameMask | None, after: FrameMask | None) -> None:
        """Record a mask change; the first `before` of a key is kept, the last `after` wins."""
        old = self.masks.get(key)
        if old is not None and old.after is not None:
            self.nbytes -= old.after.nbytes
        _merge(self.masks, key, before, after)
        self.nbytes += (
            (after.nbytes if after is not None else 0)
            + (before.nbytes if before is not None and old is None else 0)
            + 48
        )

    @property
    def is_empty(self) -> bool:
        """True when applying it would change nothing."""
        groups: Iterable[dict[Any, Change[Any]]] = (
            self.categories,
            self.videos,
            self.tracks,
            self.masks,
        )
        return all(c.before == c.after for g in groups for c in g.values())

    # --- applying -----------------------------------------------------------------------
    def apply(self, project: Project, *, forward: bool = True, bulk: bool = False) -> None:
        """Write the after side (forward) or the before side, in one transaction."""

        def target(change: Change[T]) -> T | None:
            return change.after if forward else change.before

        with project.transaction(bulk=bulk):
            for c in self.categories.values():
                value = target(c)
                if value is not None:
                    project.put_category(value)
            for v in self.videos.values():
                value_v = target(v)
                if value_v is not None:
                    project.put_video(value_v)
            for t in self.tracks.values():
                value_t = target(t)
                if value_t is not None:
                    project.put_track(value_t)
            puts = [m for c_m in self.masks.values() if (m := target(c_m)) is not None]
            drops = [k for k, c_m in self.masks.items() if target(c_m) is None]
            project.remove_masks(drops)
            project.put_masks(puts, bulk=bulk)
            for tid, t in self.tracks.items():
                if target(t) is None and project.has_track(tid):
                    project.remove_track(tid)
            for vid, v in self.videos.items():
                if target(v) is None:
                    project.remove_video(vid)
            for cid, c in self.categories.items():
                if target(c) is None:
                    project.remove_category(cid)


def _merge(table: dict[Any, Change[Any]], key: object, before: object, after: object) -> None:
    old = table.get(key)
    if old is None:
        table[key] = Change(before, after)
    else:
        old.after = after
