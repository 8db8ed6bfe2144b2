"""Undo/redo stacks of commands, bounded by the memory their mask deltas hold.

A propagation run is ONE undoable step: `begin_batch()` returns a `PropagationBatch` that
writes each streamed frame in its own committed transaction and records its delta; undo of
the batch restores every frame it touched in one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Literal, TypeVar

from annotator.domain.commands import Command
from annotator.domain.delta import Delta
from annotator.domain.entities import FrameMask, MaskKey, Provenance
from annotator.domain.errors import HistoryError
from annotator.domain.events import HistoryChanged
from annotator.domain.mask import Mask
from annotator.domain.project import Project

DEFAULT_HISTORY_BYTES = 256 * 1024 * 1024

C = TypeVar("C", bound=Command)


class PropagationBatch(Command):
    """An open-ended command that accumulates propagated frames as they stream in.

    Records of locked or deleted tracks are skipped; with `keep_keyframes` (default) so are
    records that would replace a user-made (prompted/edited) mask with a propagated one, but
    for the hand edits at `replace_edits` (keys), which the user let this run replace.
    """

    label = "Propagate"

    def __init__(
        self,
        project: Project,
        history: History,
        label: str,
        *,
        keep_keyframes: bool = True,
        replace_edits: Iterable[MaskKey] = (),
    ) -> None:
        super().__init__()
        self._project = project
        self._history = history
        self._delta = Delta()
        self.label = label
        self.keep_keyframes = keep_keyframes
        self.replace_edits = frozenset(replace_edits)
        self.closed = False
        self.frames_written = 0
        # its own lock, not the history's: a GUI thread asking to undo is refused at once
        # instead of waiting for a frame write (and its event listeners) to finish
        self._lock = threading.RLock()

    def plan(self, project: Project, delta: Delta) -> None:  # pragma: no cover - never planned
        raise HistoryError("a propagation batch records frames; it is not planned")

    def add_frame(
        self, records: Iterable[FrameMask], removed: Iterable[MaskKey] = ()
    ) -> list[FrameMask]:
        """Write one frame's masks (all tracks) as one committed transaction; returns the
        records actually written (skipped ones left out).

        `removed`: keys where the run found the object gone; an earlier mask there is
        deleted (unless its track is locked or, with `keep_keyframes`, the user made it)."""
        with self._lock:
            if self.closed:
                raise HistoryError(f"{self.label!r} is finished; start a new batch")
            project = self._project
            todo: list[tuple[FrameMask, FrameMask | None]] = []
            gone: list[FrameMask] = []
            with project.transaction(bulk=True):
                for rec in records:
                    before = self._replaceable(rec.key, rec.provenance.is_key)
                    if before is not False:
                        todo.append((rec, before))
                for key in removed:
                    before = self._replaceable(key, False)
                    if before:
                        gone.append(before)
                project.put_masks([rec for rec, _ in todo], bulk=True)
                project.remove_masks(rec.key for rec in gone)
            assert self._delta is not None
            for rec, before in todo:
                self._delta.mask(rec.key, before, rec)
            for before in gone:
                self._delta.mask(before.key, before, None)
            self.frames_written += 1
            return [rec for rec, _ in todo]

    def add_tracked_frame(
        self, video_id: int, frame: int, masks: Mapping[int, tuple[Mask, float | None]]
    ) -> list[FrameMask]:
        """One frame as a tracker reports it, {track id: (mask, score)}: non-empty masks are
        written as PROPAGATED; an empty one means the object is gone there (see add_frame)."""
        records: list[FrameMask] = []
        removed: list[MaskKey] = []
        for track_id, (mask, score) in masks.items():
            if mask.is_empty:
                removed.append((video_id, frame, track_id))
            else:
                prov = Provenance.PROPAGATED
                records.append(FrameMask(video_id, frame, track_id, mask, prov, score))
        return self.add_frame(records, removed)

    def _replaceable(self, key: MaskKey, by_key_mask: bool) -> FrameMask | None | Literal[False]:
        """The mask now at `key` (None: none) when this run may overwrite it, else False:
        the track is gone or locked, or a user-made mask would give way to a propagated one."""
        project = self._project
        track_id = key[2]
        if not project.has_track(track_id) or project.track(track_id).locked:
            return False
        before = project.mask(*key)
        if by_key_mask or before is None or not self.keep_keyframes:
            return before
        if before.provenance is Provenance.PROMPTED:
            return False
        if before.provenance is Provenance.EDITED and key not in self.replace_edits:
            return False
        return before

    def close(self) -> None:
        """Stop recording (normal end, cancel or error: every written frame stays)."""
        self._history._finish_batch(self)

    def __enter__(self) -> PropagationBatch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class History:
    """Undo and redo stacks for one project; total recorded bytes stay under `max_bytes`
    (the oldest steps are forgotten first; the newest step is always kept)."""

    def __init__(self, project: Project, *, max_bytes: int = DEFAULT_HISTORY_BYTES) -> None:
        self.project = project
        self.max_bytes = max_bytes
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._open: list[PropagationBatch] = []
        self._lock = threading.RLock()

    # --- queries ------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo) and not self._open

    @property
    def can_redo(self) -> bool:
        return bool(self._redo) and not self._open

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    @property
    def bytes_used(self) -> int:
        """Memory held by both stacks (mask deltas)."""
        return sum(c.nbytes for c in self._undo) + sum(c.nbytes for c in self._redo)

    @property
    def depth(self) -> tuple[int, int]:
        """(undo steps, redo steps)."""
        return (len(self._undo), len(self._redo))

    # --- actions ------------------------------------------------------------------------
    def execute(self, command: C) -> C:
        """Apply a new command and make it the next undo step (clears redo)."""
        with self._lock:
            command.apply(self.project)
            if not command.is_noop:
                self._undo.append(command)
                self._redo.clear()
                self._trim()
        self._notify()
        return command

    def undo(self) -> Command | None:
        """Revert the newest step; None when there is nothing to undo."""
        with self._lock:
            self._check_idle("undo")
            if not self._undo:
                return None
            command = self._undo[-1]
            command.revert(self.project)
            self._redo.append(self._undo.pop())
        self._notify()
        return command

    def redo(self) -> Command | None:
        """Re-apply the newest undone step; None when there is nothing to redo."""
        with self._lock:
            self._check_idle("redo")
            if not self._redo:
                return None
            command = self._redo[-1]
            command.apply(self.project)
            self._undo.append(self._redo.pop())
        self._notify()
        return command

    def begin_batch(
        self,
        label: str = "Propagate",
        *,
        keep_keyframes: bool = True,
        replace_edits: Iterable[MaskKey] = (),
    ) -> PropagationBatch:
        """Start recording a propagation run as one undo step (undo/redo wait until it ends);
        see PropagationBatch for what it may overwrite."""
        with self._lock:
            batch = PropagationBatch(
                self.project,
                self,
                label,
                keep_keyframes=keep_keyframes,
                replace_edits=replace_edits,
            )
            self._undo.append(batch)
            self._redo.clear()
            self._open.append(batch)
        self._notify()
        return batch

    def clear(self) -> None:
        """Forget every step (e.g. after opening another project)."""
        with self._lock:
            self._check_idle("clear the history")
            self._undo.clear()
            self._redo.clear()
        self._notify()

    # --- internals ----------------------------------------------------------------------
    def _finish_batch(self, batch: PropagationBatch) -> None:
        with self._lock, batch._lock:
            if batch.closed:
                return
            batch.closed = True
            self._open.remove(batch)
            if batch.delta is None or batch.delta.is_empty:
                self._undo.remove(batch)
            self._trim()
        self._notify()

    def _check_idle(self, what: str) -> None:
        if self._open:
            raise HistoryError(
                f"cannot {what} while {self._open[0].label!r} is running; cancel or finish it first"
            )

    def _trim(self) -> None:
        used = self.bytes_used
        while used > self.max_bytes and self._redo:
            used -= self._redo.pop(0).nbytes
        while used > self.max_bytes and len(self._undo) > 1 and self._undo[0] not in self._open:
            used -= self._undo.pop(0).nbytes

    def _notify(self) -> None:
        self.project.events.emit(HistoryChanged(self.can_undo, self.can_redo))
