"""COCO export/import: pycocotools reads it back exactly; round trips are byte-identical."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from annotator.domain import Project, Provenance
from annotator.io.formats.coco import export_coco
from annotator.io.formats.coco_import import read_coco
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.importing import apply_import
from annotator.io.formats.options import ExportOptions

from .conftest import empty_copy, frame_image


def _load(path: Path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


def _stored_by_image(project: Project, coco: COCO) -> dict[int, list[np.ndarray]]:
    """image id -> stored masks of that frame (sorted by track id, non-empty only)."""
    videos = {f"clip_{v.id}_v{v.id}": v for v in project.videos}
    out = {}
    for img in coco.dataset["images"]:
        video = videos[img["video"]]
        recs = project.frame_masks(video.id, img["frame_index"])
        out[img["id"]] = [r.mask.to_array() for r in recs if not r.mask.is_empty]
    return out


@pytest.mark.parametrize("segmentation", ["rle", "polygons"])
def test_export_decodes_to_the_stored_masks(project, open_frames, tmp_path, segmentation):
    opts = ExportOptions(segmentation=segmentation)
    summary = export_coco(project, tmp_path, opts, open_frames)
    coco = _load(tmp_path / "annotations.json")
    data = coco.dataset
    assert set(data) >= {"info", "licenses", "images", "annotations", "categories"}
    assert [c["id"] for c in data["categories"]] == [1, 2]
    assert len(data["images"]) == sum(v.num_frames for v in project.videos) == summary.images
    assert len({i["file_name"] for i in data["images"]}) == len(data["images"])
    stored = _stored_by_image(project, coco)
    n = 0
    for img_id, masks in stored.items():
        anns = sorted(coco.imgToAnns[img_id], key=lambda a: a["id"])
        assert len(anns) == len(masks)
        for ann, want in zip(anns, masks, strict=True):
            n += 1
            assert ann["id"] >= 1 and ann["iscrowd"] == 0 and ann["category_id"] in (1, 2)
            got = coco.annToMask(ann).astype(bool)
            assert np.array_equal(got, want)  # exact, polygons included (quarter-pixel inset)
            rle = coco.annToRLE(ann)
            assert ann["area"] == float(mask_utils.area(rle))
            assert ann["bbox"] == [float(v) for v in mask_utils.toBbox(rle)]
            if segmentation == "rle":
                assert isinstance(ann["segmentation"]["counts"], str)
            else:
                for poly in ann["segmentation"]:
                    assert len(poly) % 2 == 0 and len(poly) >= 6  # never a 2-point "box"
    assert n == summary.annotations > 0
    # frame images exist, at the right size and content
    first = data["images"][0]
    img = cv2.imread(str(tmp_path / "images" / first["file_name"]))
    assert img.shape == (first["height"], first["width"], 3)
    video = project.video(1)
    expected = cv2.cvtColor(frame_image(video, first["frame_index"]), cv2.COLOR_RGB2BGR)
    assert np.abs(img.astype(int) - expected).mean() < 4  # JPEG


@pytest.mark.parametrize("iou_type", ["segm", "bbox"])
def test_cocoeval_of_export_against_itself_is_perfect(project, tmp_path, iou_type):
    export_coco(project, tmp_path, ExportOptions(with_images=False))
    gt = _load(tmp_path / "annotations.json")
    results = [
        {k: a[k] for k in ("image_id", "category_id", "segmentation", "bbox")} | {"score": 1.0}
        for a in gt.dataset["annotations"]
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, iou_type)
        per_image = max(len(v) for v in gt.imgToAnns.values())
        ev.params.maxDets = [1, 10, max(100, per_image + 1)]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)  # AP@[.5:.95]
    assert ev.stats[1] == pytest.approx(1.0)  # AP@.5


@pytest.mark.parametrize("segmentation", ["rle", "polygons"])
def test_round_trip_is_identical(project, tmp_path, segmentation):
    opts = ExportOptions(segmentation=segmentation, with_images=False)
    export_coco(project, tmp_path / "a", opts)
    target = empty_copy(project)
    result = read_coco(target, tmp_path / "a" / "annotations.json")
    apply_import(target, result)
    assert all(
        r.provenance is Provenance.IMPORTED for v in target.videos for r in target.masks(v.id)
    )
    assert len(target.tracks()) == len(project.tracks())
    export_coco(target, tmp_path / "b", opts)
    a = (tmp_path / "a" / "annotations.json").read_bytes()
    b = (tmp_path / "b" / "annotations.json").read_bytes()
    assert a == b


def test_frames_every_categories_and_split(project, tmp_path):
    opts = ExportOptions(
        frames=((1, 5),), every=2, categories=("dog car",), val_fraction=0.5, with_images=False
    )
    export_coco(project, tmp_path, opts)
    train = json.loads((tmp_path / "annotations_train.json").read_text())
    val = json.loads((tmp_path / "annotations_val.json").read_text())
    frames = sorted(i["frame_index"] for d in (train, val) for i in d["images"])
    assert frames == [1, 1, 3, 3, 5, 5]  # both videos, frames 1, 3, 5
    assert {i["video"] for i in train["images"]}.isdisjoint({i["video"] for i in val["images"]})
    for d in (train, val):
        assert [c["name"] for c in d["categories"]] == ["dog car"]
        assert {a["category_id"] for a in d["annotations"]} <= {1}
    ids = [i["id"] for d in (train, val) for i in d["images"]]
    assert len(set(ids)) == len(ids)


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def _snapshot(p: Project) -> tuple:
    masks = [(r.key, r.mask) for v in p.videos for r in p.masks(v.id)]
    return (p.categories, p.tracks(), masks)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["images"][0].update(width=99), "image is 99x96"),
        (lambda d: d["images"][0].update(file_name="../../etc/passwd_v1_f000001.jpg"), "escapes"),
        (lambda d: d["images"][0].update(file_name="/abs/clip_1_v1_f000001.jpg"), "escapes"),
        (lambda d: d["annotations"][3].update(category_id=7), "category_id 7"),
        (lambda d: d["annotations"][3].update(image_id=10**30), "out of range"),
        (lambda d: d["annotations"][3].update(segmentation=[[0, 0, 5, 5, 500, 3]]), "outside"),
        (lambda d: d["annotations"][3].update(segmentation=[[0, 0, 5, 5, 7]]), "even number"),
        (lambda d: d["annotations"][3]["segmentation"].update(counts="!!"), "bad RLE"),
        (lambda d: d["annotations"][3]["segmentation"].update(size=[1, 2]), "RLE size"),
        (lambda d: d["annotations"][3].update(id="7"), "must be an integer"),
        (lambda d: d["annotations"][3].update(id=d["annotations"][2]["id"]), "duplicate"),
    ],
)
def test_malformed_import_names_the_problem_and_changes_nothing(project, tmp_path, mutate, message):
    export_coco(project, tmp_path, ExportOptions(with_images=False))
    data = json.loads((tmp_path / "annotations.json").read_text())
    mutate(data)
    bad = _write(tmp_path / "bad.json", data)
    target = empty_copy(project)
    before = _snapshot(target)
    with pytest.raises(ImportError_, match=message) as info:
        read_coco(target, bad)
    assert "bad.json" in str(info.value)
    assert _snapshot(target) == before


def test_truncated_json_reports_the_line(tmp_path, project):
    bad = tmp_path / "t.json"
    bad.write_text('{\n"images": [\n{"id": 1,\n')
    with pytest.raises(ImportError_, match=r"t\.json:4: invalid JSON"):
        read_coco(project, bad)


def test_bbox_only_annotations_become_box_prompts(project, tmp_path):
    target = empty_copy(project)
    data = {
        "images": [{"id": 1, "file_name": "clip_1_v1_f000002.jpg", "width": 128, "height": 96}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40]}],
    }
    apply_import(target, read_coco(target, _write(tmp_path / "b.json", data)))
    (track,) = target.tracks()
    assert target.category(track.category_id).name == "cat"
    rec = target.mask(1, 2, track.id)
    assert rec is not None and rec.mask.is_empty and rec.prompt is not None
    assert rec.prompt.box == (10.0, 20.0, 40.0, 60.0)


def test_a_changed_video_file_is_refused(project, tmp_path):
    from annotator.io.formats.errors import ExportError

    from .conftest import GeneratedFrames

    class Changed(GeneratedFrames):
        fingerprint = "something else"

    with pytest.raises(ExportError, match="changed since it was annotated"):
        export_coco(project, tmp_path, ExportOptions(), Changed)
    with pytest.raises(ExportError, match="frame opener"):
        export_coco(project, tmp_path, ExportOptions())
