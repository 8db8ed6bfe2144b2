"""Label Studio's JSON export imports: brush masks in its own run-length code (the codes below
were written by label-studio-converter 0.0.59's `mask2rle`, the encoder Label Studio's tools
use), polygons and boxes in percent, video box tracks, and what is left out is said."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.io.formats import ImportError_, apply_import, read_label_studio
from annotator.io.formats.label_studio import decode_brush, media_name
from annotator.io.media import create_project_with_media

# mask2rle of a 4x6 mask: pixel (0, 0) and rows 1-2, columns 2-4
SMALL = [0, 0, 0, 96, 57, 27, 252, 127, 248, 108, 2, 223, 253, 176, 11, 127, 248, 108, 0]
# mask2rle of a 10x12 mask: rows 1-8 x columns 2-10 less a 2x3 hole at rows 4-5, columns
# 5-7, and pixel (0, 11): 67 pixels
HOLED = [0, 0, 1, 224, 57, 27, 254, 43, 0, 143, 254, 112, 12, 71, 255, 108, 3, 17, 255, 219,
         0, 196, 127, 246, 192, 45, 255, 219, 0, 183, 255, 108, 2, 223, 253, 176, 11, 127, 246,
         192, 49, 31, 253, 176, 12, 71, 255, 108, 3, 17, 255, 227, 48, 0]  # fmt: skip


def holed_mask() -> np.ndarray:
    mask = np.zeros((10, 12), bool)
    mask[1:9, 2:11] = True
    mask[4:6, 5:8] = False
    mask[0, 11] = True
    return mask


def test_brush_codes_decode_to_the_masks_label_studio_encoded() -> None:
    small = decode_brush(SMALL).reshape(4, 6, 4)[:, :, 3] > 0
    want = np.zeros((4, 6), bool)
    want[0, 0] = True
    want[1:3, 2:5] = True
    assert np.array_equal(small, want)
    assert np.array_equal(decode_brush(HOLED).reshape(10, 12, 4)[:, :, 3] > 0, holed_mask())
    with pytest.raises(ValueError, match="ends early"):
        decode_brush(HOLED[:20])


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ({"image": "/data/upload/3/3f8a1b2c-cars.jpg"}, "cars.jpg"),
        ({"image": "/data/local-files/?d=photos/my%20cars.jpg"}, "my cars.jpg"),
        ({"img": "s3://bucket/set/cars.jpg"}, "cars.jpg"),
        ({"video": "/data/upload/1/0123abcd-clip.mp4", "title": "x"}, "clip.mp4"),
        ({"text": "no media"}, None),
    ],
)
def test_the_media_a_task_names(data, name) -> None:
    assert media_name(data) == name


@pytest.fixture
def photos(tmp_path: Path):
    """A photo project of scan.png (12x10) and tiny.png (6x4)."""
    for name, (w, h) in (("scan.png", (12, 10)), ("tiny.png", (6, 4))):
        cv2.imwrite(str(tmp_path / name), np.full((h, w, 3), 90, np.uint8))
    project, _ = create_project_with_media(
        tmp_path / "p.annotator", [tmp_path / "scan.png", tmp_path / "tiny.png"], photos=True
    )
    yield project
    project.close()


def brush(region: str, code: list[int], w: int, h: int, label: str) -> dict:
    return {"id": region, "type": "brushlabels", "from_name": "tag", "to_name": "image",
            "original_width": w, "original_height": h, "image_rotation": 0,
            "value": {"format": "rle", "rle": code, "brushlabels": [label]}}  # fmt: skip


def write(tmp_path: Path, tasks: list[dict]) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    return path


def test_a_label_studio_export_imports_onto_its_photos(photos, tmp_path) -> None:
    polygon = {"id": "p1", "type": "polygonlabels", "original_width": 12,
               "original_height": 10, "value": {"points": [[0, 0], [50, 0], [50, 50]],
                                                "polygonlabels": ["cat"]}}  # fmt: skip
    box = {"id": "b1", "type": "rectanglelabels", "original_width": 12, "original_height": 10,
           "value": {"x": 25, "y": 10, "width": 50, "height": 80, "rotation": 0,
                     "rectanglelabels": ["dog"]}}  # fmt: skip
    choice = {"id": "c1", "type": "choices", "value": {"choices": ["indoor"]}}
    tasks = [
        {"id": 1, "data": {"image": "/data/upload/1/3f8a1b2c-scan.png"},
         "annotations": [{"id": 7, "was_cancelled": True, "result": [choice]},
                         {"id": 8, "result": [brush("r1", HOLED, 12, 10, "cat"), polygon,
                                              box, choice]},
                         {"id": 9, "result": []}],
         "predictions": [{"result": []}]},
        {"id": 2, "data": {"image": "/data/upload/1/0badcafe-tiny.png"},
         "annotations": [{"id": 10, "result": [brush("r2", SMALL, 6, 4, "dog")]}]},
    ]  # fmt: skip
    result = read_label_studio(photos, write(tmp_path, tasks))
    ids = apply_import(photos, result)
    assert len(ids) == 4 and [c.name for c in photos.categories] == ["cat", "dog"]
    scan, tiny = photos.videos
    by_name = {t.name: t for t in photos.tracks()}
    cat = photos.mask(scan.id, 0, by_name["cat r1"].id).mask.to_array()
    assert np.array_equal(cat, holed_mask())
    assert photos.mask(scan.id, 0, by_name["cat p1"].id).mask.area > 0
    dog_box = photos.mask(scan.id, 0, by_name["dog b1"].id)
    assert dog_box.prompt.box == (3.0, 1.0, 9.0, 9.0)  # percent of 12x10
    assert photos.mask(tiny.id, 0, by_name["dog r2"].id).mask.area == 7
    said = " ".join(result.notes)
    for note in ("1 cancelled annotations", "1 other annotations of a task",
                 "1 choices results", "1 tasks' predictions"):  # fmt: skip
        assert note in said


def test_video_box_tracks_become_keyframe_box_prompts(tmp_path) -> None:
    frames = tmp_path / "clip"
    frames.mkdir()
    for i in range(5):
        cv2.imwrite(str(frames / f"{i:03d}.png"), np.full((40, 50, 3), 30 * i, np.uint8))
    project, _ = create_project_with_media(tmp_path / "v.annotator", [frames])
    with project:
        sequence = [
            {"frame": 1, "enabled": True, "x": 10, "y": 10, "width": 40, "height": 50},
            {"frame": 4, "enabled": False, "x": 20, "y": 10, "width": 40, "height": 50},
        ]
        track = {"id": "v1", "type": "videorectangle",
                 "value": {"sequence": sequence, "labels": ["car"], "framesCount": 5}}  # fmt: skip
        tasks = [{"id": 1, "data": {"video": "/data/upload/1/0123abcd-clip"},
                  "annotations": [{"result": [track]}]}]  # fmt: skip
        apply_import(project, read_label_studio(project, write(tmp_path, tasks)))
        (car,) = project.tracks()
        boxes = {r.frame: r.prompt.box for r in project.masks(1, track=car.id)}
        assert boxes == {0: (5.0, 4.0, 25.0, 24.0), 3: (10.0, 4.0, 30.0, 24.0)}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda r: r.update(original_width=13), "the image is 13x10"),
        (lambda r: r["value"].update(rle=[1, 2, 3]), "unreadable brush code"),
        (lambda r: r["value"].update(rle=SMALL), "holds 96 values, not 12x10x4"),
        (lambda r: r["value"].pop("rle"), "needs value.rle"),
    ],
)
def test_bad_regions_are_refused_naming_the_task(photos, tmp_path, change, says) -> None:
    region = brush("r1", HOLED, 12, 10, "cat")
    change(region)
    tasks = [{"id": 5, "data": {"image": "/data/upload/1/3f8a1b2c-scan.png"},
              "annotations": [{"result": [region]}]}]  # fmt: skip
    with pytest.raises(ImportError_) as caught:
        read_label_studio(photos, write(tmp_path, tasks))
    assert says in str(caught.value) and "task 5" in str(caught.value)
    assert photos.tracks() == []


def test_a_task_on_media_the_project_lacks_is_refused(photos, tmp_path) -> None:
    tasks = [{"id": 1, "data": {"image": "/data/upload/1/3f8a1b2c-other.png"},
              "annotations": [{"result": [brush("r1", SMALL, 6, 4, "dog")]}]}]  # fmt: skip
    with pytest.raises(ImportError_, match="other.png"):
        read_label_studio(photos, write(tmp_path, tasks))
