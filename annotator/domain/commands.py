"""Undoable edits. Each command plans a `Delta` (before/after records) on first apply and
replays it forward (redo) or backward (undo); nothing ever snapshots the whole project.

Run them through `History.execute` for undo, or `command.apply(project)` for a one-off.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from annotator.domain.delta import Delta
from annotator.domain.entities import (
    Category,
    Colour,
    FrameMask,
    Prompt,
    Provenance,
    Track,
    Video,
    parse_colour,
)
from annotator.domain.errors import ConflictError, InvalidValueError
from annotator.domain.mask import Mask
from annotator.domain.project import Project

_PALETTE: tuple[Colour, ...] = (
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
    (170, 110, 40),
)


def palette_colour(index: int) -> Colour:
    """A distinct default colour for the index-th track or category."""
    return _PALETTE[(index - 1) % len(_PALETTE)]


class Command(abc.ABC):
    """An undoable edit: `apply` (do/redo) and `revert` (undo) over a planned Delta."""

    label: str = "Edit"

    def __init__(self) -> None:
        self._delta: Delta | None = None

    @abc.abstractmethod
    def plan(self, project: Project, delta: Delta) -> None:
        """Record into `delta` what this edit changes, reading the current project state."""

    def apply(self, project: Project) -> None:
        """Do (first call: plan, then write) or redo the edit in one transaction."""
        with project.transaction():
            if self._delta is None:
                delta = Delta()
                self.plan(project, delta)
                self._delta = delta
            self._delta.apply(project, forward=True)

    def revert(self, project: Project) -> None:
        """Undo the edit in one transaction."""
        if self._delta is None:
            raise InvalidValueError(f"{self.label!r} was never applied")
        self._delta.apply(project, forward=False)

    @property
    def delta(self) -> Delta | None:
        return self._delta

    @property
    def nbytes(self) -> int:
        """Memory held for undo (mask RLEs dominate)."""
        return 128 + (self._delta.nbytes if self._delta else 0)

    @property
    def is_noop(self) -> bool:
        return self._delta is not None and self._delta.is_empty


def _assigned(value: int | None, label: str) -> int:
    if value is None:
        raise InvalidValueError(f"{label!r} has not been applied yet; it has no id")
    return value


# --- tracks ---------------------------------------------------------------------------------
class AddTrack(Command):
    """Add an object to a video; `track_id` is set after the first apply."""

    label = "Add object"

    def __init__(
        self,
        video_id: int,
        name: str | None = None,
        category_id: int | None = None,
        colour: Colour | str | None = None,
    ) -> None:
        super().__init__()
        self.video_id, self.name, self.category_id = video_id, name, category_id
        self.colour = parse_colour(colour) if colour is not None else None
        self._track_id: int | None = None

    def plan(self, project: Project, delta: Delta) -> None:
        project.video(self.video_id)
        if self.category_id is not None:
            project.category(self.category_id)
        tid = project.allocate_id("track")
        self._track_id = tid
        colour = self.colour or palette_colour(tid)
        delta.track(
            None, Track(tid, self.video_id, self.category_id, self.name or f"object {tid}", colour)
        )

    @property
    def track_id(self) -> int:
        """The new track's id (known once the command was applied)."""
        return _assigned(self._track_id, self.label)


class RemoveTrack(Command):
    """Delete an object and all of its masks (undo brings both back)."""

    label = "Delete object"

    def __init__(self, track_id: int) -> None:
        super().__init__()
        self.track_id = track_id

    def plan(self, project: Project, delta: Delta) -> None:
        track = project.track(self.track_id)
        for rec in project.masks(track.video_id, track=track.id):
            delta.mask(rec.key, rec, None)
        delta.track(track, None)


class UpdateTracks(Command):
    """Change fields (name, colour, category_id, hidden, locked) of one or more tracks."""

    label = "Edit object"
    _FIELDS = frozenset({"name", "colour", "category_id", "hidden", "locked"})

    def __init__(self, track_ids: int | Sequence[int], **changes: object) -> None:
        super().__init__()
        bad = set(changes) - self._FIELDS
        if bad:
            raise InvalidValueError(f"tracks have no editable field(s) {sorted(bad)}")
        self.track_ids = [track_ids] if isinstance(track_ids, int) else list(track_ids)
        self.changes = changes

    def plan(self, project: Project, delta: Delta) -> None:
        cat = self.changes.get("category_id")
        if isinstance(cat, int):
            project.category(cat)
        for tid in self.track_ids:
            track = project.track(tid)
            delta.track(track, track.with_(**self.changes))


class RenameTrack(UpdateTracks):
    label = "Rename object"

    def __init__(self, track_id: int, name: str) -> None:
        super().__init__(track_id, name=name)


class RecolourTrack(UpdateTracks):
    label = "Recolour object"

    def __init__(self, track_id: int, colour: Colour | str) -> None:
        super().__init__(track_id, colour=parse_colour(colour))


