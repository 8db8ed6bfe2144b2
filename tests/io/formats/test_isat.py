"""ISAT-SAM's JSON files: what we write is what ISAT reads (layout, categories, groups), and
files as ISAT writes them import with their groups, layers and `__background__` holes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from annotator.domain import Project, Video
from annotator.io.formats import (
    EXPORTERS,
    ExportOptions,
    ImportError_,
    apply_import,
    export_isat,
    read_isat,
)
from annotator.io.formats.geometry import polygons_to_mask

from .conftest import GeneratedFrames, empty_copy, make_project

W, H = 64, 48


def square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def isat_file(folder: Path, name: str, objects: list[dict], *, size=(W, H)) -> Path:
    """One annotation file as ISAT saves it for image `name`."""
    doc = {
        "info": {"description": "ISAT", "folder": "/home/me/images", "name": name,
                 "width": size[0], "height": size[1], "depth": 3, "note": ""},
        "objects": objects,
    }  # fmt: skip
    path = folder / f"{Path(name).stem}.json"
    path.write_text(json.dumps(doc))
    return path


def obj(category: str, group: int, points: list[list[float]], layer: float) -> dict:
    return {"category": category, "group": group, "segmentation": points, "area": 0.0,
            "layer": layer, "bbox": [], "iscrowd": False, "note": ""}  # fmt: skip


def sequence_project(frames: int = 2) -> Project:
    """One image sequence of `frames` frames named frame_000.jpg... (as ISAT's video mode)."""
    p = Project()
    p.put_video(Video(1, "/data/frames", "fp", 25.0, W, H, frames))
    return p


def test_export_writes_isat_files_and_categories(tmp_path: Path) -> None:
    project = make_project(videos=((48, 64, 3),))
    summary = export_isat(project, tmp_path / "isat", ExportOptions(), GeneratedFrames)
    out = tmp_path / "isat"
    labels = yaml.safe_load((out / "isat.yaml").read_text())["label"]
    assert labels == [
        {"name": "__background__", "color": "#000000"},
        {"name": "person", "color": "#ff0000"},
        {"name": "dog car", "color": "#00ff00"},
    ]
    files = sorted(p for p in out.glob("*.json") if not p.name.startswith("."))
    assert len(files) == summary.images == 3
    groups: dict[str, set[int]] = {}
    objects = 0
    for path in files:
        doc = json.loads(path.read_text())
        info = doc["info"]
        assert info["description"] == "ISAT" and (info["width"], info["height"]) == (64, 48)
        assert (out / info["name"]).is_file() and info["name"] == f"{path.stem}.jpg"
        for o in doc["objects"]:
            assert set(o) >= {"category", "group", "segmentation", "area", "layer", "bbox"}
            groups.setdefault(o["category"], set()).add(o["group"])
            xs, ys = zip(*o["segmentation"], strict=True)
            assert o["bbox"] == [min(xs), min(ys), max(xs), max(ys)]
            objects += 1
    assert objects == summary.annotations
    assert groups == {"person": {1, 3}, "dog car": {2}}  # the track numbers, every frame


def test_export_then_import_gives_the_same_objects_and_masks(tmp_path: Path) -> None:
    project = make_project(videos=((48, 64, 4),))
    export_isat(project, tmp_path / "isat", ExportOptions(with_images=False))
    fresh = empty_copy(project)
    result = read_isat(fresh, tmp_path / "isat")
    ids = apply_import(fresh, result)
    assert len(ids) == len(project.tracks())  # groups joined across the frames
    for old in project.tracks():
        (new,) = [t for t in fresh.tracks() if t.name.endswith(f" {old.id}")]
        assert fresh.category(new.category_id).name == project.category(old.category_id).name
        for rec in project.masks(1, track=old.id):
            got = fresh.mask(1, rec.frame, new.id)
            assert got is not None and got.mask == rec.mask  # exact, holes and parts too


def test_isat_groups_layers_and_background_holes_import(tmp_path: Path) -> None:
    project = sequence_project()
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "isat.yaml").write_text(yaml.safe_dump({"label": [
        {"name": "__background__", "color": "#000000"},
        {"name": "cat", "color": "#123456"},
    ]}))  # fmt: skip
    for frame in (0, 1):
        isat_file(folder, f"frame_{frame:03d}.jpg", [
            obj("cat", 1, square(4, 4, 20, 20), 1.0),
            obj("cat", 1, square(30, 4, 40, 14), 2.0),  # a second part of the same cat
            obj("__background__", 0, square(8, 8, 12, 12), 3.0),  # a hole in the cat
            obj("cat", 2, square(44 + frame, 30, 60, 44), 4.0),
        ])  # fmt: skip
    result = read_isat(project, folder)
    apply_import(project, result)
    (cat,) = project.categories
    assert (cat.name, cat.colour) == ("cat", (0x12, 0x34, 0x56))
    tracks = project.tracks()
    assert [t.name for t in tracks] == ["cat 1", "cat 2"]
    first = project.mask(1, 0, tracks[0].id).mask.to_array()
    parts = [np.array(square(4, 4, 20, 20)), np.array(square(30, 4, 40, 14))]
    hole = polygons_to_mask([np.array(square(8, 8, 12, 12))], H, W)
    want = polygons_to_mask(parts, H, W) & ~hole
    assert np.array_equal(first, want)
    assert project.frames_with_masks(1, tracks[1].id) == [0, 1]


