"""What a timeline lane shows of one object, per frame, as numpy vectors (Qt-free).

`LaneFacts` holds, for every frame of a video, the kind of the object's annotation there
(none, propagated, prompted, edited, imported, absent), its object score and its area.
`read_lane` fills it from the project, for a whole video or only a changed frame range, so
a propagation streaming frames costs one small read per event, not a re-read of the lane.
`kind_runs` turns a vector into runs, which is what the widget draws (runs, not frames).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from annotator.domain import Project, Provenance
from annotator.domain.absence import absent_spans


class FrameKind(enum.IntEnum):
    """The story of one object on one frame, as a lane draws it."""

    NONE = 0
    PROPAGATED = 1
    PROMPTED = 2
    EDITED = 3
    IMPORTED = 4
    ABSENT = 5


_BY_PROVENANCE = {
    Provenance.PROPAGATED: FrameKind.PROPAGATED,
    Provenance.PROMPTED: FrameKind.PROMPTED,
    Provenance.EDITED: FrameKind.EDITED,
    Provenance.IMPORTED: FrameKind.IMPORTED,
}


@dataclass
class LaneFacts:
    """Per-frame vectors of one object: kinds (uint8 FrameKind), scores (float32 object
    score logits, NaN where none is known) and areas (int64 mask pixels)."""

    track_id: int
    kinds: np.ndarray = field(repr=False)
    scores: np.ndarray = field(repr=False)
    areas: np.ndarray = field(repr=False)

    @classmethod
    def empty(cls, track_id: int, num_frames: int) -> LaneFacts:
        return cls(
            track_id,
            np.zeros(num_frames, np.uint8),
            np.full(num_frames, np.nan, np.float32),
            np.zeros(num_frames, np.int64),
        )

    @property
    def num_frames(self) -> int:
        return int(self.kinds.shape[0])

    def frames_of(self, *kinds: FrameKind) -> np.ndarray:
        """Sorted frames whose kind is one of `kinds`."""
        return np.flatnonzero(np.isin(self.kinds, [int(k) for k in kinds]))

    @property
    def keyframes(self) -> np.ndarray:
        """Frames the user made (prompted or edited), sorted."""
        return self.frames_of(FrameKind.PROMPTED, FrameKind.EDITED)


def read_lane(
    project: Project,
    video_id: int,
    track_id: int,
    facts: LaneFacts | None = None,
    first: int = 0,
    last: int | None = None,
) -> LaneFacts:
    """Fill `facts` (a new one when None) from the project on frames first..last."""
    n = project.video(video_id).num_frames
    facts = LaneFacts.empty(track_id, n) if facts is None else facts
    last = n - 1 if last is None else min(last, n - 1)
    if last < first:
        return facts
    span = slice(first, last + 1)
    facts.kinds[span] = FrameKind.NONE
    facts.scores[span] = np.nan
    facts.areas[span] = 0
    for a, b in absent_spans(project, video_id, track_id):
        lo, hi = max(a, first), min(b, last)
        if lo <= hi:
            facts.kinds[lo : hi + 1] = FrameKind.ABSENT
    for rec in project.masks(video_id, track=track_id, first=first, last=last):
        facts.kinds[rec.frame] = _BY_PROVENANCE[rec.provenance]
        facts.areas[rec.frame] = rec.mask.area
        if rec.score is not None:
            facts.scores[rec.frame] = rec.score
    return facts


def kind_runs(kinds: np.ndarray) -> list[tuple[int, int, int]]:
    """(first, last, kind) inclusive runs of equal non-zero values of a uint8 vector."""
    if kinds.size == 0:
        return []
    change = np.flatnonzero(np.diff(kinds.astype(np.int16))) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change - 1, [kinds.size - 1]))
    values = kinds[starts]
    keep = values != 0
    rows = np.stack((starts[keep], ends[keep], values[keep].astype(np.int64)), axis=1)
    return [(a, b, v) for a, b, v in rows.tolist()]


def flag_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) inclusive runs of True in a bool vector."""
    return [(a, b) for a, b, _ in kind_runs(flags.astype(np.uint8))]


