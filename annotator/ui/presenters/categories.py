"""Categories in the window: the panel's requests become undoable commands, keys 1-9 give
the active object a category, and the current category follows the active object (so the
next new object takes the category of the one being worked on)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from annotator.domain import (
    Command,
    DomainError,
    MergeCategories,
    Project,
    RecolourCategory,
    RenameCategory,
    ReorderCategories,
    SetTrackCategory,
)
from annotator.domain.categories import add_category, category_for_key, delete_category
from annotator.ui.presenters.wiring import connect_all, disconnect_all
from annotator.ui.project_events import ProjectEvents
from annotator.ui.view_model import ViewModel


class CategoriesPresenter(QObject):
    """Wires a CategoryPanel to the project through `execute` (the window's history)."""

    def __init__(
        self,
        project: Project,
        view: ViewModel,
        panel: Any,
        events: ProjectEvents,
        *,
        execute: Callable[[Command], Command | None],
        status: Callable[[str], object],
        undo_key: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        """`undo_key()` names how undo is triggered now, for the messages that offer it."""
        super().__init__(parent)
        self._undo_key = undo_key
        self.project, self.view, self.panel = project, view, panel
        self._execute, self._status = execute, status
        self._wired = connect_all(
            [
                (panel.currentChanged, view.set_category),
                (panel.addRequested, self.add),
                (panel.renameRequested, lambda cid, name: self._execute(RenameCategory(cid, name))),
                (
                    panel.recolourRequested,
                    lambda cid, rgb: self._execute(RecolourCategory(cid, rgb)),
                ),
                (panel.moveRequested, self.move),
                (panel.mergeRequested, self.merge),
                (panel.deleteRequested, self.delete),
            ]
        )
        events.categoriesChanged.connect(self.refresh)
        events.tracksChanged.connect(self._follow_active)
        self._unsubscribe = [
            view.subscribe(self._follow_active, "active_track"),
            view.subscribe(lambda _c: self.refresh(), "category"),
        ]
        self._follow_active()
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Show the categories; keep the current one valid."""
        categories = self.project.categories
        if self.view.category not in {c.id for c in categories}:
            self.view.set_category(categories[0].id if categories else None)
        self.panel.set_categories(categories, self.view.category)

    def _follow_active(self, *_args: object) -> None:
        track = self.view.active_track
        if track is not None and self.project.has_track(track):
            category = self.project.track(track).category_id
            if category is not None:
                self.view.set_category(category)

    # --- requests --------------------------------------------------------------------------
    def add(self) -> int | None:
        """A new category (undoable), made current; returns its id."""
        command = self._execute(add_category(self.project))
        if command is None:
            return None
        category_id = int(command.category_id)  # type: ignore[attr-defined]
        self.view.set_category(category_id)
        return category_id

    def move(self, category_id: int, step: int) -> None:
        order = [c.id for c in self.project.categories]
        index = order.index(category_id)
        target = index + step
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
            self._execute(ReorderCategories(order))

    def merge(self, source_id: int, target_id: int) -> None:
        source = self.project.category(source_id).name
        target = self.project.category(target_id).name
        if self._execute(MergeCategories(source_id, target_id)) is not None:
            self._status(f"Merged {source} into {target} ({self._undo_key()} takes it back)")

    def delete(self, category_id: int) -> None:
        name = self.project.category(category_id).name
        try:
            command = delete_category(self.project, category_id)
        except DomainError as exc:
            self._status(str(exc))
            return
        if self._execute(command) is not None:
            self._status(
                f"Deleted category {name}; its objects moved ({self._undo_key()} takes it back)"
            )

    def key(self, digit: int) -> None:
        """Key `digit` (1-9): the active object gets the digit-th category."""
        category = category_for_key(self.project, digit)
        if category is None:
            self._status(f"There is no category {digit}: add one in the Categories panel")
            return
        self.view.set_category(category.id)
        track = self.view.active_track
        if track is None or not self.project.has_track(track):
            self._status(f"New objects will be {category.name}")
            return
        if self.project.track(track).category_id == category.id:
            return
        command = SetTrackCategory(track, category.id)
        command.label = f"make {self.project.track(track).name} {category.name}"
        if self._execute(command) is not None:
            self._status(f"{self.project.track(track).name} is now {category.name}")

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        disconnect_all(self._wired)
