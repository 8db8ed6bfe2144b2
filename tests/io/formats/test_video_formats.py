"""YouTube-VIS, DAVIS and MOTChallenge exports read back to the stored annotations."""

from __future__ import annotations

import configparser
import csv
import json

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from annotator.domain import FrameMask, Mask, Provenance
from annotator.io.formats.davis import davis_palette, export_davis
from annotator.io.formats.mot import export_mot
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.ytvis import export_ytvis

from .conftest import make_project


def _decode_png(path):
    """(indices, palette) of an indexed PNG, decoded independently with OpenCV + raw chunks."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[24:26] == bytes([8, 3])  # 8-bit, colour type 3 (palette)
    idx = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)  # OpenCV expands palettes to BGR
    return data, idx


def test_ytvis_lists_every_frame_with_null_where_absent(project, open_frames, tmp_path):
    export_ytvis(project, tmp_path, ExportOptions(every=2), open_frames)
    data = json.loads((tmp_path / "annotations.json").read_text())
    assert [v["length"] for v in data["videos"]] == [4, 3]  # frames 0,2,4,6 and 0,2,4
    for v in data["videos"]:
        for name in v["file_names"]:
            assert (tmp_path / "JPEGImages" / name).is_file()
    assert len(data["annotations"]) == len(project.tracks())
    for ann in data["annotations"]:
        video = data["videos"][ann["video_id"] - 1]
        vid = int(video["name"].rsplit("_v", 1)[1])
        track = project.tracks(vid)[(ann["id"] - 1) % 3]
        frames = [int(n.split("/")[1][:5]) for n in video["file_names"]]
        assert len(ann["segmentations"]) == len(ann["bboxes"]) == len(ann["areas"]) == len(frames)
        for f, seg, box, area in zip(
            frames, ann["segmentations"], ann["bboxes"], ann["areas"], strict=True
        ):
            rec = project.mask(vid, f, track.id)
            if rec is None:
                assert seg is None and box is None and area is None
                continue
            assert isinstance(seg["counts"], list)  # official YTVIS ground truth: list counts
            rle = mask_utils.frPyObjects(seg, *seg["size"])  # what TrackEval's reader calls
            assert np.array_equal(mask_utils.decode(rle).astype(bool), rec.mask.to_array())
            assert box == list(rec.mask.bbox) and area == rec.mask.area


def test_davis_palette_pngs_resolve_overlaps_by_score(tmp_path):
    project = make_project(videos=((60, 80, 3),))
    full = np.zeros((60, 80), bool)
    full[10:30, 10:40] = True
    with project.transaction():
        # track 1 covers the box with a low score, track 2 a high score, track 3 is user-made
        for tid, score in ((1, -2.0), (2, 5.0)):
            project.put_masks([FrameMask(1, 0, tid, Mask.from_array(full), score=score)])
        small = np.zeros((60, 80), bool)
        small[12:16, 12:16] = True
        project.put_masks([FrameMask(1, 0, 3, Mask.from_array(small), Provenance.EDITED)])
    export_davis(project, tmp_path, ExportOptions(with_images=False))
    data, bgr = _decode_png(tmp_path / "Annotations" / "480p" / "clip_1_v1" / "00000.png")
    palette = davis_palette()
    rgb = bgr[..., ::-1]
    index = np.full((60, 80), -1)
    for k in range(4):
        index[np.all(rgb == palette[k], axis=-1)] = k
    assert index.min() == 0
    assert np.all(index[12:16, 12:16] == 3)  # user-made wins
    rest = full.copy()
    rest[12:16, 12:16] = False
    assert np.all(index[rest] == 2)  # higher score wins over track 1
    assert np.all(index[~full] == 0)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["videos"]["clip_1_v1"]["objects"]["2"]["track"] == "obj2"
    assert len(list((tmp_path / "Annotations" / "480p" / "clip_1_v1").glob("*.png"))) == 3


def test_davis_layout_is_what_the_official_evaluation_reads(project, open_frames, tmp_path):
    """davis2017-evaluation's DAVIS(root, task="semi-supervised", subset=S) reads
    ImageSets/2017/S.txt, then JPEGImages/480p/<seq>/*.jpg and Annotations/480p/<seq>/*.png."""
    export_davis(project, tmp_path / "all", ExportOptions(), open_frames)
    root = tmp_path / "all"
    for subset in ("train", "val"):
        seqs = (root / "ImageSets" / "2017" / f"{subset}.txt").read_text().split()
        assert seqs == ["clip_1_v1", "clip_2_v2"]  # no split: both list every sequence
    for seq, video in zip(seqs, project.videos, strict=True):
        images = sorted((root / "JPEGImages" / "480p" / seq).glob("*.jpg"))
        masks = sorted((root / "Annotations" / "480p" / seq).glob("*.png"))
        assert (
            [p.stem for p in images]
            == [p.stem for p in masks]
            == [f"{f:05d}" for f in range(video.num_frames)]
        )
    opts = ExportOptions(val_fraction=0.5, with_images=False)
    export_davis(project, tmp_path / "split", opts)
    sets = {
        s: (tmp_path / "split" / "ImageSets" / "2017" / f"{s}.txt").read_text().split()
        for s in ("train", "val")
    }
    assert sorted(sets["train"] + sets["val"]) == ["clip_1_v1", "clip_2_v2"]
    assert len(sets["val"]) == 1


def test_mot_gt_is_one_based_and_matches_boxes(project, open_frames, tmp_path):
    export_mot(project, tmp_path, ExportOptions(), open_frames)
    seq = tmp_path / "clip_2_v2"
    ini = configparser.ConfigParser()
    ini.read(seq / "seqinfo.ini")
    s = ini["Sequence"]
    assert (s["imDir"], s["seqLength"], s["imWidth"], s["imHeight"]) == ("img1", "6", "112", "80")
    assert (seq / "img1" / "000001.jpg").is_file() and (seq / "img1" / "000006.jpg").is_file()
    rows = [r.split(",") for r in (seq / "gt" / "gt.txt").read_text().splitlines()]
    assert len(rows) == sum(1 for r in project.masks(2) if not r.mask.is_empty)
    tracks = project.tracks(2)
    for r in rows:
        frame, obj = int(r[0]), int(r[1])
        assert frame >= 1 and 1 <= obj <= len(tracks)
        rec = project.mask(2, frame - 1, tracks[obj - 1].id)
        x, y, w, h = rec.mask.bbox
        assert [float(v) for v in r[2:6]] == [x + 1, y + 1, w, h]
        assert r[6] == "1" and r[8] == "1" and r[7] == "1"  # class 1: what TrackEval scores
    assert rows == sorted(rows, key=lambda r: (int(r[1]), int(r[0])))
    with open(seq / "tracks.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    names = {c.id: c.name for c in project.categories}
    assert [(int(t["id"]), t["track"], t["category"], t["class"]) for t in table] == [
        (k, t.name, names[t.category_id], "1") for k, t in enumerate(tracks, start=1)
    ]


def test_mot_can_keep_categories_in_column_8(project, tmp_path):
    export_mot(project, tmp_path, ExportOptions(with_images=False), keep_categories=True)
    rows = [r.split(",") for r in (tmp_path / "clip_1_v1" / "gt" / "gt.txt").read_text().split()]
    tracks = project.tracks(1)
    assert {int(r[7]) for r in rows} == {1, 2}
    for r in rows:
        assert int(r[7]) == tracks[int(r[1]) - 1].category_id  # categories 1, 2 export as 1, 2