DETAIL_FRAMES = 256  # a range up to this long is read mask by mask at once (tens of ms)


def quick_lane(
    project: Project, video_id: int, track_id: int, facts: LaneFacts, first: int, last: int
) -> None:
    """Fill frames first..last of `facts` from the index alone (no mask is decoded): masked
    frames as propagated, keyframes as prompted, absence; scores and areas unknown."""
    span = slice(first, last + 1)
    facts.kinds[span] = FrameKind.NONE
    facts.scores[span] = np.nan
    facts.areas[span] = 0
    for a, b in absent_spans(project, video_id, track_id):
        lo, hi = max(a, first), min(b, last)
        if lo <= hi:
            facts.kinds[lo : hi + 1] = FrameKind.ABSENT
    masked = np.asarray(project.frames_with_masks(video_id, track_id, first, last), dtype=np.int64)
    keys = np.asarray(project.keyframes(video_id, track_id), dtype=np.int64)
    facts.kinds[masked] = FrameKind.PROPAGATED  # already within first..last
    facts.kinds[keys[(keys >= first) & (keys <= last)]] = FrameKind.PROMPTED


class LaneBook:
    """The facts of every track of one video, re-read only where masks changed: `mark` what
    a MasksChanged event names, then `refresh` (cheap to call at a display's pace). Long
    ranges (a newly opened track, an undone run) are read from the index first and refined
    mask by mask in small steps by `refine`, so no call holds the caller for long."""

    def __init__(self, project: Project, video_id: int) -> None:
        self.project, self.video_id = project, video_id
        self._facts: dict[int, LaneFacts] = {}
        self._dirty: dict[int, tuple[int, int]] = {}
        self._coarse: list[tuple[int, int, int]] = []  # (track, first, last) to refine

    @property
    def refining(self) -> bool:
        """Some frames are known only from the index so far (see `refine`)."""
        return bool(self._coarse)

    def mark(self, track_ids: Iterable[int], first: int = 0, last: int | None = None) -> None:
        """Frames first..last (None: to the end) of these tracks need reading again."""
        end = self.project.video(self.video_id).num_frames - 1 if last is None else last
        for tid in track_ids:
            lo, hi = self._dirty.get(tid, (first, end))
            self._dirty[tid] = (min(lo, first), max(hi, end))

    def refresh(self) -> set[int]:
        """Read what was marked (and every track not read yet); the ids whose facts changed.
        Tracks no longer in the video are dropped."""
        alive = {t.id for t in self.project.tracks(self.video_id)}
        n = self.project.video(self.video_id).num_frames
        changed = set()
        for tid in alive:
            if tid not in self._facts:
                self._facts[tid] = LaneFacts.empty(tid, n)
                self._read(tid, 0, n - 1)
                changed.add(tid)
            elif tid in self._dirty:
                self._read(tid, *self._dirty[tid])
                changed.add(tid)
        self._dirty.clear()
        self._facts = {tid: f for tid, f in self._facts.items() if tid in alive}
        self._coarse = [c for c in self._coarse if c[0] in alive]
        return changed

    def refine(self, frames: int = 64) -> set[int]:
        """Read up to `frames` frames known only from the index mask by mask; the ids whose
        facts changed (empty when nothing is left to refine)."""
        if not self._coarse:
            return set()
        tid, first, last = self._coarse.pop(0)
        stop = min(last, first + frames - 1)
        read_lane(self.project, self.video_id, tid, self._facts[tid], first, stop)
        if stop < last:
            self._coarse.insert(0, (tid, stop + 1, last))
        return {tid}

    def _read(self, tid: int, first: int, last: int) -> None:
        facts = self._facts[tid]
        if last - first + 1 <= DETAIL_FRAMES:
            read_lane(self.project, self.video_id, tid, facts, first, last)
            return
        quick_lane(self.project, self.video_id, tid, facts, first, last)
        self._coarse.append((tid, first, last))

    def facts(self, track_id: int) -> LaneFacts:
        """The facts of a track as of the last `refresh`."""
        return self._facts[track_id]
