"""Fuzzed imports never crash (only ImportError_) and never change the project on failure."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.domain import Project
from annotator.io.formats.coco import export_coco
from annotator.io.formats.coco_import import read_coco
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.importing import apply_import
from annotator.io.formats.isat import export_isat, read_isat
from annotator.io.formats.label_studio import read_label_studio
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.sav import read_sav
from annotator.io.formats.yolo import export_yolo
from annotator.io.formats.yolo_import import read_yolo

from .conftest import empty_copy, make_project

FUZZ = settings(
    max_examples=int(os.environ.get("ANNOTATOR_FUZZ_EXAMPLES", "60")),  # raise to hunt
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0, -1, 2**63, 10**400, 1e308, "", "../x.jpg", "/etc/passwd", "C:\\x"])
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):  # the first items are enough to reach every field
            out += _paths(v, (*prefix, i))
    return out


def _replace(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def _fuzzed(doc: Any, data: st.DataObject) -> Any:
    """`doc` with a wrong value drawn for one place drawn in it."""
    path = data.draw(st.sampled_from(_paths(doc)))
    return _replace(doc, path, data.draw(json_values))


def _snapshot(p: Project) -> tuple:
    return (
        p.categories,
        p.videos,
        p.tracks(),
        [(r.key, r.mask) for v in p.videos for r in p.masks(v.id)],
    )


def _import_or_refuse(target: Project, read) -> None:
    """Run a reader + apply; on ImportError_ the project must be exactly as before."""
    before = _snapshot(target)
    try:
        apply_import(target, read())
    except ImportError_:
        assert _snapshot(target) == before


@pytest.fixture(scope="module")
def small_project() -> Project:
    return make_project(videos=((24, 32, 3), (20, 28, 2)))


@pytest.fixture(scope="module")
def coco_doc(small_project, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("coco")
    export_coco(small_project, out, ExportOptions(with_images=False, segmentation="polygons"))
    doc = json.loads((out / "annotations.json").read_text())
    # keep a few RLE annotations too, so both segmentation kinds get fuzzed
    export_coco(small_project, out / "rle", ExportOptions(with_images=False))
    rle = json.loads((out / "rle" / "annotations.json").read_text())
    doc["annotations"][1]["segmentation"] = rle["annotations"][1]["segmentation"]
    return doc


@FUZZ
@given(data=st.data())
def test_coco_with_a_wrong_value_anywhere(small_project, coco_doc, tmp_path, data):
    doc = _fuzzed(coco_doc, data)
    file = tmp_path / "fuzz.json"
    file.write_text(json.dumps(doc))
    _import_or_refuse(empty_copy(small_project), lambda: read_coco(small_project, file))


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**6))
def test_coco_truncated_anywhere(small_project, coco_doc, tmp_path, cut):
    text = json.dumps(coco_doc, indent=1)
    file = tmp_path / "cut.json"
    file.write_text(text[: cut % len(text)])
    target = empty_copy(small_project)
    with pytest.raises(ImportError_):
        apply_import(target, read_coco(target, file))
    assert _snapshot(target) == _snapshot(empty_copy(small_project))


@FUZZ
@given(name=st.sampled_from(["../", "..\\", "/", "C:/", "\\\\host\\", "a/../../", "\x00"]))
def test_coco_file_names_escaping_the_folder(small_project, coco_doc, tmp_path, name):
    doc = copy.deepcopy(coco_doc)
    doc["images"][0]["file_name"] = name + doc["images"][0]["file_name"]
    file = tmp_path / "paths.json"
    file.write_text(json.dumps(doc))
    with pytest.raises(ImportError_):
        read_coco(small_project, file)


line_tokens = st.lists(
    st.sampled_from(["0", "1", "2", "-1", "0.5", "1.5", "1e999", "nan", "inf", "x", "", "9" * 30])
    | st.floats(allow_nan=True).map(str),
    max_size=12,
)


@FUZZ
@given(
    lines=st.lists(line_tokens.map(" ".join), min_size=1, max_size=4), target_file=st.integers(0, 4)
)
def test_yolo_label_garbage(small_project, tmp_path_factory, lines, target_file):
    root = tmp_path_factory.mktemp("yolo")
    export_yolo(small_project, root, ExportOptions(with_images=False))
    label = sorted((root / "labels").rglob("*.txt"))[target_file]
    label.write_text("\n".join(lines) + "\n")
    target = empty_copy(small_project)
    _import_or_refuse(target, lambda: read_yolo(target, root))
    shutil.rmtree(root)


@FUZZ
@given(text=st.text(max_size=80))
def test_yolo_yaml_garbage(small_project, tmp_path_factory, text):
    root = tmp_path_factory.mktemp("yaml")
    export_yolo(small_project, root, ExportOptions(with_images=False))
    (root / "data.yaml").write_text(text)
    target = empty_copy(small_project)
    _import_or_refuse(target, lambda: read_yolo(target, root))
    shutil.rmtree(root)


@pytest.fixture(scope="module")
def sav_doc(shared_dir) -> dict:
    doc = json.loads((shared_dir / "data" / "sav" / "sav_000001_manual.json").read_text())
    doc["masklet"] = doc["masklet"][:3]  # keep the fuzz cheap: three annotated frames
    return doc


@FUZZ
@given(data=st.data())
def test_sav_with_a_wrong_value_anywhere(sav_doc, tmp_path, data):
    from annotator.domain import Video

    doc = _fuzzed(sav_doc, data)
    file = tmp_path / "sav.json"
    file.write_text(json.dumps(doc))
    target = Project()
    target.put_video(Video(1, "/v/sav.mp4", "fp", 24.0, 480, 848, 483))
    _import_or_refuse(target, lambda: read_sav(target, file))


def test_missing_and_non_json_files(small_project, tmp_path: Path):
    with pytest.raises(ImportError_, match="cannot read"):
        read_coco(small_project, tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ImportError_):
        read_coco(small_project, tmp_path / "bin.json")
    (tmp_path / "deep.json").write_text("[" * 100_000)
    with pytest.raises(ImportError_):
        read_coco(small_project, tmp_path / "deep.json")


@pytest.fixture(scope="module")
def isat_doc(small_project, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("isat")
    export_isat(small_project, out / "isat", ExportOptions(with_images=False))
    first = sorted((out / "isat").glob("*_f000001.json"))[0]
    return json.loads(first.read_text())


@FUZZ
@given(data=st.data())
def test_isat_with_a_wrong_value_anywhere(small_project, isat_doc, tmp_path, data):
    doc = _fuzzed(isat_doc, data)
    folder = tmp_path / "isat"
    folder.mkdir(exist_ok=True)
    (folder / "clip_1_v1_f000001.json").write_text(json.dumps(doc))
    _import_or_refuse(empty_copy(small_project), lambda: read_isat(small_project, folder))


LABEL_STUDIO_TASKS = [
    {"id": 1, "data": {"image": "/data/upload/1/3f8a1b2c-clip_1_v1_f000001.jpg"},
     "annotations": [{"id": 2, "was_cancelled": False, "result": [
         {"id": "p", "type": "polygonlabels", "original_width": 32, "original_height": 24,
          "value": {"points": [[10, 10], [60, 10], [40, 70]], "polygonlabels": ["person"]}},
         {"id": "b", "type": "rectanglelabels", "original_width": 32, "original_height": 24,
          "value": {"x": 5, "y": 5, "width": 50, "height": 40, "rotation": 0,
                    "rectanglelabels": ["dog car"]}},
         {"id": "r", "type": "brushlabels", "original_width": 32, "original_height": 24,
          "value": {"format": "rle", "brushlabels": ["person"],  # label-studio-converter's
                    "rle": [0, 0, 12, 0, 57, 27, 255, 2, 23, 0, 198, 255, 249, 28, 3, 27, 255,
                            228, 112, 12, 111, 255, 145, 192, 49, 191, 254, 71, 0, 198, 255,
                            249, 28, 3, 27, 255, 228, 112, 12, 111, 255, 145, 192, 49, 191,
                            255, 6, 47, 0, 0]}},
     ]}]},
]  # fmt: skip


def test_the_label_studio_tasks_fuzzed_import_as_they_are(small_project, tmp_path):
    file = tmp_path / "tasks.json"
    file.write_text(json.dumps(LABEL_STUDIO_TASKS))
    target = empty_copy(small_project)
    apply_import(target, read_label_studio(small_project, file))
    assert sorted(t.name for t in target.tracks()) == ["dog car b", "person p", "person r"]
    (brush,) = [t for t in target.tracks() if t.name == "person r"]
    assert target.mask(1, 1, brush.id).mask.area == 8 * 14


@FUZZ
@given(data=st.data())
def test_label_studio_with_a_wrong_value_anywhere(small_project, tmp_path, data):
    doc = _fuzzed(LABEL_STUDIO_TASKS, data)
    file = tmp_path / "tasks.json"
    file.write_text(json.dumps(doc))
    _import_or_refuse(empty_copy(small_project), lambda: read_label_studio(small_project, file))
