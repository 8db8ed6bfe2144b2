"""Every object has a category: the rules that keep it so (Qt-free).

A project made by the window starts with one category ("object"); a new object takes the
current category; deleting a category moves its objects to another one, and the last one
cannot be deleted. A project made elsewhere whose objects lack a category gets them put in
the default one when opened for editing, so an export never drops an object silently.
"""

from __future__ import annotations

from collections.abc import Collection

from annotator.domain.commands import (
    AddCategory,
    AddTrack,
    DeleteCategory,
    ReassignTracks,
    palette_colour,
)
from annotator.domain.entities import Category, Colour, Track
from annotator.domain.errors import ConflictError, UnknownIdError
from annotator.domain.project import Project

DEFAULT_CATEGORY = "object"
KEYED_CATEGORIES = 9  # keys 1-9 pick the first nine categories in export order


def default_category(project: Project) -> Category | None:
    """The first category in export order (None in a project without categories)."""
    categories = project.categories
    return categories[0] if categories else None


def ensure_default_category(project: Project) -> Category:
    """The default category, created (not undoable: it belongs to the new project) when the
    project has none."""
    found = default_category(project)
    if found is not None:
        return found
    return project.add_category(DEFAULT_CATEGORY, palette_colour(1))


def unlabelled_category(project: Project) -> Category:
    """The category for imported objects that came without a label: the one named
    DEFAULT_CATEGORY, created at the end of the export order when missing."""
    found = project.category_by_name(DEFAULT_CATEGORY)
    if found is not None:
        return found
    return project.add_category(DEFAULT_CATEGORY, palette_colour(len(project.categories) + 1))


def retire_unused_default(project: Project, keep: Collection[str] = ()) -> bool:
    """Delete the automatic DEFAULT_CATEGORY when no object uses it and its name is not in
    `keep`: an import that brings its own categories then keeps their numbering (YOLO class
    0 stays class 0) instead of an empty "object" class shifting every index. Returns whether
    it was deleted."""
    found = project.category_by_name(DEFAULT_CATEGORY)
    if found is None or DEFAULT_CATEGORY in keep or project.tracks(category_id=found.id):
        return False
    project.remove_category(found.id)
    return True


def give_default_category(project: Project) -> list[int]:
    """Put every object without a category into the default one (one transaction); returns
    the ids of the objects changed."""
    orphans = [t for t in project.tracks() if t.category_id is None]
    if not orphans:
        return []
    with project.transaction():
        category = ensure_default_category(project)
        for track in orphans:
            project.put_track(track.with_(category_id=category.id))
    return [t.id for t in orphans]


def new_object(project: Project, video_id: int, current: int | None = None) -> AddTrack:
    """The command that adds an object in the current category (else the default one)."""
    known = {c.id for c in project.categories}
    category = current if current in known else None
    if category is None:
        category = ensure_default_category(project).id
    return AddTrack(video_id, category_id=category)


def category_for_key(project: Project, digit: int) -> Category | None:
    """The category key `digit` (1-9) picks: the digit-th in export order, if there is one."""
    categories = project.categories
    if 1 <= digit <= min(KEYED_CATEGORIES, len(categories)):
        return categories[digit - 1]
    return None


def fresh_name(project: Project, base: str = "category") -> str:
    """A category name the project does not use yet ("category 2", "category 3", ...)."""
    taken = {c.name for c in project.categories}
    number = len(taken) + 1
    while f"{base} {number}" in taken:
        number += 1
    return f"{base} {number}"


def add_category(project: Project, name: str | None = None) -> AddCategory:
    """The command that adds a category (a fresh name when none is given)."""
    return AddCategory(name or fresh_name(project))


def delete_category(project: Project, category_id: int) -> DeleteCategory:
    """The command that deletes a category, its objects moved to the first other category;
    ConflictError for the last category (every object keeps one)."""
    others = [c for c in project.categories if c.id != category_id]
    if not others:
        raise ConflictError("a project keeps at least one category; rename this one instead")
    return DeleteCategory(category_id, ReassignTracks(others[0].id))


def display_colour(project: Project, track: Track, by_category: bool) -> Colour:
    """The colour an object is drawn in: its own, or (by_category) its category's, so one
    can see at a glance which objects share a label; an object without a category keeps its
    own."""
    if by_category and track.category_id is not None:
        try:
            return project.category(track.category_id).colour
        except UnknownIdError:
            pass
    return track.colour
