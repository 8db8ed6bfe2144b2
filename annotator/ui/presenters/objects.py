"""The objects in the window: the panel shows the video's tracks (with their category and a
mark when they have a mask on the shown frame) and its requests become undoable commands:
add (in the current category), rename, lock, show/hide, merge, delete (with a status
message), stepping through them (Up/Down) and picking one by a Ctrl+click on its mask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot

from annotator.domain import (
    Command,
    MasksChanged,
    MergeTracks,
    Project,
    RemoveTrack,
    RenameTrack,
    SetTrackFlags,
)
from annotator.domain.categories import new_object
from annotator.ui.presenters.wiring import connect_all, disconnect_all
from annotator.ui.project_events import ProjectEvents
from annotator.ui.view_model import ViewChange, ViewModel


class ObjectsPresenter(QObject):
    """Wires an ObjectPanel to the project through `execute` (the window's history)."""

    def __init__(
        self,
        project: Project,
        video_id: int,
        view: ViewModel,
        panel: Any,
        events: ProjectEvents,
        *,
        execute: Callable[[Command], Command | None],
        status: Callable[[str], object],
        undo_key: Callable[[], str],
        on_removed: Callable[[int], object],
        on_merged: Callable[[Command], object],
        parent: QObject | None = None,
    ) -> None:
        """`undo_key()` names how undo is triggered now, for the messages that offer it;
        `on_merged(command)` follows a merge (the engine must learn the moved keyframes)."""
        super().__init__(parent)
        self._undo_key = undo_key
        self.project, self.video_id, self.view, self.panel = project, video_id, view, panel
        self._execute, self._status, self._on_removed = execute, status, on_removed
        self._on_merged = on_merged
        self._wired = connect_all(
            [
                (panel.addRequested, self.add),
                (panel.removeRequested, self.remove),
                (panel.activeChanged, view.set_active_track),
                (panel.selectionChanged, view.set_selected_tracks),
                (panel.visibilityChanged, self.set_visible),
                (panel.renameRequested, self.rename),
                (panel.lockRequested, self.set_locked),
                (panel.mergeRequested, self.merge),
            ]
        )
        events.tracksChanged.connect(self.refresh)
        events.categoriesChanged.connect(self.refresh)
        events.masksChanged.connect(self._on_masks)
        self._unsubscribe = [
            view.subscribe(self._on_view, "frame"),
            view.subscribe(lambda c: panel.set_active(c.new), "active_track"),
        ]
        self.refresh()

    def _on_view(self, _change: ViewChange) -> None:
        self.refresh()

    @Slot(object)
    def _on_masks(self, event: MasksChanged) -> None:
        if event.video_id == self.video_id and event.covers(self.view.frame):
            self.refresh()

    def refresh(self, *_args: object) -> None:
        """Show the tracks; keep the active one valid (the newest when it went away)."""
        tracks = self.project.tracks(self.video_id)
        active = self.view.active_track
        if active is not None and all(t.id != active for t in tracks):
            self.view.set_active_track(tracks[-1].id if tracks else None)
        elif active is None and tracks:
            self.view.set_active_track(tracks[-1].id)
        names = {c.id: c.name for c in self.project.categories}
        here = {r.track_id for r in self.project.frame_masks(self.video_id, self.view.frame)}
        self.panel.set_tracks(tracks, self.view.active_track, category_names=names, on_frame=here)

    # --- requests --------------------------------------------------------------------------
    def add(self) -> int:
        """A new object in the current category (undoable), made active; its id (-1: refused)."""
        command = self._execute(new_object(self.project, self.video_id, self.view.category))
        if command is None:
            return -1
        track_id = int(command.track_id)  # type: ignore[attr-defined]
        self.view.set_active_track(track_id)
        self.refresh()
        return track_id

    def remove(self, track_id: int) -> None:
        """Delete an object and its masks (undoable), saying so."""
        if not self.project.has_track(track_id):
            return
        name = self.project.track(track_id).name
        command = RemoveTrack(track_id)
        command.label = f"delete {name}"
        if self._execute(command) is None:
            return
        self._on_removed(track_id)
        self.refresh()
        self._status(f"Deleted {name} ({self._undo_key()} brings it back)")

    def merge(self, source_id: int, target_id: int) -> None:
        """Move the source object's masks to the target and delete it (undoable), saying so;
        a refusal (both masked on a frame, a locked object) is said instead."""
        if not (self.project.has_track(source_id) and self.project.has_track(target_id)):
            return
        source, target = self._name(source_id), self._name(target_id)
        command = MergeTracks(source_id, target_id)
        command.label = f"merge {source} into {target}"
        if self._execute(command) is None:
            return
        self._on_merged(command)
        self.view.set_active_track(target_id)
        self.refresh()
        self._status(f"Merged {source} into {target} ({self._undo_key()} takes it back)")

    def set_visible(self, track_id: int, visible: bool) -> None:
        """Show or hide an object's masks (undoable); a hidden object takes no clicks."""
        command = SetTrackFlags(track_id, hidden=not visible)
        command.label = f"{'show' if visible else 'hide'} {self._name(track_id)}"
        self._execute(command)

    def set_locked(self, track_id: int, locked: bool) -> None:
        """Lock or unlock an object (undoable): clicks never change a locked object's masks."""
        command = SetTrackFlags(track_id, locked=locked)
        command.label = f"{'lock' if locked else 'unlock'} {self._name(track_id)}"
        if self._execute(command) is not None:
            self._status(f"{self._name(track_id)} {'locked' if locked else 'unlocked'}")

    def label(self, track_id: int) -> str:
        """An object's name and, when it has one, its category: "player 2 (person)"."""
        if not self.project.has_track(track_id):
            return ""
        track = self.project.track(track_id)
        if track.category_id is None:
            return track.name
        return f"{track.name} ({self.project.category(track.category_id).name})"

    def step(self, delta: int) -> None:
        """Make the object `delta` rows from the active one active, among the rows the list
        shows (its filter applied), wrapping round at the ends."""
        shown = self.panel.shown_ids()
        if not shown:
            return
        active = self.view.active_track
        at = shown.index(active) + delta if active in shown else (0 if delta > 0 else -1)
        target = shown[at % len(shown)]
        self.view.set_active_track(target)
        self._status(f"Active object: {self.label(target)}")

    def pick(self, track_id: int | None) -> None:
        """A Ctrl+click on the canvas: the object drawn there becomes the active one."""
        if track_id is None or not self.project.has_track(track_id):
            self._status("No mask there: Ctrl+click on an object's mask makes it the active one")
            return
        self.view.set_active_track(track_id)
        self._status(f"Active object: {self.label(track_id)}")

    def _name(self, track_id: int) -> str:
        return self.project.track(track_id).name if self.project.has_track(track_id) else ""

    def rename(self, track_id: int | None = None, name: str | None = None) -> None:
        """Rename an object (the active one by default); asks the panel's question when no
        name is given."""
        track_id = self.view.active_track if track_id is None else track_id
        if track_id is None or not self.project.has_track(track_id):
            return
        current = self.project.track(track_id).name
        if name is None:
            name = self.panel.ask_text(self.panel, f"New name for {current}:", current)
        if name and name != current:
            command = RenameTrack(track_id, name)
            command.label = f"rename {current} to {name}"
            self._execute(command)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        disconnect_all(self._wired)
