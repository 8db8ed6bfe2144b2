"""A photo dataset exports each image under its own file name and size, and imports back
onto the same photos by that name (COCO, YOLO)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pycocotools.coco import COCO

from annotator.domain import AddTrack, History, Mask, Project, Provenance, SetMask
from annotator.io.formats import apply_import, export_coco, export_yolo, read_coco, read_yolo
from annotator.io.formats.naming import photo_stems
from annotator.io.formats.options import ExportOptions
from annotator.io.media import create_project_with_media


def segment_each_photo(project: Project) -> dict[int, Mask]:
    """One object with a category and a blob mask on every photo; {video id: mask}."""
    history = History(project)
    category = project.add_category("thing")
    masks = {}
    for video in project.videos:
        track = history.execute(AddTrack(video.id, category_id=category.id)).track_id
        blob = np.zeros((video.height, video.width), np.uint8)
        blob[10 + video.id : 60, 20 : 90 + 3 * video.id] = 1
        masks[video.id] = Mask.from_array(blob)
        history.execute(SetMask(video.id, 0, track, masks[video.id], Provenance.EDITED))
    return masks


def test_two_photos_of_one_name_keep_apart() -> None:
    stems = photo_stems([(1, "/a/cars.jpg"), (2, "/b/cars.jpg"), (3, "/a/truck.png")])
    assert stems == {1: "cars_v1", 2: "cars_v2", 3: "truck"}


def test_coco_and_yolo_name_photos_after_their_files_and_import_back(
    tmp_path: Path, shared_dir: Path
) -> None:
    images = shared_dir / "data" / "images"
    project, _ = create_project_with_media(tmp_path / "p.annotator", [images])
    with project:
        masks = segment_each_photo(project)
        sizes = {Path(v.path).name: (v.width, v.height) for v in project.videos}
        export_coco(project, tmp_path / "coco", ExportOptions(with_images=False))
        export_yolo(project, tmp_path / "yolo", ExportOptions(with_images=False))
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))
    assert {img["file_name"]: (img["width"], img["height"]) for img in coco.imgs.values()} == sizes
    assert len(coco.anns) == 3
    labels = sorted(p.name for p in (tmp_path / "yolo").rglob("labels/**/*.txt"))
    assert labels == ["cars.txt", "groceries.txt", "truck.txt"]

    for name, read in (
        ("coco", lambda p: read_coco(p, tmp_path / "coco" / "annotations.json")),
        ("yolo", lambda p: read_yolo(p, tmp_path / "yolo")),
    ):
        fresh, _ = create_project_with_media(tmp_path / f"{name}.annotator", [images])
        with fresh:
            result = read(fresh)
            apply_import(fresh, result)
            for video in fresh.videos:
                (frame_mask,) = fresh.frame_masks(video.id, 0)
                if name == "coco":  # RLE: exact
                    assert frame_mask.mask == masks[video.id]
                else:  # polygons: the same region
                    got = frame_mask.mask.to_array().astype(bool)
                    want = masks[video.id].to_array().astype(bool)
                    assert (got & want).sum() / (got | want).sum() > 0.97
