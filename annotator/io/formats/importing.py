"""Import results built fully in memory, then applied to a Project in one transaction.

Readers (COCO, YOLO, SA-V) never touch the project: they return an `ImportResult` naming
the categories to create, the tracks to add and every mask (or box prompt); `apply_import`
writes all of it in one `project.transaction()`, so a failure leaves the project unchanged.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.domain import (
    DomainError,
    FrameMask,
    Mask,
    Project,
    Prompt,
    Provenance,
    Track,
    Video,
)
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.naming import parse_frame_stem, safe_stem, trailing_frame_number

_TRACK_COLOURS = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
]  # fmt: skip


@dataclass(frozen=True)
class PlannedTrack:
    """A track to create: `key` is the reader's own handle for it."""

    key: Hashable
    video_id: int
    category: str | None
    name: str


@dataclass(frozen=True)
class PlannedMask:
    """One imported annotation: a mask, or (mask None) a box prompt (x0, y0, x1, y1)."""

    track_key: Hashable
    frame: int
    mask: Mask | None
    box: tuple[float, float, float, float] | None = None


@dataclass
class ImportResult:
    """Everything an import would add to a project (see module doc)."""

    source: str
    new_categories: list[str] = field(default_factory=list)
    tracks: list[PlannedTrack] = field(default_factory=list)
    masks: list[PlannedMask] = field(default_factory=list)

    @property
    def boxes(self) -> int:
        """How many annotations are box prompts still to be turned into masks."""
        return sum(1 for m in self.masks if m.mask is None)


def apply_import(project: Project, result: ImportResult) -> dict[Hashable, int]:
    """Create the categories, tracks and masks of `result` in one transaction.

    Returns the new track id of every planned track key. Masks carry provenance IMPORTED;
    box prompts become records with an empty mask and `prompt.box` set, for the user (or
    the engine) to turn into masks later.
    """
    ids: dict[Hashable, int] = {}
    try:
        with project.transaction():
            for name in result.new_categories:
                if project.category_by_name(name) is None:
                    colour = _TRACK_COLOURS[len(project.categories) % len(_TRACK_COLOURS)]
                    project.add_category(name, colour)
            for i, pt in enumerate(result.tracks):
                cat = project.category_by_name(pt.category) if pt.category else None
                track = Track(
                    id=project.allocate_id("track"),
                    video_id=pt.video_id,
                    category_id=cat.id if cat is not None else None,
                    name=pt.name,
                    colour=_TRACK_COLOURS[i % len(_TRACK_COLOURS)],
                )
                project.put_track(track)
                ids[pt.key] = track.id
            records = [_record(project, ids, pm, result) for pm in result.masks]
            project.put_masks(records)
    except DomainError as exc:
        raise ImportError_(f"cannot apply import: {exc}", file=result.source) from exc
    return ids


def _record(
    project: Project, ids: dict[Hashable, int], pm: PlannedMask, result: ImportResult
) -> FrameMask:
    track_id = ids[pm.track_key]
    video = project.video(project.track(track_id).video_id)
    if pm.mask is not None:
        return FrameMask(video.id, pm.frame, track_id, pm.mask, Provenance.IMPORTED)
    assert pm.box is not None
    empty = Mask.empty(video.height, video.width)
    return FrameMask(
        video.id, pm.frame, track_id, empty, Provenance.IMPORTED, prompt=Prompt(box=pm.box)
    )


class FrameResolver:
    """Maps a dataset image file name to a (video, frame) of the project.

    Tries, in order: a name made by our exporters (`<stem>_v<id>_f<frame>`, the stem must
    match that video's file); the named `video_id` (or the only video) with the frame number
    the name ends with ("00042.jpg" -> 42).
    """

    def __init__(self, project: Project, video_id: int | None = None) -> None:
        self._videos = {v.id: v for v in project.videos}
        if video_id is not None and video_id not in self._videos:
            raise ImportError_(f"the project has no video {video_id}")
        self._default = video_id
        if self._default is None and len(self._videos) == 1:
            self._default = next(iter(self._videos))
        self._by_stem: dict[str, list[Video]] = {}
        for v in self._videos.values():
            self._by_stem.setdefault(safe_stem(v.path), []).append(v)

    def resolve(self, file_name: str) -> tuple[Video, int] | None:
        stem = Path(file_name.replace("\\", "/")).stem
        ours = parse_frame_stem(stem)
        if ours is not None:
            vid, frame = ours
            seq_stem = stem.rsplit("_v", 1)[0]
            video = self._videos.get(vid)
            if video is not None and safe_stem(video.path) == seq_stem:
                return video, frame
            same = self._by_stem.get(seq_stem, [])
            if len(same) == 1:
                return same[0], frame
        if self._default is not None:
            number = trailing_frame_number(stem)
            if number is not None:
                return self._videos[self._default], number
        return None


def describe(result: ImportResult) -> dict[str, Any]:
    """Counts of an import result, for the CLI and the import dialog."""
    return {
        "tracks": len(result.tracks),
        "masks": len(result.masks) - result.boxes,
        "box_prompts": result.boxes,
        "new_categories": list(result.new_categories),
    }
