"""Imports of what other tools write: Roboflow names and layouts, YOLOv5/PyYAML yaml forms,
1-based frame names, CVAT's COCO track ids, slightly-off boxes and degenerate polygons."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.io.formats.coco import export_coco
from annotator.io.formats.coco_import import read_coco
from annotator.io.formats.cvat import read_cvat
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.importing import apply_import
from annotator.io.formats.labelme import read_labelme
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.yolo import export_yolo
from annotator.io.formats.yolo_import import read_names, read_yolo
from annotator.io.store import create_project

from .conftest import empty_copy, make_project


@pytest.fixture
def one_video():
    return make_project(videos=((48, 64, 12),))


def _coco_named(project, tmp_path, rename):
    """Our COCO export of `project` with every file_name passed through rename(frame)."""
    export_coco(project, tmp_path / "c", ExportOptions(with_images=False))
    data = json.loads((tmp_path / "c" / "annotations.json").read_text())
    for img in data["images"]:
        img["file_name"] = rename(img["frame_index"])
        del img["video"], img["frame_index"]
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(data))
    return path


def _frames_of(project):
    return sorted({r.frame for r in project.masks(1)})


def test_roboflow_renamed_coco_lands_on_the_right_frames(one_video, tmp_path):
    path = _coco_named(one_video, tmp_path, lambda f: f"frame_{f:06d}_jpg.rf.9f8e7d6c5b4a3921.jpg")
    target = empty_copy(one_video)
    result = read_coco(target, path)
    assert any("Roboflow" in n for n in result.notes)
    apply_import(target, result)
    assert _frames_of(target) == _frames_of(one_video)
    for rec in one_video.masks(1):
        got = [r.mask for r in target.frame_masks(1, rec.frame)]
        assert rec.mask in got


def test_one_based_names_need_the_frame_offset(one_video, tmp_path):
    path = _coco_named(one_video, tmp_path, lambda f: f"{f + 1:06d}.jpg")  # ffmpeg's %06d
    target = empty_copy(one_video)
    with pytest.raises(ImportError_, match=r"past the end.*--frame-offset 1"):
        read_coco(target, path)  # the last frame (12 of 12) shows the names are 1-based
    result = read_coco(target, path, frame_offset=1)
    assert "offset 1 subtracted" in " ".join(result.notes)
    apply_import(target, result)
    assert _frames_of(target) == _frames_of(one_video)


def test_names_starting_at_one_get_a_warning(one_video, tmp_path):
    path = _coco_named(one_video, tmp_path, lambda f: f"img_{f + 1}.jpg")
    data = json.loads(path.read_text())
    keep = {i["id"] for i in data["images"] if i["file_name"] != "img_12.jpg"}
    data["images"] = [i for i in data["images"] if i["id"] in keep]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in keep]
    path.write_text(json.dumps(data))
    notes = read_coco(empty_copy(one_video), path).notes
    assert any("start at 1" in n and "--frame-offset 1" in n for n in notes)


def test_coco_edge_boxes_are_clipped_and_short_parts_dropped(one_video, tmp_path):
    path = _coco_named(one_video, tmp_path, lambda f: f"{f:05d}.jpg")
    data = json.loads(path.read_text())
    first, second = data["annotations"][0], data["annotations"][1]
    first["segmentation"] = []
    first["bbox"] = [40.0, 10.0, 24.5, 38.5]  # 0.5 px past the right and bottom edges
    second["segmentation"] = [[2, 2, 20, 2, 20, 20, 2, 20], [30, 30, 31, 31]]  # 2-point part
    path.write_text(json.dumps(data))
    result = read_coco(empty_copy(one_video), path)
    assert result.masks[0].box == (40.0, 10.0, 64.0, 48.0)
    assert result.masks[1].mask is not None and result.masks[1].mask.area == 18 * 18
    text = " ".join(result.notes)
    assert f"annotation {first['id']}: bbox" in text and "clipped" in text
    assert f"annotation {second['id']}: polygon part 1 has 4 coordinates: dropped" in text


def test_cvat_track_ids_group_annotations_into_tracks(one_video, tmp_path):
    path = _coco_named(one_video, tmp_path, lambda f: f"frame_{f:06d}.png")
    data = json.loads(path.read_text())
    for ann in data["annotations"]:  # CVAT's COCO export: attributes.track_id, no track_id
        ann["attributes"] = {"occluded": False, "track_id": ann.pop("track_id") - 1}
    path.write_text(json.dumps(data))
    result = read_coco(empty_copy(one_video), path)
    assert len(result.tracks) == 3 and len(result.masks) == one_video.count_masks()


def test_the_same_coco_imported_twice_is_refused(one_video, tmp_path, capsys):
    export_coco(one_video, tmp_path / "c", ExportOptions(with_images=False))
    target = empty_copy(one_video)
    apply_import(target, read_coco(target, tmp_path / "c" / "annotations.json"))
    with pytest.raises(ImportError_, match="already in the project"):
        read_coco(target, tmp_path / "c" / "annotations.json")
    assert len(target.tracks()) == 3


def _roboflow_dataset(project, tmp_path) -> Path:
    """Our YOLO export re-laid out as Roboflow writes it: train/, valid/, data.yaml with
    ../train/images, names as a YOLOv5 multi-line list, Roboflow file names."""
    export_yolo(project, tmp_path / "ours", ExportOptions(with_images=False, val_fraction=0.3))
    root = tmp_path / "rf"
    for ours, theirs in (("train", "train"), ("val", "valid")):
        (root / theirs / "labels").mkdir(parents=True)
        (root / theirs / "images").mkdir(parents=True)
        for f in (tmp_path / "ours" / "labels" / ours).iterdir():
            frame = int(f.stem.rsplit("_f", 1)[1])
            name = f"frame_{frame:06d}_jpg.rf.0123456789abcdef0123456789abcdef.txt"
            shutil.copy(f, root / theirs / "labels" / name)
    (root / "data.yaml").write_text(
        "train: ../train/images\nval: ../valid/images\ntest: ../test/images\n\nnc: 2\n"
        "names:\n- person\n- dog car\n\nroboflow:\n  workspace: w\n  version: 1\n"
    )
    return root


def test_roboflow_yolo_layout_imports(one_video, tmp_path):
    root = _roboflow_dataset(one_video, tmp_path)
    target = empty_copy(one_video)
    apply_import(target, read_yolo(target, root, task="segment"))
    assert _frames_of(target) == _frames_of(one_video)
    assert target.count_masks() == one_video.count_masks()


def test_yaml_forms_pyyaml_reads(tmp_path):
    for text in ("names: {0: a, 1: b}\n", "names:\n  0: a\n  1: b\n", "names: [a, b]\n",
                 "names:\n  - a\n  - 'b'\n", "nc: 2\nnames: ['a',\n  'b']\n"):  # fmt: skip
        (tmp_path / "data.yaml").write_text(text)
        assert read_names(tmp_path / "data.yaml") == ["a", "b"], text
    (tmp_path / "data.yaml").write_text("names: {0: a, 2: b}\n")
    with pytest.raises(ImportError_, match="0..N-1"):
        read_names(tmp_path / "data.yaml")
    (tmp_path / "data.yaml").write_text("names: [a, b\n")
    with pytest.raises(ImportError_, match=r"data.yaml:2: invalid YAML"):
        read_names(tmp_path / "data.yaml")


def test_a_box_row_in_a_segment_file_skips_that_row_only(one_video, tmp_path):
    export_yolo(one_video, tmp_path / "s", ExportOptions(with_images=False))
    label = sorted((tmp_path / "s" / "labels" / "train").iterdir())[2]
    rows = label.read_text().splitlines()
    label.write_text("\n".join([*rows, "0 0.5 0.5 0.2 0.2", "1 0.1 0.1 0.1 0.1 0.1 0.1"]) + "\n")
    result = read_yolo(empty_copy(one_video), tmp_path / "s", task="segment")
    n = len(rows)
    text = " ".join(result.notes)
    assert f"{label}:{n + 1}: a box row in a segment dataset: row skipped" in text
    assert f"{label}:{n + 2}: the polygon covers no pixel: row skipped" in text
    assert len(result.masks) == one_video.count_masks()


def test_import_cli_reports_notes_and_takes_a_frame_offset(tmp_path, capsys):
    project = make_project(videos=((48, 64, 6),))
    path = _coco_named(project, tmp_path, lambda f: f"{f + 1:06d}.jpg")
    target = tmp_path / "t.annot"
    with create_project(target) as q:
        q.put_video(project.video(1))
    args = ["import", str(target), "--format", "coco", str(path)]
    assert main(args) == 1
    assert "--frame-offset 1" in capsys.readouterr().err
    assert main([*args, "--frame-offset", "1"]) == 0
    captured = capsys.readouterr()
    assert "offset 1 subtracted" in captured.err and "added 3 tracks" in captured.out
    assert main([*args, "--frame-offset", "1"]) == 1
    assert "already in the project" in capsys.readouterr().err


def test_foreign_names_in_a_two_video_project_ask_for_the_video(project, tmp_path):
    export_coco(project, tmp_path / "c", ExportOptions(with_images=False))
    data = json.loads((tmp_path / "c" / "annotations.json").read_text())
    data["images"] = [i for i in data["images"] if i["video"] == "clip_1_v1"]
    for img in data["images"]:
        img["file_name"] = f"{img['frame_index']:05d}.jpg"
    keep = {i["id"] for i in data["images"]}
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in keep]
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ImportError_, match=r"'00000.jpg' matches no video frame.*--video ID"):
        read_coco(empty_copy(project), path)
    result = read_coco(empty_copy(project), path, video_id=1)
    assert {t.video_id for t in result.tracks} == {1}


CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><name>clip_1_v1</name><size>12</size></task></meta>
  <track id="0" label="person" source="manual">
    <box frame="0" outside="0" occluded="0" keyframe="1" xtl="2.0" ytl="3.0" xbr="20.5" ybr="30.0"/>
    <box frame="1" outside="0" occluded="0" keyframe="0" xtl="3.0" ytl="3.0" xbr="21.5" ybr="30.0"/>
    <box frame="2" outside="1" occluded="0" keyframe="1" xtl="3.0" ytl="3.0" xbr="21.5" ybr="30.0"/>
  </track>
  <track id="1" label="cat" source="semi-auto">
    <polygon frame="5" outside="0" occluded="0" keyframe="1" points="10,10;30,10;30,30;10,30"/>
  </track>
</annotations>
"""


