"""Rows without identities (YOLO rows, VOC instances, COCO annotations and labelme shapes
without track or group ids) joined into one object per real object across a video's
frames, and kept apart where they should be."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from annotator.domain import Mask, Project, Video
from annotator.io.formats import EXPORTERS, ExportOptions
from annotator.io.formats.coco_import import read_coco
from annotator.io.formats.importing import ImportResult, PlannedMask, PlannedTrack, apply_import
from annotator.io.formats.labelme import read_labelme
from annotator.io.formats.linking import link_rows
from annotator.io.formats.voc import read_voc
from annotator.io.formats.yolo_import import read_yolo

from .conftest import empty_copy, person_and_car

H, W, FRAMES = 48, 64, 6
VIDEO = Video(1, "/v/clip.mp4", "fp", 10.0, W, H, FRAMES)


def square(x: int, y: int, size: int = 10) -> Mask:
    m = np.zeros((H, W), bool)
    m[y : y + size, x : x + size] = True
    return Mask.from_array(m)


def rows_result(rows: list[tuple[int, str, Mask]]) -> ImportResult:
    """One single-row planned track per (frame, category, mask), as YOLO's reader makes."""
    result = ImportResult("rows")
    for i, (frame, category, mask) in enumerate(rows):
        result.tracks.append(PlannedTrack(("row", i), 1, category, f"{category} {i + 1}"))
        result.masks.append(PlannedMask(("row", i), frame, mask))
    return result


def tracks_of(result: ImportResult) -> list[list[int]]:
    """The frames of every planned track, in track order."""
    frames: dict[object, list[int]] = {t.key: [] for t in result.tracks}
    for m in result.masks:
        frames[m.track_key].append(m.frame)
    return [sorted(frames[t.key]) for t in result.tracks]


def test_two_moving_objects_become_two_tracks_whatever_the_row_order() -> None:
    rows = []
    for f in range(FRAMES):  # a person moving right, a car moving down, listed car first
        rows.append((f, "car", square(40, 2 + 3 * f)))
        rows.append((f, "person", square(2 + 2 * f, 20)))
    result = rows_result(rows[::-1])
    assert link_rows(result) == 2 * (FRAMES - 1)
    assert tracks_of(result) == [list(range(FRAMES))] * 2
    assert sorted(t.category for t in result.tracks) == ["car", "person"]
    assert [t.name for t in result.tracks] == ["person 1", "car 2"]  # numbered again
    for track in result.tracks:  # each track holds its own object's masks only
        xs = {m.mask.bbox[0] for m in result.masks if m.track_key == track.key}
        assert (xs == {40.0}) == (track.category == "car")
    assert "joined 12 rows into 2 tracks" in result.notes[-1]


def test_rows_stay_apart_across_categories_gaps_and_jumps() -> None:
    result = rows_result(
        [
            (0, "person", square(5, 5)),
            (1, "car", square(5, 5)),  # same place, another category: a new object
            (2, "person", square(40, 30)),  # far from frame 0's person: a new object
            (3, "car", square(5, 5)),  # its car two labelled frames back (max gap 1): new
        ]
    )
    assert link_rows(result) == 0
    assert len(result.tracks) == 4 and result.notes == []


def test_a_video_labelled_every_fifth_frame_links_as_one_labelled_on_every_frame() -> None:
    result = rows_result([(f, "car", square(10 + f // 5, 10)) for f in range(0, 30, 5)])
    assert link_rows(result) == 5 and tracks_of(result) == [list(range(0, 30, 5))]


def test_one_row_continues_one_track_the_best_overlapping_one() -> None:
    result = rows_result(
        [
            (0, "car", square(10, 10)),
            (0, "car", square(14, 10)),  # overlaps the next frame's row better
            (1, "car", square(15, 10)),
        ]
    )
    assert link_rows(result) == 1
    joined = [
        t for t in result.tracks if len([m for m in result.masks if m.track_key == t.key]) == 2
    ]
    (track,) = joined
    first = [m for m in result.masks if m.track_key == track.key and m.frame == 0]
    assert first[0].mask == square(14, 10)


def test_box_rows_link_by_box_overlap() -> None:
    result = ImportResult("boxes")
    for f in range(3):
        key = ("row", f)
        result.tracks.append(PlannedTrack(key, 1, "car", f"car {f + 1}"))
        result.masks.append(PlannedMask(key, f, None, (10.0 + f, 10.0, 30.0 + f, 25.0)))
    assert link_rows(result) == 2 and tracks_of(result) == [[0, 1, 2]]


def _labelled_project() -> Project:
    """Two tracks over every frame of one video, in two categories."""
    masks = [(f, 1, square(2 + 2 * f, 20)) for f in range(FRAMES)]
    return person_and_car(VIDEO, masks + [(f, 2, square(40, 2 + 3 * f)) for f in range(FRAMES)])


def test_a_yolo_export_of_a_video_comes_back_as_its_objects(tmp_path: Path) -> None:
    source = _labelled_project()
    exporter, _ = EXPORTERS["yolo-seg"]
    exporter(source, tmp_path / "yolo", ExportOptions(with_images=False), None)
    target = empty_copy(source)
    apply_import(target, read_yolo(target, tmp_path / "yolo", task="segment"))
    assert len(target.tracks()) == 2
    for track in target.tracks():
        assert target.frames_with_masks(1, track.id) == list(range(FRAMES))
    unlinked = read_yolo(empty_copy(source), tmp_path / "yolo", task="segment", link=False)
    assert len(unlinked.tracks) == 2 * FRAMES


def test_coco_annotations_keep_their_track_ids_and_join_only_without_one(tmp_path: Path) -> None:
    source = _labelled_project()
    exporter, _ = EXPORTERS["coco"]
    exporter(source, tmp_path / "coco", ExportOptions(with_images=False), None)
    path = tmp_path / "coco" / "annotations.json"
    data = json.loads(path.read_text())
    for ann in data["annotations"]:  # as a tool without tracks writes it
        for field in ("track_id", "attributes"):
            ann.pop(field, None)
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(data))
    result = read_coco(empty_copy(source), bare)
    assert sorted(map(len, tracks_of(result))) == [FRAMES, FRAMES]
    assert len(read_coco(empty_copy(source), bare, link=False).tracks) == 2 * FRAMES
    with_ids = read_coco(empty_copy(source), path, link=False)  # our export names its tracks
    assert sorted(map(len, tracks_of(with_ids))) == [FRAMES, FRAMES]


def test_voc_instances_and_labelme_shapes_without_groups_join_across_frames(
    tmp_path: Path,
) -> None:
    source = _labelled_project()
    for fmt in ("voc", "labelme"):
        exporter, _ = EXPORTERS[fmt]
        exporter(source, tmp_path / fmt, ExportOptions(with_images=False), None)
    for doc in (tmp_path / "labelme").glob("*.json"):  # as labelme writes shapes by default
        data = json.loads(doc.read_text())
        for shape in data.get("shapes", []):  # (the export's own file list has none)
            shape["group_id"] = None
        doc.write_text(json.dumps(data))
    for fmt, reader in (("voc", read_voc), ("labelme", read_labelme)):
        linked = reader(empty_copy(source), tmp_path / fmt)
        assert sorted(map(len, tracks_of(linked))) == [FRAMES, FRAMES], fmt
        assert len(reader(empty_copy(source), tmp_path / fmt, link=False).tracks) == 2 * FRAMES