class SetTrackCategory(UpdateTracks):
    label = "Change category"

    def __init__(self, track_ids: int | Sequence[int], category_id: int | None) -> None:
        super().__init__(track_ids, category_id=category_id)


class SetTrackFlags(UpdateTracks):
    """Hide/show or lock/unlock tracks (None leaves a flag as it is)."""

    label = "Change visibility"

    def __init__(
        self,
        track_ids: int | Sequence[int],
        *,
        hidden: bool | None = None,
        locked: bool | None = None,
    ) -> None:
        changes = {k: v for k, v in (("hidden", hidden), ("locked", locked)) if v is not None}
        super().__init__(track_ids, **changes)


# --- masks ----------------------------------------------------------------------------------
def _check_unlocked(project: Project, track_id: int) -> None:
    if project.track(track_id).locked:
        raise ConflictError(f"object {track_id} is locked; unlock it to edit its masks")


class SetMasks(Command):
    """Set several annotations at once (e.g. an import or a multi-frame paste)."""

    label = "Set masks"

    def __init__(self, records: Iterable[FrameMask]) -> None:
        super().__init__()
        self.records = list(records)

    def plan(self, project: Project, delta: Delta) -> None:
        for rec in self.records:
            _check_unlocked(project, rec.track_id)
            delta.mask(rec.key, project.mask(*rec.key), rec)


class SetMask(SetMasks):
    """Set one track's mask on one frame (a click's answer, a brush edit...)."""

    label = "Edit mask"

    def __init__(
        self,
        video_id: int,
        frame: int,
        track_id: int,
        mask: Mask,
        provenance: Provenance = Provenance.EDITED,
        score: float | None = None,
        prompt: Prompt | None = None,
    ) -> None:
        rec = FrameMask(video_id, frame, track_id, mask, provenance, score, prompt)
        super().__init__([rec])
        if provenance is Provenance.PROMPTED:
            self.label = "Prompt mask"


class ClearMasks(Command):
    """Remove a track's masks on frames first..last (inclusive; one frame by default)."""

    label = "Clear mask"

    def __init__(self, video_id: int, track_id: int, first: int, last: int | None = None) -> None:
        super().__init__()
        self.video_id, self.track_id = video_id, track_id
        self.first, self.last = first, first if last is None else last

    def plan(self, project: Project, delta: Delta) -> None:
        _check_unlocked(project, self.track_id)
        for rec in project.masks(
            self.video_id, track=self.track_id, first=self.first, last=self.last
        ):
            delta.mask(rec.key, rec, None)


class ClearMask(ClearMasks):
    def __init__(self, video_id: int, frame: int, track_id: int) -> None:
        super().__init__(video_id, track_id, frame, frame)


# --- categories -----------------------------------------------------------------------------
class AddCategory(Command):
    """Add a category at the end of the export order; `category_id` is set once applied."""

    label = "Add category"

    def __init__(
        self, name: str, colour: Colour | str | None = None, export_id: int | None = None
    ) -> None:
        super().__init__()
        self.name, self.export_id = name, export_id
        self.colour = parse_colour(colour) if colour is not None else None
        self._category_id: int | None = None

    def plan(self, project: Project, delta: Delta) -> None:
        if project.category_by_name(self.name) is not None:
            raise ConflictError(f"a category named {self.name!r} already exists")
        cats = project.categories
        export_id = self.export_id
        if export_id is None:
            export_id = max((c.export_id for c in cats), default=0) + 1
        order = max((c.order for c in cats), default=-1) + 1
        cid = project.allocate_id("category")
        self._category_id = cid
        colour = self.colour or palette_colour(cid)
        delta.category(None, Category(cid, self.name, colour, export_id, order))

    @property
    def category_id(self) -> int:
        """The new category's id (known once the command was applied)."""
        return _assigned(self._category_id, self.label)


class UpdateCategory(Command):
    """Change a category's name, colour or export id."""

    label = "Edit category"
    _FIELDS = frozenset({"name", "colour", "export_id"})

    def __init__(self, category_id: int, **changes: object) -> None:
        super().__init__()
        bad = set(changes) - self._FIELDS
        if bad:
            raise InvalidValueError(f"categories have no editable field(s) {sorted(bad)}")
        self.category_id, self.changes = category_id, changes

    def plan(self, project: Project, delta: Delta) -> None:
        cat = project.category(self.category_id)
        name = self.changes.get("name")
        other = project.category_by_name(name) if isinstance(name, str) else None
        if other is not None and other.id != cat.id:
            raise ConflictError(f"a category named {name!r} already exists")
        delta.category(cat, cat.with_(**self.changes))


class RenameCategory(UpdateCategory):
    label = "Rename category"

    def __init__(self, category_id: int, name: str) -> None:
        super().__init__(category_id, name=name)


