"""The Project aggregate: categories, videos, tracks and their per-frame masks.

Exporters read it as pure functions (`categories`, `videos`, `tracks()`, `masks()`...).
Writes go through the mutators below (validated, persisted in one transaction, then announced
as events); user edits wrap them in undoable commands (`annotator.domain.commands`).
Metadata is held in memory; masks stay in the storage and are read on demand.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from annotator.domain.entities import (
    Category,
    Colour,
    FrameMask,
    MaskKey,
    Track,
    Video,
    ViewState,
)
from annotator.domain.errors import ConflictError, InvalidValueError, UnknownIdError
from annotator.domain.events import (
    CategoriesChanged,
    ChangeKind,
    EventBus,
    Listener,
    MasksChanged,
    ProjectEvent,
    TracksChanged,
    VideosChanged,
)
from annotator.domain.memory_storage import MemoryStorage
from annotator.domain.storage import ProjectStorage

_VIEW_STATE_KEY = "view_state"
_NEXT_ID_KEY = "next_id.{}"


class Project:
    """One annotation project over a `ProjectStorage` (in memory by default).

    Thread-safe: one re-entrant lock serialises reads and writes, so an engine thread may
    write propagated frames while the GUI thread reads. Events are emitted after commit,
    outside the lock, on the writing thread.
    """

    def __init__(self, storage: ProjectStorage | None = None) -> None:
        self._storage: ProjectStorage = storage if storage is not None else MemoryStorage()
        self._lock = threading.RLock()
        self.events = EventBus()
        self._categories = {c.id: c for c in self._storage.load_categories()}
        self._videos = {v.id: v for v in self._storage.load_videos()}
        self._tracks = {t.id: t for t in self._storage.load_tracks()}
        self._depth = 0
        self._pending: list[ProjectEvent] = []

    @property
    def storage(self) -> ProjectStorage:
        """The backend (MemoryStorage or the SQLite store)."""
        return self._storage

    def subscribe(self, callback: Listener) -> Any:
        """Shortcut for `project.events.subscribe`; returns the unsubscribe function."""
        return self.events.subscribe(callback)

    def close(self) -> None:
        """Close the storage (releases the project file's lock)."""
        with self._lock:
            self._storage.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[None]:
        """Group writes into one committed transaction; events fire after the outermost commit.

        On error the storage rolls back and the in-memory metadata is restored.
        """
        emitted: list[ProjectEvent] = []
        with self._lock:
            saved = (dict(self._categories), dict(self._videos), dict(self._tracks))
            mark = len(self._pending)
            self._depth += 1
            try:
                with self._storage.transaction(bulk=bulk):
                    yield
            except BaseException:
                self._categories, self._videos, self._tracks = saved
                del self._pending[mark:]
                raise
            finally:
                self._depth -= 1
            if self._depth == 0:
                emitted, self._pending = self._pending, []
        for event in emitted:
            self.events.emit(event)

    def _announce(self, event: ProjectEvent) -> None:
        self._pending.append(event)

    # --- reads: metadata ----------------------------------------------------------------
    @property
    def categories(self) -> list[Category]:
        """Categories in export order (`order`, then id)."""
        with self._lock:
            return sorted(self._categories.values(), key=lambda c: (c.order, c.id))

    def category(self, category_id: int) -> Category:
        with self._lock:
            try:
                return self._categories[category_id]
            except KeyError:
                raise UnknownIdError(f"no category with id {category_id}") from None

    def category_by_name(self, name: str) -> Category | None:
        with self._lock:
            return next((c for c in self._categories.values() if c.name == name), None)

    @property
    def videos(self) -> list[Video]:
        """Videos sorted by id (the order they were added)."""
        with self._lock:
            return [self._videos[k] for k in sorted(self._videos)]

    def video(self, video_id: int) -> Video:
        with self._lock:
            try:
                return self._videos[video_id]
            except KeyError:
                raise UnknownIdError(f"no video with id {video_id}") from None

    def tracks(self, video_id: int | None = None, category_id: int | None = None) -> list[Track]:
        """Tracks sorted by id, optionally of one video and/or one category."""
        with self._lock:
            return [
                t
                for k, t in sorted(self._tracks.items())
                if (video_id is None or t.video_id == video_id)
                and (category_id is None or t.category_id == category_id)
            ]

    def track(self, track_id: int) -> Track:
        with self._lock:
            try:
                return self._tracks[track_id]
            except KeyError:
                raise UnknownIdError(f"no track with id {track_id}") from None

    def has_track(self, track_id: int) -> bool:
        return track_id in self._tracks

    # --- reads: masks -------------------------------------------------------------------
    def mask(self, video_id: int, frame: int, track_id: int) -> FrameMask | None:
        """The annotation of one track on one frame, or None."""
        with self._lock:
            return self._storage.get_mask(video_id, frame, track_id)

    def frame_masks(self, video_id: int, frame: int) -> list[FrameMask]:
        """All annotations on one frame, sorted by track id."""
        with self._lock:
            return self._storage.frame_masks(video_id, frame)

    def masks(
        self,
        video_id: int,
        frame: int | None = None,
        track: int | None = None,
        *,
        first: int | None = None,
        last: int | None = None,
    ) -> Iterator[FrameMask]:
        """Annotations of a video sorted by (frame, track): optionally one frame, one track,
        or a frame range first..last. Streams in chunks so 10,000-frame videos stay cheap."""
        if frame is not None:
            first = last = frame
        if first is not None and first == last:
            with self._lock:
                records = list(self._storage.iter_masks(video_id, track, first, last))
            yield from records
            return
        frames = self.frames_with_masks(video_id, track, first, last)
        chunk = 256  # frames per storage read: bounded memory, short lock holds
        for i in range(0, len(frames), chunk):
            window = frames[i : i + chunk]
            with self._lock:
                records = list(self._storage.iter_masks(video_id, track, window[0], window[-1]))
            yield from records

    def frames_with_masks(
        self,
        video_id: int,
        track_id: int | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> list[int]:
        """Sorted frames holding at least one annotation (of `track_id`, if given), within
        first..last when given."""
        with self._lock:
            return self._storage.frames_with_masks(video_id, track_id, first, last)

    def keyframes(self, video_id: int, track_id: int) -> list[int]:
        """Frames where the track's mask was made by the user (prompted or edited)."""
        with self._lock:
            return self._storage.keyframes(video_id, track_id)

    def count_masks(self, video_id: int | None = None) -> int:
        with self._lock:
            return self._storage.count_masks(video_id)

    # --- view state ---------------------------------------------------------------------
    @property
    def view_state(self) -> ViewState:
        """Where the user was (video, frame, selected track); stale ids are dropped."""
        with self._lock:
            raw = self._storage.get_meta(_VIEW_STATE_KEY)
        try:
            data = json.loads(raw) if raw else {}
            state = ViewState(
                video_id=data.get("video_id"),
                frame=int(data.get("frame", 0)),
                track_id=data.get("track_id"),
            )
        except (ValueError, TypeError, AttributeError):
            return ViewState()
        video_id = state.video_id if state.video_id in self._videos else None
        track_id = state.track_id if state.track_id in self._tracks else None
        return ViewState(video_id=video_id, frame=max(0, state.frame), track_id=track_id)

    def set_view_state(self, state: ViewState) -> None:
        """Persist where the user is (cheap to call often; unchanged states write nothing).
        Not an undoable edit and announces no event."""
        value = json.dumps(
            {"video_id": state.video_id, "frame": state.frame, "track_id": state.track_id}
        )
        with self._lock:
            if self._storage.get_meta(_VIEW_STATE_KEY) == value:
                return
            # bulk: the GUI may call this on every scrubbed frame; no fsync needed for it
            with self.transaction(bulk=True):
                self._storage.set_meta(_VIEW_STATE_KEY, value)

    # --- id allocation ------------------------------------------------------------------
    def allocate_id(self, kind: str) -> int:
        """A fresh id for 'category', 'video' or 'track', never handed out before in this
        project (even if the object was deleted), persisted immediately."""
        existing: dict[str, dict[int, Any]] = {
            "category": self._categories,
            "video": self._videos,
            "track": self._tracks,
        }
        if kind not in existing:
            raise InvalidValueError(f"unknown id kind {kind!r}")
        key = _NEXT_ID_KEY.format(kind)
        with self.transaction():
            stored = self._storage.get_meta(key)
            nxt = max(int(stored) if stored else 1, max(existing[kind], default=0) + 1)
            self._storage.set_meta(key, str(nxt + 1))
        return nxt

    # --- mutators (not undoable; user edits go through commands) ------------------------
    def put_category(self, category: Category) -> None:
        """Insert or replace a category."""
        with self.transaction():
            kind = ChangeKind.UPDATED if category.id in self._categories else ChangeKind.ADDED
            self._storage.put_category(category)
            self._categories[category.id] = category
            self._announce(CategoriesChanged(kind, frozenset({category.id})))

    def add_category(
        self, name: str, colour: Colour = (255, 0, 0), export_id: int | None = None
    ) -> Category:
        """Create a category at the end of the export order (export id: next free)."""
        with self.transaction():
            cats = list(self._categories.values())
            if export_id is None:
                export_id = max((c.export_id for c in cats), default=0) + 1
            order = max((c.order for c in cats), default=-1) + 1
            category = Category(self.allocate_id("category"), name, colour, export_id, order)
            self.put_category(category)
        return category

    def remove_category(self, category_id: int) -> None:
        """Delete a category that no track uses."""
        with self.transaction():
            self.category(category_id)
            users = [t.id for t in self._tracks.values() if t.category_id == category_id]
            if users:
                raise ConflictError(f"category {category_id} is still used by tracks {users}")
            self._storage.delete_category(category_id)
            del self._categories[category_id]
            self._announce(CategoriesChanged(ChangeKind.REMOVED, frozenset({category_id})))

    def put_video(self, video: Video) -> None:
        """Insert or replace a video; its size and length may not change under existing tracks."""
        with self.transaction():
            old = self._videos.get(video.id)
            resized = old is not None and (old.width, old.height) != (video.width, video.height)
            if resized and any(t.video_id == video.id for t in self._tracks.values()):
                raise ConflictError(
                    f"video {video.id} has tracks; its frame size cannot change to "
                    f"{video.width}x{video.height}"
                )
            self._storage.put_video(video)
            self._videos[video.id] = video
            kind = ChangeKind.ADDED if old is None else ChangeKind.UPDATED
            self._announce(VideosChanged(kind, frozenset({video.id})))

    def remove_video(self, video_id: int) -> None:
        """Delete a video that has no tracks."""
        with self.transaction():
            self.video(video_id)
            users = [t.id for t in self._tracks.values() if t.video_id == video_id]
            if users:
                raise ConflictError(f"video {video_id} still has tracks {users}")
            self._storage.delete_video(video_id)
            del self._videos[video_id]
            self._announce(VideosChanged(ChangeKind.REMOVED, frozenset({video_id})))

    def put_track(self, track: Track) -> None:
        """Insert or replace a track; its video and category must exist."""
        with self.transaction():
            self.video(track.video_id)
            if track.category_id is not None:
                self.category(track.category_id)
            old = self._tracks.get(track.id)
            if old is not None and old.video_id != track.video_id:
                raise ConflictError(f"track {track.id} cannot move to another video")
            self._storage.put_track(track)
            self._tracks[track.id] = track
            kind = ChangeKind.ADDED if old is None else ChangeKind.UPDATED
            self._announce(TracksChanged(kind, frozenset({track.id}), frozenset({track.video_id})))

    def remove_track(self, track_id: int) -> None:
        """Delete a track and all of its masks."""
        with self.transaction():
            track = self.track(track_id)
            keys = [r.key for r in self._storage.iter_masks(track.video_id, track_id)]
            self.remove_masks(keys)
            self._storage.delete_track(track_id)
            del self._tracks[track_id]
            ids, videos = frozenset({track_id}), frozenset({track.video_id})
            self._announce(TracksChanged(ChangeKind.REMOVED, ids, videos))

    def put_masks(self, records: Iterable[FrameMask], *, bulk: bool = False) -> None:
        """Insert or replace annotations in one transaction (bulk: propagated frames)."""
        records = list(records)
        if not records:
            return
        with self.transaction(bulk=bulk):
            for rec in records:
                self._check_record(rec)
            self._storage.put_masks(records)
            self._announce_masks(r.key for r in records)

    def remove_masks(self, keys: Iterable[MaskKey]) -> None:
        """Delete annotations (missing ones are ignored) in one transaction."""
        keys = list(keys)
        if not keys:
            return
        with self.transaction():
            self._storage.delete_masks(keys)
            self._announce_masks(keys)

    def _check_record(self, rec: FrameMask) -> None:
        track = self.track(rec.track_id)
        if track.video_id != rec.video_id:
            raise ConflictError(
                f"track {rec.track_id} belongs to video {track.video_id}, not {rec.video_id}"
            )
        video = self._videos[rec.video_id]
        if rec.frame >= video.num_frames:
            raise InvalidValueError(
                f"frame {rec.frame} is past the end of video {video.id} ({video.num_frames} frames)"
            )
        if rec.mask.size != (video.height, video.width):
            raise InvalidValueError(
                f"mask is {rec.mask.size[1]}x{rec.mask.size[0]} but video {video.id} is "
                f"{video.width}x{video.height}"
            )

    def _announce_masks(self, keys: Iterable[MaskKey]) -> None:
        spans: dict[int, tuple[int, int, set[int]]] = {}
        for video_id, frame, track_id in keys:
            lo, hi, tracks = spans.get(video_id, (frame, frame, set()))
            tracks.add(track_id)
            spans[video_id] = (min(lo, frame), max(hi, frame), tracks)
        for video_id, (lo, hi, tracks) in spans.items():
            self._announce(MasksChanged(video_id, frozenset(tracks), lo, hi))