def test_cvat_xml_as_cvat_writes_it(one_video, tmp_path):
    (tmp_path / "clip_1_v1").mkdir()
    (tmp_path / "clip_1_v1" / "annotations.xml").write_text(CVAT_XML)
    result = read_cvat(empty_copy(one_video), tmp_path)
    assert [(t.category, t.name) for t in result.tracks] == [
        ("person", "person 0"),
        ("cat", "cat 1"),
    ]
    assert result.new_categories == ["cat"]
    boxes = [(m.frame, m.box) for m in result.masks if m.box is not None]
    assert boxes == [(0, (2.0, 3.0, 20.5, 30.0)), (1, (3.0, 3.0, 21.5, 30.0))]  # outside: gone
    (poly,) = [m for m in result.masks if m.mask is not None]
    assert poly.frame == 5 and poly.mask.area == 20 * 20


def test_labelme_as_labelme_writes_it(one_video, tmp_path):
    doc = {
        "version": "5.5.0",
        "flags": {},
        "imagePath": "..\\\\frames\\\\frame_0003.jpg",
        "imageData": None,
        "imageHeight": 48,
        "imageWidth": 64,
        "shapes": [
            {
                "label": "dog",
                "points": [[5, 5], [25, 5], [25, 25], [5, 25]],
                "group_id": None,
                "shape_type": "polygon",
                "flags": {},
            },
            {
                "label": "dog",
                "points": [[30, 30], [40, 44]],
                "group_id": None,
                "shape_type": "rectangle",
                "flags": {},
            },
            {"label": "x", "points": [[1, 1]], "group_id": None, "shape_type": "point"},
        ],
    }
    (tmp_path / "frame_0003.json").write_text(json.dumps(doc))
    result = read_labelme(empty_copy(one_video), tmp_path)
    assert [m.frame for m in result.masks] == [3, 3]
    assert result.masks[0].mask.area == 20 * 20 and result.masks[1].box == (30, 30, 40, 44)
    assert result.new_categories == ["dog"]
    assert "shapes left out (only polygons and rectangles are read): 1 point" in result.notes


