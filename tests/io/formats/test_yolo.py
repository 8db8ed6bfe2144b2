"""YOLO export/import: label files pass Ultralytics' checks, polygons round-trip exactly."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.domain import Project
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.importing import apply_import
from annotator.io.formats.naming import frame_stem
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.yolo import export_yolo
from annotator.io.formats.yolo_import import read_names, read_yolo

from .conftest import empty_copy, make_project


def check_like_ultralytics(root: Path) -> dict[str, int]:
    """The checks Ultralytics' verify_image_label applies to every label file, plus no mixing."""
    names = read_names(root / "data.yaml")
    kinds = set()
    counts = {"files": 0, "rows": 0}
    for sub in ("train", "val"):
        images = {p.stem for p in (root / "images" / sub).glob("*.*")}
        labels = {p.stem for p in (root / "labels" / sub).glob("*.txt")}
        assert images in (set(), labels)  # images/ and labels/ mirror each other
        for path in (root / "labels" / sub).glob("*.txt"):
            counts["files"] += 1
            rows = [r.split() for r in path.read_text().splitlines() if r.strip()]
            assert len({" ".join(r) for r in rows}) == len(rows), "duplicate rows"
            for row in rows:
                counts["rows"] += 1
                cls, vals = int(row[0]), np.array(row[1:], float)
                assert 0 <= cls < len(names)
                assert vals.min() >= 0 and vals.max() <= 1
                if len(row) > 6:  # Ultralytics: more than 6 values is a segment
                    kinds.add("segment")
                    assert len(vals) % 2 == 0 and len(vals) >= 6
                else:
                    kinds.add("detect")
                    assert len(vals) == 4
    assert len(kinds) <= 1, "box and polygon rows mixed"
    return counts


@pytest.mark.parametrize("task", ["segment", "detect"])
def test_labels_pass_ultralytics_checks(project, open_frames, tmp_path, task):
    opts = ExportOptions(val_fraction=0.5)
    summary = export_yolo(project, tmp_path, opts, open_frames, task=task)
    counts = check_like_ultralytics(tmp_path)
    total = sum(v.num_frames for v in project.videos)
    assert counts["files"] == total == summary.images  # background frames get empty files
    assert counts["rows"] == summary.annotations > 0
    text = (tmp_path / "data.yaml").read_text()
    assert "\npath:" not in text  # Ultralytics then takes the yaml's folder: the dataset moves
    assert ("keyhole" in text) == (task == "segment")
    assert "train: images/train" in text and "val: images/val" in text
    assert read_names(tmp_path / "data.yaml") == ["person", "dog car"]
    # split by video: each video's frames all in one subset
    for v in project.videos:
        subs = {
            sub
            for sub in ("train", "val")
            for f in range(v.num_frames)
            if (tmp_path / "labels" / sub / f"{frame_stem(v.path, v.id, f)}.txt").exists()
        }
        assert len(subs) == 1
    img = next((tmp_path / "images").rglob("*.jpg"))
    assert cv2.imread(str(img)) is not None


def _rows(root: Path) -> dict[str, list[str]]:
    return {
        p.relative_to(root).as_posix(): p.read_text().splitlines()
        for p in sorted((root / "labels").rglob("*.txt"))
    }


def test_polygons_round_trip_to_the_source_masks(tmp_path):
    project = make_project(videos=((240, 320, 5),), seed=3)
    export_yolo(project, tmp_path, ExportOptions(with_images=False))
    video = project.video(1)
    checked = 0
    for path, rows in _rows(tmp_path).items():
        frame = int(Path(path).stem.rsplit("_f", 1)[1])
        masks = [r.mask.to_array() for r in project.frame_masks(1, frame)]
        assert len(rows) == len(masks)
        for row, mask in zip(rows, masks, strict=True):
            ys, xs = np.nonzero(mask)
            if np.ptp(xs) < 32 or np.ptp(ys) < 32:
                continue
            pts = np.array(row.split()[1:], float).reshape(-1, 2) * [video.width, video.height]
            # rasterised the way Ultralytics does (int32 vertices, cv2.fillPoly)
            filled = np.zeros(mask.shape, np.uint8)
            cv2.fillPoly(filled, [pts.astype(np.int32)], 1)
            iou = (filled.astype(bool) & mask).sum() / (filled.astype(bool) | mask).sum()
            assert iou >= 0.95, (path, iou)
            checked += 1
    assert checked >= 5


def test_round_trip_is_identical_and_exact(project, tmp_path):
    opts = ExportOptions(with_images=False, val_fraction=0.3, seed=4)
    export_yolo(project, tmp_path / "a", opts)
    target = empty_copy(project)
    apply_import(target, read_yolo(target, tmp_path / "a", task="segment"))
    for v in project.videos:  # exact pixels, holes and multi-part objects included
        src = [(r.frame, r.mask) for r in project.masks(v.id) if not r.mask.is_empty]
        got = [(r.frame, r.mask) for r in target.masks(v.id)]
        assert src == got
    export_yolo(target, tmp_path / "b", opts)
    assert _rows(tmp_path / "a") == _rows(tmp_path / "b")
    yaml_a = (tmp_path / "a" / "data.yaml").read_text().splitlines()
    yaml_b = (tmp_path / "b" / "data.yaml").read_text().splitlines()
    assert [x for x in yaml_a if not x.startswith("path:")] == [
        x for x in yaml_b if not x.startswith("path:")
    ]