class RecolourCategory(UpdateCategory):
    label = "Recolour category"

    def __init__(self, category_id: int, colour: Colour | str) -> None:
        super().__init__(category_id, colour=parse_colour(colour))


class ReorderCategories(Command):
    """Put the categories in the given export order (every category id exactly once)."""

    label = "Reorder categories"

    def __init__(self, category_ids: Sequence[int]) -> None:
        super().__init__()
        self.category_ids = list(category_ids)

    def plan(self, project: Project, delta: Delta) -> None:
        current = {c.id: c for c in project.categories}
        if sorted(self.category_ids) != sorted(current):
            raise InvalidValueError(
                f"new order {self.category_ids} must list each of {sorted(current)} once"
            )
        for position, cid in enumerate(self.category_ids):
            cat = current[cid]
            if cat.order != position:
                delta.category(cat, cat.with_(order=position))


class MergeCategories(Command):
    """Move every track of the source categories to `target_id`, then delete the sources."""

    label = "Merge categories"

    def __init__(self, source_ids: int | Sequence[int], target_id: int) -> None:
        super().__init__()
        self.source_ids = [source_ids] if isinstance(source_ids, int) else list(source_ids)
        self.target_id = target_id

    def plan(self, project: Project, delta: Delta) -> None:
        project.category(self.target_id)
        if self.target_id in self.source_ids:
            raise InvalidValueError("cannot merge a category into itself")
        for sid in self.source_ids:
            source = project.category(sid)
            for track in project.tracks(category_id=sid):
                delta.track(track, track.with_(category_id=self.target_id))
            delta.category(source, None)


@dataclass(frozen=True)
class ReassignTracks:
    """Deletion policy: the category's tracks move to `category_id` (None: uncategorised)."""

    category_id: int | None


@dataclass(frozen=True)
class DeleteTracks:
    """Deletion policy: the category's tracks are deleted with all their masks."""


class DeleteCategory(Command):
    """Delete a category; `policy` says what becomes of its tracks (no silent default)."""

    label = "Delete category"

    def __init__(self, category_id: int, policy: ReassignTracks | DeleteTracks) -> None:
        super().__init__()
        if not isinstance(policy, (ReassignTracks, DeleteTracks)):
            raise InvalidValueError("DeleteCategory needs a ReassignTracks or DeleteTracks policy")
        self.category_id, self.policy = category_id, policy

    def plan(self, project: Project, delta: Delta) -> None:
        cat = project.category(self.category_id)
        policy = self.policy
        if isinstance(policy, ReassignTracks) and policy.category_id is not None:
            if policy.category_id == cat.id:
                raise InvalidValueError("cannot reassign tracks to the category being deleted")
            project.category(policy.category_id)
        for track in project.tracks(category_id=cat.id):
            if isinstance(policy, ReassignTracks):
                delta.track(track, track.with_(category_id=policy.category_id))
            else:
                for rec in project.masks(track.video_id, track=track.id):
                    delta.mask(rec.key, rec, None)
                delta.track(track, None)
        delta.category(cat, None)


# --- videos ---------------------------------------------------------------------------------
class AddVideo(Command):
    """Add a video to the project; `video_id` is set once applied."""

    label = "Add video"

    def __init__(
        self, path: str, fingerprint: str, fps: float, width: int, height: int, num_frames: int
    ) -> None:
        super().__init__()
        self.fields = (path, fingerprint, fps, width, height, num_frames)
        self._video_id: int | None = None

    def plan(self, project: Project, delta: Delta) -> None:
        video = Video(1, *self.fields)  # validate before taking an id
        vid = project.allocate_id("video")
        self._video_id = vid
        delta.video(None, video.with_(id=vid))

    @property
    def video_id(self) -> int:
        """The new video's id (known once the command was applied)."""
        return _assigned(self._video_id, self.label)


class RelinkVideo(Command):
    """Point a video at a moved file (same frames: size and length must match)."""

    label = "Relink video"

    def __init__(self, video_id: int, path: str, fingerprint: str) -> None:
        super().__init__()
        self.video_id, self.path, self.fingerprint = video_id, path, fingerprint

    def plan(self, project: Project, delta: Delta) -> None:
        video = project.video(self.video_id)
        delta.video(video, video.with_(path=self.path, fingerprint=self.fingerprint))


class RemoveVideo(Command):
    """Remove a video with its tracks and masks."""

    label = "Remove video"

    def __init__(self, video_id: int) -> None:
        super().__init__()
        self.video_id = video_id

    def plan(self, project: Project, delta: Delta) -> None:
        video = project.video(self.video_id)
        for rec in project.masks(video.id):
            delta.mask(rec.key, rec, None)
        for track in project.tracks(video_id=video.id):
            delta.track(track, None)
        delta.video(video, None)
