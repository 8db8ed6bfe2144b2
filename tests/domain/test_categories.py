"""Every object has a category: the default one, the current one, never none."""

from __future__ import annotations

import pytest

from annotator.domain import AddTrack, ConflictError, History, Project, Video
from annotator.domain.categories import (
    DEFAULT_CATEGORY,
    category_for_key,
    delete_category,
    fresh_name,
    give_default_category,
    new_object,
)


def project_with_video() -> Project:
    project = Project()
    project.put_video(Video(1, "v.mp4", "f", 30.0, 8, 8, 4))
    return project


def test_a_new_object_takes_the_current_category_else_the_default() -> None:
    project = project_with_video()
    history = History(project)
    first = history.execute(new_object(project, 1))
    (default,) = project.categories
    assert default.name == DEFAULT_CATEGORY
    assert project.track(first.track_id).category_id == default.id
    car = project.add_category("car")
    second = history.execute(new_object(project, 1, car.id))
    assert project.track(second.track_id).category_id == car.id
    third = history.execute(new_object(project, 1, 999))  # unknown: the default
    assert project.track(third.track_id).category_id == default.id


def test_objects_without_a_category_get_the_default() -> None:
    project = project_with_video()
    history = History(project)
    orphan = history.execute(AddTrack(1)).track_id
    assert project.track(orphan).category_id is None
    assert give_default_category(project) == [orphan]
    assert project.track(orphan).category_id == project.categories[0].id
    assert give_default_category(project) == []


def test_the_last_category_cannot_be_deleted_and_deleting_reassigns() -> None:
    project = project_with_video()
    history = History(project)
    track = history.execute(new_object(project, 1)).track_id
    (default,) = project.categories
    with pytest.raises(ConflictError, match="at least one category"):
        delete_category(project, default.id)
    other = project.add_category(fresh_name(project))
    assert other.name == "category 2"
    history.execute(delete_category(project, default.id))
    assert project.track(track).category_id == other.id
    history.undo()
    assert project.track(track).category_id == default.id


def test_keys_pick_categories_in_export_order() -> None:
    project = project_with_video()
    a, b = project.add_category("a"), project.add_category("b")
    assert category_for_key(project, 1) == a and category_for_key(project, 2) == b
    assert category_for_key(project, 3) is None and category_for_key(project, 0) is None
