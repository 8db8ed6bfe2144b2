"""supervision (Roboflow's dataset library) reads our COCO and YOLO exports after a move.

RLE masks come back exactly. Polygons are exact under pycocotools' rasterisation (the COCO
definition, and our own importer's); supervision fills them with `cv2.fillPoly` on
truncated integer vertices, which differs along diagonal edges and keyhole bridges, so
those are checked per object by IoU (>= 0.75 on these 48x64 blobs; measured min 0.79).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from annotator.io.formats.coco import export_coco
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.yolo import export_yolo

from .conftest import make_project

sv = pytest.importorskip("supervision")


def _stored(project):
    """image name -> sorted list of stored masks (as bytes, to compare as sets)."""
    out = {}
    for v in project.videos:
        for r in project.masks(v.id):
            if not r.mask.is_empty:
                name = f"clip_{v.id}_v{v.id}_f{r.frame:06d}"
                out.setdefault(name, []).append(r.mask.to_array().tobytes())
    return {k: sorted(m) for k, m in out.items()}


def _read(dataset):
    out = {}
    for path, _image, detections in dataset:
        name = path.replace("\\", "/").rsplit("/", 1)[1].rsplit(".", 1)[0]
        if len(detections):
            out[name] = sorted(m.tobytes() for m in detections.mask)
    return out


def _iou_by_object(got, want):
    """Per image: every stored mask matched to the read mask it overlaps most; min IoU."""
    worst = 1.0
    for name, masks in want.items():
        read = [np.frombuffer(m, bool) for m in got[name]]
        assert len(read) == len(masks), name
        for m in (np.frombuffer(m, bool) for m in masks):
            worst = min(worst, max((m & r).sum() / (m | r).sum() for r in read))
    return worst


def _moved(tmp_path, exporter, options, open_frames, **kwargs):
    project = make_project(videos=((48, 64, 4),))
    exporter(project, tmp_path / "a", options, open_frames, **kwargs)
    shutil.move(tmp_path / "a", tmp_path / "moved")
    return project, tmp_path / "moved"


def test_supervision_reads_coco_rle_exactly(open_frames, tmp_path):
    project, root = _moved(tmp_path, export_coco, ExportOptions(), open_frames)
    ds = sv.DetectionDataset.from_coco(
        str(root / "images"), str(root / "annotations.json"), force_masks=True
    )
    assert ds.classes == ["person", "dog car"]
    assert _read(ds) == _stored(project)


def test_supervision_reads_coco_polygons(open_frames, tmp_path):
    options = ExportOptions(segmentation="polygons")
    project, root = _moved(tmp_path, export_coco, options, open_frames)
    ds = sv.DetectionDataset.from_coco(
        str(root / "images"), str(root / "annotations.json"), force_masks=True
    )
    got, want = _read(ds), _stored(project)
    assert set(got) == set(want) and _iou_by_object(got, want) >= 0.75


def test_supervision_reads_a_moved_yolo_dataset(open_frames, tmp_path):
    project, root = _moved(tmp_path, export_yolo, ExportOptions(), open_frames)
    ds = sv.DetectionDataset.from_yolo(
        str(root / "images" / "train"),
        str(root / "labels" / "train"),
        str(root / "data.yaml"),
        force_masks=True,
    )
    assert ds.classes == ["person", "dog car"]
    got, want = _read(ds), _stored(project)
    assert set(got) == set(want) and _iou_by_object(got, want) >= 0.75