def test_background_only_cuts_what_lies_below_it(tmp_path: Path) -> None:
    project = sequence_project(1)
    isat_file(tmp_path, "frame_000.jpg", [
        obj("dog", 1, square(0, 0, 30, 30), 1.0),
        obj("__background__", 0, square(10, 10, 20, 20), 2.0),
        obj("ball", 2, square(12, 12, 18, 18), 3.0),  # above the cut: whole
    ])  # fmt: skip
    apply_import(project, read_isat(project, tmp_path))
    dog, ball = project.tracks()
    assert project.mask(1, 0, dog.id).mask.area == 30 * 30 - 10 * 10
    assert project.mask(1, 0, ball.id).mask.area == 6 * 6


def test_ungrouped_objects_link_across_frames_unless_told_not_to(tmp_path: Path) -> None:
    for link, tracks in ((True, 1), (False, 2)):
        project = sequence_project()
        folder = tmp_path / f"link_{link}"
        folder.mkdir()
        for frame in (0, 1):
            car = obj("car", 0, square(5 + frame, 5, 30, 30), 1.0)
            isat_file(folder, f"frame_{frame:03d}.jpg", [car])
        apply_import(project, read_isat(project, folder, link=link))
        assert len(project.tracks()) == tracks


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["info"].update(description="labelme"), 'info.description is not "ISAT"'),
        (lambda d: d["info"].update(width=W + 1), f"image is {W + 1}x{H}"),
        (lambda d: d["objects"][0].update(segmentation=[[1, 2], [3, 4]]), ">= 3 points"),
        (lambda d: d["objects"][0].update(segmentation=[[1, 2, 3]] * 3), "[x, y] pairs"),
        (lambda d: d.pop("objects"), "objects"),
    ],
)
def test_bad_files_are_refused_naming_the_file(tmp_path: Path, change, says) -> None:
    project = sequence_project(1)
    path = isat_file(tmp_path, "frame_000.jpg", [obj("cat", 1, square(1, 1, 9, 9), 1.0)])
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(ImportError_) as caught:
        read_isat(project, tmp_path)
    assert says in str(caught.value) and "frame_000.json" in str(caught.value)
    assert project.tracks() == []


def test_isat_is_offered_for_export_and_import() -> None:
    from annotator.io.formats import IMPORT_FORMATS

    assert EXPORTERS["isat"][0] is export_isat and "isat" in IMPORT_FORMATS