def test_detect_round_trip_goes_through_box_prompts(project, tmp_path):
    opts = ExportOptions(with_images=False)
    export_yolo(project, tmp_path / "a", opts, task="detect")
    target = empty_copy(project)
    result = read_yolo(target, tmp_path / "a", task="detect")
    assert result.boxes == len(result.masks) > 0
    apply_import(target, result)
    rec = next(target.masks(1))
    assert rec.mask.is_empty and rec.prompt is not None and rec.prompt.box is not None
    export_yolo(target, tmp_path / "b", opts, task="detect")
    assert _rows(tmp_path / "a") == _rows(tmp_path / "b")


def test_single_video_splits_by_contiguous_blocks(tmp_path):
    project = make_project(videos=((40, 60, 40),))
    export_yolo(project, tmp_path, ExportOptions(with_images=False, val_fraction=0.2, seed=1))
    val = sorted(int(p.stem.rsplit("_f", 1)[1]) for p in (tmp_path / "labels" / "val").iterdir())
    assert len(val) == 8
    runs = sum(1 for a, b in zip(val, val[1:], strict=False) if b != a + 1) + 1
    assert runs <= 2  # two blocks of 4 frames at most, not 8 scattered frames


def _snapshot(p: Project) -> tuple:
    return (p.categories, p.tracks(), [(r.key, r.mask) for v in p.videos for r in p.masks(v.id)])


@pytest.mark.parametrize(
    "row, message",
    [
        ("5 0.5 0.5 0.1 0.1", "class 5 is not in names"),
        ("0 0.5 0.5 1.1 0.1", "normalised"),
        ("0 0.1 0.1 0.2 0.2 0.3", "has 5 values"),
        ("0 0.1 0.1 0.2", "has 3 values"),
        ("x 0.1 0.1 0.2 0.2", "not an integer"),
        ("0 0.1 nan 0.2 0.2", "normalised"),
        ("0 0.1 1e999 0.2 0.2", "normalised"),
        ("0 0.1 0.1 0.2 0.2 0.3 0.3", "a segment row in a detect import"),
    ],
)
def test_bad_rows_report_file_and_line(project, tmp_path, row, message):
    export_yolo(project, tmp_path, ExportOptions(with_images=False), task="detect")
    label = sorted((tmp_path / "labels" / "train").glob("*.txt"))[1]
    label.write_text(label.read_text() + row + "\n")
    line = len(label.read_text().splitlines())
    target = empty_copy(project)
    before = _snapshot(target)
    with pytest.raises(ImportError_, match=message) as info:
        read_yolo(target, tmp_path, task="detect")
    assert f"{label.name}:{line}" in str(info.value)
    assert _snapshot(target) == before


def test_unknown_frames_and_bad_yaml_are_reported(project, tmp_path):
    export_yolo(project, tmp_path, ExportOptions(with_images=False))
    (tmp_path / "labels" / "train" / "nothing_here.txt").write_text("")
    with pytest.raises(ImportError_, match="matches no video frame"):
        read_yolo(empty_copy(project), tmp_path)
    (tmp_path / "labels" / "train" / "nothing_here.txt").unlink()
    (tmp_path / "data.yaml").write_text("names:\n  0: a\n  2: b\n")
    with pytest.raises(ImportError_, match="0..N-1"):
        read_yolo(empty_copy(project), tmp_path)


def test_worker_processes_write_the_same_labels(tmp_path):
    project = make_project(videos=((64, 96, 12),))
    export_yolo(project, tmp_path / "a", ExportOptions(with_images=False, workers=1))
    export_yolo(project, tmp_path / "b", ExportOptions(with_images=False, workers=2))
    assert _rows(tmp_path / "a") == _rows(tmp_path / "b")


def test_simplified_polygons_are_smaller_and_close(tmp_path):
    project = make_project(videos=((240, 320, 3),), seed=5)
    export_yolo(project, tmp_path / "exact", ExportOptions(with_images=False))
    export_yolo(project, tmp_path / "s", ExportOptions(with_images=False, polygon_tolerance=1.0))
    exact, simple = _rows(tmp_path / "exact"), _rows(tmp_path / "s")
    size = lambda rows: sum(len(r) for rs in rows.values() for r in rs)  # noqa: E731
    assert size(simple) < 0.6 * size(exact)
    check_like_ultralytics(tmp_path / "s")
    target = empty_copy(project)
    apply_import(target, read_yolo(target, tmp_path / "s"))
    for src, got in zip(project.masks(1), target.masks(1), strict=True):
        a, b = src.mask.to_array(), got.mask.to_array()
        assert (a & b).sum() / (a | b).sum() >= 0.9
