"""Absence: "this object is not on these frames" (occluded, or it left the view).

An absence is stored per track as sorted, disjoint, inclusive frame spans in the project's
metadata (one key per track, saved in the same transaction as the masks it removes). Marking
frames absent removes the object's masks there; the tracker gets an empty mask prompt on
each absent frame, so every later propagation keeps them empty. Both edits are undoable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from annotator.domain.commands import Command, _check_unlocked
from annotator.domain.delta import Delta
from annotator.domain.errors import InvalidValueError
from annotator.domain.events import MasksChanged
from annotator.domain.project import Project

Span = tuple[int, int]
"""(first, last) frames, inclusive."""

_KEY = "absence.{}.{}"


def normalise(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same frames (touching spans are joined)."""
    out: list[Span] = []
    for first, last in sorted((min(a, b), max(a, b)) for a, b in spans):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def with_span(spans: Iterable[Span], first: int, last: int) -> list[Span]:
    """`spans` plus first..last."""
    return normalise([*spans, (first, last)])


def without_span(spans: Iterable[Span], first: int, last: int) -> list[Span]:
    """`spans` minus first..last."""
    out: list[Span] = []
    for a, b in normalise(spans):
        if b < first or a > last:
            out.append((a, b))
            continue
        if a < first:
            out.append((a, first - 1))
        if b > last:
            out.append((last + 1, b))
    return out


def frames_of(spans: Iterable[Span]) -> list[int]:
    """Every frame the spans cover, in order."""
    return [f for a, b in normalise(spans) for f in range(a, b + 1)]


def absent_spans(project: Project, video_id: int, track_id: int) -> list[Span]:
    """The track's absent spans (empty when it was never marked absent)."""
    raw = project.storage.get_meta(_KEY.format(video_id, track_id))
    if not raw:
        return []
    try:
        spans = [(int(a), int(b)) for a, b in json.loads(raw)]
    except (ValueError, TypeError) as exc:
        raise InvalidValueError(
            f"the stored absence of object {track_id} in video {video_id} is not a list of "
            f"frame spans ({raw[:60]!r}); mark its absent frames again"
        ) from exc
    return normalise(spans)


def absent_frames(project: Project, video_id: int, track_id: int) -> set[int]:
    """The track's absent frames."""
    return set(frames_of(absent_spans(project, video_id, track_id)))


def video_absence(project: Project, video_id: int) -> dict[int, list[Span]]:
    """track id -> absent spans, for every track of the video that has any."""
    found = {t.id: absent_spans(project, video_id, t.id) for t in project.tracks(video_id)}
    return {tid: spans for tid, spans in found.items() if spans}


def effective_absence(project: Project, video_id: int) -> dict[int, list[Span]]:
    """`video_absence` less the frames where the track has a keyframe: a prompt or an edit
    made on an absent frame says the object is there after all."""
    out = {}
    for tid, spans in video_absence(project, video_id).items():
        for frame in project.keyframes(video_id, tid):
            spans = without_span(spans, frame, frame)
        if spans:
            out[tid] = spans
    return out


def store_absence(project: Project, video_id: int, track_id: int, spans: list[Span]) -> None:
    """Write the track's absent spans (none: the key is removed), in the open transaction."""
    value = json.dumps([list(s) for s in spans]) if spans else None
    project.storage.set_meta(_KEY.format(video_id, track_id), value)


class _ChangeAbsence(Command):
    """Set a track's absence on first..last (subclasses say to what) as one undo step."""

    def __init__(self, video_id: int, track_id: int, first: int, last: int | None = None) -> None:
        super().__init__()
        last = first if last is None else last
        if first < 0 or last < first:
            raise InvalidValueError(f"frames {first}..{last} are not a span of frames")
        self.video_id, self.track_id, self.first, self.last = video_id, track_id, first, last
        self._spans: tuple[list[Span], list[Span]] | None = None

    def _after(self, before: list[Span]) -> list[Span]:
        raise NotImplementedError

    def apply(self, project: Project) -> None:
        with project.transaction():
            if self._spans is None:
                _check_unlocked(project, self.track_id)
                video = project.video(self.video_id)
                if self.last >= video.num_frames:
                    raise InvalidValueError(
                        f"frame {self.last} is past the end of video {video.id} "
                        f"({video.num_frames} frames)"
                    )
                before = absent_spans(project, self.video_id, self.track_id)
                self._spans = (before, self._after(before))
            super().apply(project)
            store_absence(project, self.video_id, self.track_id, self._spans[1])
        self._announce(project)

    def revert(self, project: Project) -> None:
        if self._spans is None:
            raise InvalidValueError(f"{self.label!r} was never applied")
        with project.transaction():
            super().revert(project)
            store_absence(project, self.video_id, self.track_id, self._spans[0])
        self._announce(project)

    @property
    def is_noop(self) -> bool:
        return super().is_noop and self._spans is not None and self._spans[0] == self._spans[1]

    def _announce(self, project: Project) -> None:
        ids = frozenset({self.track_id})
        project.events.emit(MasksChanged(self.video_id, ids, self.first, self.last))


class MarkAbsent(_ChangeAbsence):
    """The object is not on frames first..last: its masks there are removed and every
    later propagation leaves them empty."""

    label = "Mark absent"

    def _after(self, before: list[Span]) -> list[Span]:
        return with_span(before, self.first, self.last)

    def plan(self, project: Project, delta: Delta) -> None:
        for rec in project.masks(
            self.video_id, track=self.track_id, first=self.first, last=self.last
        ):
            delta.mask(rec.key, rec, None)


class MarkPresent(_ChangeAbsence):
    """Frames first..last are no longer marked absent (propagation may fill them again)."""

    label = "Clear absence"

    def _after(self, before: list[Span]) -> list[Span]:
        return without_span(before, self.first, self.last)

    def plan(self, project: Project, delta: Delta) -> None:
        """Changes no mask."""