def test_x_anylabeling_files_import_with_their_four_corner_rectangles(one_video, tmp_path):
    """X-AnyLabeling writes labelme files with more keys, rectangles by their 4 corners and
    shape types labelme lacks (rotation): the boxes and polygons come in, the rest is said."""
    extra = {"description": "", "difficult": False, "attributes": {}, "kie_linking": []}
    shapes = [
        {"label": "car", "points": [[10, 8], [30, 8], [30, 20], [10, 20]], "group_id": None,
         "shape_type": "rectangle", "flags": {}, **extra},
        {"label": "car", "points": [[40, 5], [60, 5], [60, 25]], "group_id": 2,
         "shape_type": "polygon", "flags": {}, **extra},
        {"label": "sign", "points": [[1, 1], [9, 1], [9, 9], [1, 9]], "group_id": None,
         "shape_type": "rotation", "direction": 0.3, "flags": {}, **extra},
        {"label": "sign", "points": [[5, 5], [8, 8]], "group_id": None,
         "shape_type": "circle", "flags": {}, **extra},
    ]  # fmt: skip
    doc = {"version": "3.2.0", "flags": {}, "shapes": shapes, "imagePath": "clip_000004.jpg",
           "imageData": None, "imageHeight": 48, "imageWidth": 64, "description": ""}  # fmt: skip
    (tmp_path / "clip_000004.json").write_text(json.dumps(doc))
    result = read_labelme(empty_copy(one_video), tmp_path)
    assert [(m.frame, m.box) for m in result.masks if m.box] == [(4, (10.0, 8.0, 30.0, 20.0))]
    (polygon,) = [m for m in result.masks if m.mask is not None]
    assert polygon.mask.area > 0
    assert "shapes left out (only polygons and rectangles are read): 1 circle, 1 rotation" in (
        result.notes
    )
