"""`annotator export` / `annotator import` on real project files and a real (tiny) video."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.cli import main
from annotator.domain import Category, FrameMask, Mask, Provenance, Track, Video
from annotator.io.formats import EXPORTERS
from annotator.io.frames import open_frames
from annotator.io.store import create_project, open_project

from .conftest import blob_mask


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    """A project file over a 6-frame 64x48 MJPG video, one track with blob masks."""
    video_path = tmp_path / "tiny.avi"
    writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(6):
        writer.write(np.full((48, 64, 3), 40 * i, np.uint8))
    writer.release()
    with open_frames(video_path, use_proxy_cache=False, wait=True) as src:
        fingerprint, n = src.fingerprint, len(src)
    path = tmp_path / "p.annot"
    rng = np.random.default_rng(0)
    with create_project(path) as project:
        project.put_category(Category(1, "ball"))
        project.put_video(Video(1, str(video_path), fingerprint, 10.0, 64, 48, n))
        project.put_track(Track(1, 1, 1, "ball 1"))
        masks = [Mask.from_array(blob_mask(rng, 48, 64, holes=True, parts=1)) for _ in range(n)]
        project.put_masks(FrameMask(1, f, 1, m, Provenance.EDITED) for f, m in enumerate(masks))
    return path


def test_export_coco_with_frames_then_import(project_file, tmp_path, capsys):
    out = tmp_path / "coco"
    assert main(["export", str(project_file), "--format", "coco", "--out", str(out)]) == 0
    assert "6 images, 6 annotations" in capsys.readouterr().out
    data = json.loads((out / "annotations.json").read_text())
    img = cv2.imread(str(out / "images" / data["images"][3]["file_name"]))
    assert img.shape == (48, 64, 3) and abs(int(img.mean()) - 120) < 6

    target = tmp_path / "q.annot"
    with create_project(target) as q, open_project(project_file) as p:
        q.put_video(p.video(1))
    args = ["import", str(target), "--format", "coco", str(out / "annotations.json")]
    assert main([*args, "--dry-run"]) == 0
    assert "would add 1 tracks, 6 masks" in capsys.readouterr().out
    with open_project(target) as q:
        assert q.count_masks() == 0
    assert main(args) == 0
    with open_project(target) as q, open_project(project_file) as p:
        assert [r.mask for r in q.masks(1)] == [r.mask for r in p.masks(1)]
        assert q.categories[0].name == "ball"


@pytest.mark.parametrize("fmt", sorted(set(EXPORTERS) - {"coco"}))
def test_every_format_exports_labels(project_file, tmp_path, fmt):
    out = tmp_path / fmt
    args = ["export", str(project_file), "--format", fmt, "--out", str(out), "--no-images"]
    assert main([*args, "--frames", "1-4", "--every", "2"]) == 0
    assert any(out.rglob("*.*"))


def test_errors_are_reported_not_raised(project_file, tmp_path, capsys):
    out = str(tmp_path / "o")
    assert main(["export", str(project_file), "--format", "coco", "--out", out,
                 "--categories", "nope"]) == 1  # fmt: skip
    assert "no category 'nope'" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.annot"), "--format", "coco", "--out", out]) == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["import", str(project_file), "--format", "coco", str(bad)]) == 1
    assert "bad.json:1: invalid JSON" in capsys.readouterr().err


def test_export_while_a_window_holds_the_project(project_file, tmp_path, capsys):
    out = tmp_path / "live"
    with open_project(project_file):  # the editing lock, as an open window holds it
        args = ["export", str(project_file), "--format", "coco", "--out", str(out)]
        assert main([*args, "--no-images"]) == 0
    assert "6 annotations" in capsys.readouterr().out


def test_export_into_a_used_folder_needs_overwrite(project_file, tmp_path, capsys):
    out = tmp_path / "ds"
    args = ["export", str(project_file), "--format", "yolo-seg", "--out", str(out)]
    assert main([*args, "--no-images"]) == 0
    assert main([*args, "--no-images", "--frames", "0-1"]) == 1
    err = capsys.readouterr().err
    assert f"output folder {out} is not empty" in err and "--overwrite" in err
    assert len(list((out / "labels" / "train").iterdir())) == 6
    assert main([*args, "--no-images", "--frames", "0-1", "--overwrite"]) == 0
    assert len(list((out / "labels" / "train").iterdir())) == 2


def test_import_joins_yolo_rows_into_objects_unless_no_link(project_file, tmp_path, capsys):
    with open_project(project_file) as p:  # the ball as a square moving 2 px a frame
        square = np.zeros((48, 64), bool)
        records = []
        for f in range(6):
            square[:] = False
            square[10:22, 4 + 2 * f : 16 + 2 * f] = True
            records.append(FrameMask(1, f, 1, Mask.from_array(square), Provenance.EDITED))
        p.put_masks(records)
    out = tmp_path / "yolo"
    export = ["export", str(project_file), "--format", "yolo-seg", "--no-images", "--out"]
    assert main([*export, str(out)]) == 0
    target = tmp_path / "q.annot"
    with create_project(target) as q, open_project(project_file) as p:
        q.put_video(p.video(1))
    args = ["import", str(target), "--format", "yolo-seg", str(out), "--dry-run"]
    capsys.readouterr()
    assert main(args) == 0
    said = capsys.readouterr()
    assert "would add 1 tracks, 6 masks" in said.out
    assert "joined 6 rows into 1 tracks" in said.err  # the notes, as the command prints them
    assert main([*args, "--no-link"]) == 0
    assert "would add 6 tracks, 6 masks" in capsys.readouterr().out
