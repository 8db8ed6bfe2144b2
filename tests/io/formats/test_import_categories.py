"""Imports and the window's automatic "object" category: a dataset's own categories keep
their numbering (a YOLO round trip keeps every class id), and objects without a label land
in "object" so every one of them exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.domain import Mask, Project, Track, Video
from annotator.domain.categories import DEFAULT_CATEGORY, ensure_default_category
from annotator.io.formats import EXPORTERS, ExportOptions
from annotator.io.formats.importing import ImportResult, PlannedMask, PlannedTrack, apply_import
from annotator.io.formats.yolo_import import read_yolo

from .conftest import person_and_car

VIDEO = Video(1, "/v/clip.mp4", "fp", 10.0, 32, 24, 2)


def _square(x: int, y: int) -> Mask:
    m = np.zeros((VIDEO.height, VIDEO.width), bool)
    m[y : y + 6, x : x + 6] = True
    return Mask.from_array(m)


def _labelled_project() -> Project:
    """Two categories ("person" class 0, "car" class 1), one object of each."""
    return person_and_car(VIDEO, [(0, 1, _square(2, 2)), (1, 2, _square(20, 10))])


def _window_project() -> Project:
    """What the window makes for new media: the video and the automatic "object" category."""
    p = Project()
    p.put_video(VIDEO)
    ensure_default_category(p)
    return p


def _yolo_labels(project: Project, out: Path) -> dict[str, str]:
    exporter, _extra = EXPORTERS["yolo-seg"]
    exporter(project, out, ExportOptions(with_images=False), None)
    return {
        str(f.relative_to(out)): f.read_text()
        for f in sorted(out.rglob("*"))
        if f.is_file() and f.suffix in {".txt", ".yaml"}
    }


def test_a_yolo_round_trip_through_a_new_window_project_keeps_every_class_id(tmp_path):
    first = _yolo_labels(_labelled_project(), tmp_path / "first")
    target = _window_project()
    apply_import(target, read_yolo(target, tmp_path / "first", task="segment"))
    assert [c.name for c in target.categories] == ["person", "car"]
    again = _yolo_labels(target, tmp_path / "again")
    assert again == first
    assert any(line.startswith("1 ") for text in first.values() for line in text.splitlines())


def test_the_object_category_stays_when_an_object_uses_it_or_the_dataset_names_it():
    used = _window_project()
    default = used.category_by_name(DEFAULT_CATEGORY)
    assert default is not None
    used.put_track(Track(7, 1, default.id, "mine"))
    brings = ImportResult("ds", new_categories=["person"])
    apply_import(used, brings)
    assert [c.name for c in used.categories] == [DEFAULT_CATEGORY, "person"]

    named = _window_project()
    apply_import(named, ImportResult("ds", new_categories=[DEFAULT_CATEGORY, "person"]))
    assert [c.name for c in named.categories] == [DEFAULT_CATEGORY, "person"]


def test_objects_without_a_label_are_imported_into_the_object_category(tmp_path):
    project = Project()
    project.put_video(VIDEO)
    result = ImportResult(
        "shapes",
        new_categories=["car"],
        tracks=[PlannedTrack("a", 1, None, "shape 1"), PlannedTrack("b", 1, "car", "car 1")],
        masks=[PlannedMask("a", 0, _square(1, 1)), PlannedMask("b", 0, _square(12, 12))],
    )
    ids = apply_import(project, result)
    names = {c.id: c.name for c in project.categories}
    assert names[project.track(ids["a"]).category_id] == DEFAULT_CATEGORY
    assert names[project.track(ids["b"]).category_id] == "car"
    labels = _yolo_labels(project, tmp_path / "out")
    classes = sorted(
        line.split()[0]
        for name, text in labels.items()
        if name.startswith("labels") and name.endswith(".txt")
        for line in text.splitlines()
    )
    assert classes == ["0", "1"]  # both objects exported, "car" then "object"
