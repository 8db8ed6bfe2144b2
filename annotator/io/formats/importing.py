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
    Colour,
    DomainError,
    FrameMask,
    Mask,
    Project,
    Prompt,
    Provenance,
    Track,
)
from annotator.domain.categories import retire_unused_default, unlabelled_category
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.staging import MANIFEST_NAMES

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
    notes: list[str] = field(default_factory=list)
    """What the reader matched or skipped, and warnings (shown by the CLI and the dialog)."""
    category_colours: dict[str, Colour] = field(default_factory=dict)
    """Colours the dataset gives its categories (new categories take them)."""

    @property
    def boxes(self) -> int:
        """How many annotations are box prompts still to be turned into masks."""
        return sum(1 for m in self.masks if m.mask is None)


def json_label_files(source: Path, tool: str) -> list[Path]:
    """The label files of a per-image JSON format: `source` itself, or the .json files in it
    (an export's manifest left out); ImportError_ when there are none."""
    files = [source] if source.is_file() else sorted(source.glob("*.json"))
    files = [f for f in files if f.name not in MANIFEST_NAMES]
    if not files:
        raise ImportError_(f"no {tool} .json files", file=source)
    return files


def categories_to_create(project: Project, result: ImportResult) -> list[str]:
    """The categories the planned tracks name that the project lacks, first seen first."""
    known = {c.name for c in project.categories}
    named = [t.category for t in result.tracks if t.category]
    return [c for c in dict.fromkeys(named) if c not in known]


def apply_import(project: Project, result: ImportResult) -> dict[Hashable, int]:
    """Create the categories, tracks and masks of `result` in one transaction.

    Returns the new track id of every planned track key. Tracks without a label go into the
    "object" category (so every object exports); an unused automatic "object" category is
    dropped when the import brings categories of its own. Masks carry provenance IMPORTED;
    box prompts become records with an empty mask and `prompt.box` set, for the user (or
    the engine) to turn into masks later.
    """
    ids: dict[Hashable, int] = {}
    try:
        with project.transaction():
            unlabelled = any(pt.category is None for pt in result.tracks)
            if result.new_categories and not unlabelled:
                retire_unused_default(project, keep=result.new_categories)
            for name in result.new_categories:
                if project.category_by_name(name) is None:
                    palette = _TRACK_COLOURS[len(project.categories) % len(_TRACK_COLOURS)]
                    project.add_category(name, result.category_colours.get(name, palette))
            fallback = unlabelled_category(project) if unlabelled else None
            for i, pt in enumerate(result.tracks):
                cat = project.category_by_name(pt.category) if pt.category else fallback
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


def drop_already_imported(project: Project, result: ImportResult) -> None:
    """Leave out planned tracks the project already holds (same masks, or box prompts, on
    the same frames of the same video: the same file imported before), with a note.

    Raises ImportError_ when that is every planned track, so a repeated import says so
    instead of duplicating every track.
    """
    by_track: dict[Hashable, list[PlannedMask]] = {}
    for pm in result.masks:
        by_track.setdefault(pm.track_key, []).append(pm)
    existing: dict[tuple[int, int], list[FrameMask]] = {}
    present: set[Hashable] = set()
    for pt in result.tracks:
        candidates: set[int] | None = None
        for pm in by_track.get(pt.key, []):
            key = (pt.video_id, pm.frame)
            if key not in existing:
                existing[key] = project.frame_masks(*key)
            same = {r.track_id for r in existing[key] if _same(r, pm)}
            candidates = same if candidates is None else candidates & same
            if not candidates:
                break
        if candidates:
            present.add(pt.key)
    if not present:
        return
    if len(present) == len(result.tracks):
        raise ImportError_(
            "everything in it is already in the project (the same masks on the same frames): "
            "it was imported before; nothing to add",
            file=result.source,
        )
    result.tracks = [t for t in result.tracks if t.key not in present]
    result.masks = [m for m in result.masks if m.track_key not in present]
    result.notes.append(
        f"{len(present)} tracks are already in the project (the same masks on the same "
        "frames): left out"
    )


def _same(rec: FrameMask, pm: PlannedMask) -> bool:
    if pm.mask is not None:
        return rec.mask == pm.mask
    return rec.mask.is_empty and rec.prompt is not None and rec.prompt.box == pm.box


def describe(result: ImportResult) -> dict[str, Any]:
    """Counts of an import result, for the CLI and the import dialog."""
    return {
        "tracks": len(result.tracks),
        "masks": len(result.masks) - result.boxes,
        "box_prompts": result.boxes,
        "new_categories": list(result.new_categories),
        "notes": list(result.notes),
    }
