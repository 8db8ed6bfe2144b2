"""Our YouTube-VIS, DAVIS and MOT exports imported back: masks exact, boxes as box prompts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from annotator.domain import FrameMask, Mask, Project, Provenance, Track
from annotator.io.formats import EXPORT_DESCRIPTIONS, EXPORTERS
from annotator.io.formats.cvat import export_cvat, read_cvat
from annotator.io.formats.davis import export_davis
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.importing import apply_import
from annotator.io.formats.labelme import export_labelme, read_labelme
from annotator.io.formats.mot import export_mot
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.video_import import palette_indices, read_davis, read_mot, read_ytvis
from annotator.io.formats.voc import export_voc, read_voc
from annotator.io.formats.ytvis import export_ytvis

from .conftest import empty_copy, make_project

NO_IMAGES = ExportOptions(with_images=False)


def _masks(project: Project) -> dict[tuple[int, int], list[Mask]]:
    """(video, frame) -> the sorted non-empty masks there (track ids differ after import)."""
    out: dict[tuple[int, int], list[Mask]] = {}
    for v in project.videos:
        for r in project.masks(v.id):
            if not r.mask.is_empty:
                out.setdefault((v.id, r.frame), []).append(r.mask)
    return {k: sorted(m, key=lambda m: m.counts) for k, m in out.items()}


def test_ytvis_round_trip_is_exact(project, tmp_path):
    export_ytvis(project, tmp_path, NO_IMAGES)
    target = empty_copy(project)
    apply_import(target, read_ytvis(target, tmp_path / "annotations.json"))
    assert _masks(target) == _masks(project)
    assert len(target.tracks()) == len(project.tracks())
    for t in target.tracks():
        assert target.category(t.category_id).name in ("person", "dog car")
    with pytest.raises(ImportError_, match="already in the project"):
        read_ytvis(target, tmp_path / "annotations.json")


def _disjoint_project() -> Project:
    """Masks that never overlap (a DAVIS label map holds one object per pixel)."""
    p = make_project(videos=((40, 60, 5),))
    with p.transaction():
        for f in range(5):
            for k, t in enumerate(p.tracks(1)):
                m = np.zeros((40, 60), bool)
                m[5 + k * 10 : 12 + k * 10, 3 + f : 30 + 2 * f] = True
                m[7 + k * 10, 10] = False  # a hole
                p.put_masks([FrameMask(1, f, t.id, Mask.from_array(m), Provenance.EDITED)])
    return p


def test_davis_round_trip_is_exact_with_names_and_categories(tmp_path):
    project = _disjoint_project()
    export_davis(project, tmp_path, NO_IMAGES)
    target = empty_copy(project)
    result = read_davis(target, tmp_path)
    apply_import(target, result)
    assert _masks(target) == _masks(project)
    got = sorted((t.name, target.category(t.category_id).name) for t in target.tracks())
    names = {c.id: c.name for c in project.categories}
    assert got == sorted((t.name, names[t.category_id]) for t in project.tracks())


def test_mot_boxes_come_back_as_box_prompts(project, tmp_path):
    export_mot(project, tmp_path, NO_IMAGES)
    target = empty_copy(project)
    apply_import(target, read_mot(target, tmp_path))
    by_name = {t.name: t for t in target.tracks()}
    assert set(by_name) == {t.name for t in project.tracks()}
    for track in project.tracks():
        new: Track = by_name[track.name]
        assert new.category_id == track.category_id and new.video_id == track.video_id
        want = {r.frame: r.mask.bbox for r in project.masks(track.video_id, track=track.id)}
        got = {r.frame: r.prompt.box for r in target.masks(new.video_id, track=new.id)}
        assert set(got) == set(want)
        for f, (x, y, w, h) in want.items():
            assert got[f] == (x, y, x + w, y + h)


def test_mot_rows_out_of_the_video_name_the_line(project, tmp_path):
    export_mot(project, tmp_path, NO_IMAGES)
    gt = tmp_path / "clip_1_v1" / "gt" / "gt.txt"
    gt.write_text(gt.read_text() + "99,1,1,1,5,5,1,1,1\n")
    n = len(gt.read_text().splitlines())
    with pytest.raises(ImportError_, match=rf"gt.txt:{n}: frame 99 is outside video 1"):
        read_mot(empty_copy(project), tmp_path)


def test_cvat_video_xml_tracks_with_outside_frames_round_trip(project, tmp_path):
    export_cvat(project, tmp_path, NO_IMAGES)
    root = ET.parse(tmp_path / "clip_1_v1" / "annotations.xml").getroot()
    assert root.findtext("version") == "1.1"
    task = root.find("meta/task")
    assert (task.findtext("size"), task.findtext("stop_frame")) == ("8", "7")
    assert [lb.findtext("name") for lb in task.find("labels")] == ["person", "dog car"]
    tracks = root.findall("track")
    assert [t.get("id") for t in tracks] == ["0", "1", "2"]
    first = project.tracks(1)[0]  # absent on frame 4: outside=1 there, back on frame 5
    shapes = {int(p.get("frame")): p.get("outside") for p in tracks[0].findall("polygon")}
    present = {r.frame for r in project.masks(1, track=first.id)}
    assert {f for f, o in shapes.items() if o == "0"} == present
    assert shapes[4] == "1" and 8 not in shapes
    target = empty_copy(project)
    apply_import(target, read_cvat(target, tmp_path))
    assert _masks(target) == _masks(project)
    assert len(target.tracks()) == len(project.tracks())


def test_labelme_round_trip_keeps_tracks_through_group_ids(project, tmp_path):
    export_labelme(project, tmp_path, NO_IMAGES)
    doc = json.loads((tmp_path / "clip_1_v1_f000000.json").read_text())
    assert doc["imagePath"] == "clip_1_v1_f000000.jpg" and doc["imageData"] is None
    assert (doc["imageWidth"], doc["imageHeight"]) == (128, 96)
    assert {s["shape_type"] for s in doc["shapes"]} == {"polygon"}
    assert [s["group_id"] for s in doc["shapes"]] == [1, 2, 3]
    target = empty_copy(project)
    apply_import(target, read_labelme(target, tmp_path))
    assert _masks(target) == _masks(project)
    assert len(target.tracks()) == len(project.tracks())


def test_voc_pngs_use_the_voc_palette_and_round_trip(tmp_path):
    project = _disjoint_project()
    export_voc(project, tmp_path, ExportOptions(with_images=False))
    name = "clip_1_v1_f000002"
    data = (tmp_path / "SegmentationClass" / f"{name}.png").read_bytes()
    start = data.index(b"PLTE")
    palette = np.frombuffer(data[start + 4 : start + 4 + 768], np.uint8).reshape(-1, 3)
    assert palette[1].tolist() == [128, 0, 0] and palette[2].tolist() == [0, 128, 0]  # VOC's
    classes = palette_indices(tmp_path / "SegmentationClass" / f"{name}.png")
    objects = palette_indices(tmp_path / "SegmentationObject" / f"{name}.png")
    tracks = project.tracks(1)
    for k, track in enumerate(tracks, start=1):
        want = project.mask(1, 2, track.id).mask.to_array()
        assert np.array_equal(objects == k, want)
        assert np.all(classes[want] == track.category_id)
    sets = (tmp_path / "ImageSets" / "Segmentation" / "train.txt").read_text().split()
    assert sets == [f"clip_1_v1_f{f:06d}" for f in range(5)]
    labelmap = (tmp_path / "labelmap.txt").read_text().splitlines()
    assert labelmap[1:] == ["background:0,0,0::", "person:128,0,0::", "dog car:0,128,0::"]
    target = empty_copy(project)
    apply_import(target, read_voc(target, tmp_path))
    assert _masks(target) == _masks(project)
    assert sorted(target.category(t.category_id).name for t in target.tracks())[:1] == ["dog car"]


def test_every_exporter_has_a_description():
    assert set(EXPORT_DESCRIPTIONS) == set(EXPORTERS)
