"""An in-memory ProjectStorage: the backend of tests and of importers building a project."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from annotator.domain.entities import Category, FrameMask, MaskKey, Track, Video
from annotator.domain.errors import DomainError

_MISSING = object()


class MemoryStorage:
    """Dict-backed storage with real transactions (a journal rolled back on error)."""

    def __init__(self) -> None:
        self._categories: dict[int, Category] = {}
        self._videos: dict[int, Video] = {}
        self._tracks: dict[int, Track] = {}
        self._meta: dict[str, str] = {}
        # video -> frame -> track -> record; plus sorted frame lists per video for range reads
        self._masks: dict[int, dict[int, dict[int, FrameMask]]] = {}
        self._frames: dict[int, list[int]] = {}
        self._depth = 0
        self._journal: list[tuple[str, Any, Any]] = []
        self._closed = False

    # --- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[None]:
        self._check_open()
        outer = self._depth == 0
        mark = len(self._journal)
        self._depth += 1
        try:
            yield
        except BaseException:
            self._rollback_to(mark)
            raise
        finally:
            self._depth -= 1
            if outer:
                self._journal.clear()

    def _rollback_to(self, mark: int) -> None:
        while len(self._journal) > mark:
            table, key, old = self._journal.pop()
            if table == "mask":
                if old is _MISSING:
                    self._raw_delete_mask(key)
                else:
                    self._raw_put_mask(old)
            else:
                target: dict[Any, Any] = getattr(self, table)
                if old is _MISSING:
                    target.pop(key, None)
                else:
                    target[key] = old

    def _write(self, table: str, key: Any, value: Any) -> None:
        self._require_tx()
        target: dict[Any, Any] = getattr(self, table)
        self._journal.append((table, key, target.get(key, _MISSING)))
        if value is _MISSING:
            target.pop(key, None)
        else:
            target[key] = value

    def _require_tx(self) -> None:
        self._check_open()
        if self._depth == 0:
            raise DomainError("storage writes must happen inside transaction()")

    def _check_open(self) -> None:
        if self._closed:
            raise DomainError("storage is closed")

    # --- metadata -----------------------------------------------------------------------
    def load_categories(self) -> list[Category]:
        return list(self._categories.values())

    def load_videos(self) -> list[Video]:
        return list(self._videos.values())

    def load_tracks(self) -> list[Track]:
        return list(self._tracks.values())

    def put_category(self, category: Category) -> None:
        self._write("_categories", category.id, category)

    def delete_category(self, category_id: int) -> None:
        self._write("_categories", category_id, _MISSING)

    def put_video(self, video: Video) -> None:
        self._write("_videos", video.id, video)

    def delete_video(self, video_id: int) -> None:
        self._write("_videos", video_id, _MISSING)

    def put_track(self, track: Track) -> None:
        self._write("_tracks", track.id, track)

    def delete_track(self, track_id: int) -> None:
        self._write("_tracks", track_id, _MISSING)

    def get_meta(self, key: str) -> str | None:
        return self._meta.get(key)

    def set_meta(self, key: str, value: str | None) -> None:
        self._write("_meta", key, _MISSING if value is None else value)

    def close(self) -> None:
        self._closed = True

    # --- masks --------------------------------------------------------------------------
    def _raw_put_mask(self, rec: FrameMask) -> None:
        frames = self._masks.setdefault(rec.video_id, {})
        per_frame = frames.get(rec.frame)
        if per_frame is None:
            per_frame = frames[rec.frame] = {}
            bisect.insort(self._frames.setdefault(rec.video_id, []), rec.frame)
        per_frame[rec.track_id] = rec

    def _raw_delete_mask(self, key: MaskKey) -> None:
        video_id, frame, track_id = key
        per_frame = self._masks.get(video_id, {}).get(frame)
        if per_frame is None or track_id not in per_frame:
            return
        del per_frame[track_id]
        if not per_frame:
            del self._masks[video_id][frame]
            order = self._frames[video_id]
            order.pop(bisect.bisect_left(order, frame))

    def get_mask(self, video_id: int, frame: int, track_id: int) -> FrameMask | None:
        return self._masks.get(video_id, {}).get(frame, {}).get(track_id)

    def frame_masks(self, video_id: int, frame: int) -> list[FrameMask]:
        per_frame = self._masks.get(video_id, {}).get(frame, {})
        return [per_frame[t] for t in sorted(per_frame)]

    def iter_masks(
        self,
        video_id: int,
        track_id: int | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> Iterator[FrameMask]:
        order = self._frames.get(video_id, [])
        lo = 0 if first is None else bisect.bisect_left(order, first)
        hi = len(order) if last is None else bisect.bisect_right(order, last)
        frames = self._masks.get(video_id, {})
        for frame in list(order[lo:hi]):
            per_frame = frames.get(frame, {})
            if track_id is None:
                yield from (per_frame[t] for t in sorted(per_frame))
            elif track_id in per_frame:
                yield per_frame[track_id]

    def frames_with_masks(
        self,
        video_id: int,
        track_id: int | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> list[int]:
        if track_id is None:
            lo = -1 if first is None else first
            hi = float("inf") if last is None else last
            return [f for f in self._frames.get(video_id, []) if lo <= f <= hi]
        return [r.frame for r in self.iter_masks(video_id, track_id, first, last)]

    def keyframes(self, video_id: int, track_id: int) -> list[int]:
        return [r.frame for r in self.iter_masks(video_id, track_id) if r.provenance.is_key]

    def count_masks(self, video_id: int | None = None) -> int:
        videos = [video_id] if video_id is not None else list(self._masks)
        return sum(len(pf) for v in videos for pf in self._masks.get(v, {}).values())

    def put_masks(self, records: Iterable[FrameMask]) -> None:
        self._require_tx()
        for rec in records:
            old = self.get_mask(*rec.key)
            self._journal.append(("mask", rec.key, _MISSING if old is None else old))
            self._raw_put_mask(rec)

    def delete_masks(self, keys: Iterable[MaskKey]) -> None:
        self._require_tx()
        for key in keys:
            old = self.get_mask(*key)
            if old is None:
                continue
            self._journal.append(("mask", key, old))
            self._raw_delete_mask(key)
