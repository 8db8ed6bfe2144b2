"""Projects from media (annotator.io.media): videos, sequences, photo sets of mixed sizes."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.domain import Project
from annotator.io.formats.coco import export_coco
from annotator.io.frames import open_frames
from annotator.io.media import (
    MediaError,
    add_media,
    create_project_with_media,
    ensure_video,
    find_media,
    media_kind,
)
from annotator.io.store import open_project


@pytest.fixture()
def images(shared_dir: Path) -> Path:
    return shared_dir / "data" / "images"


@pytest.fixture()
def bedroom(shared_dir: Path) -> Path:
    return shared_dir / "data" / "videos" / "bedroom.mp4"


def write_sequence(folder: Path, n: int = 3, size: tuple[int, int] = (64, 48)) -> Path:
    folder.mkdir()
    for i in range(n):
        img = np.full((size[1], size[0], 3), 20 * i, np.uint8)
        assert cv2.imwrite(str(folder / f"frame_{i}.png"), img)
    return folder


def test_a_folder_of_mixed_sizes_is_a_photo_set_with_each_image_at_its_own_size(
    tmp_path: Path, images: Path
) -> None:
    project, added = create_project_with_media(tmp_path / "photos.annotator", [images])
    with project:
        assert [(Path(a.path).name, a.kind, a.new) for a in added] == [
            ("cars.jpg", "photo", True),
            ("groceries.jpg", "photo", True),
            ("truck.jpg", "photo", True),
        ]
        sizes = {Path(v.path).name: (v.width, v.height, v.num_frames) for v in project.videos}
        assert sizes == {
            "cars.jpg": (2250, 1500, 1),
            "groceries.jpg": (800, 534, 1),
            "truck.jpg": (1800, 1200, 1),
        }
        assert {media_kind(v) for v in project.videos} == {"photo"}
        for video in project.videos:  # the window opens a photo as a one-frame source
            with open_frames(video.path, background=False) as frames:
                assert frames[0].shape == (video.height, video.width, 3)
                assert frames.fingerprint == video.fingerprint


def test_a_folder_of_one_size_stays_a_sequence_unless_photos_are_asked_for(
    tmp_path: Path,
) -> None:
    folder = write_sequence(tmp_path / "seq")
    assert [i.kind for i in find_media([folder])] == ["sequence"]
    assert [i.kind for i in find_media([folder], photos=True)] == ["photo"] * 3
    project, added = create_project_with_media(tmp_path / "s.annotator", [folder])
    with project:
        (video,) = project.videos
        assert (video.width, video.height, video.num_frames) == (64, 48, 3)
        assert media_kind(video) == "sequence" and added[0].kind == "sequence"


def test_add_extends_a_project_and_recognises_media_it_already_has(
    tmp_path: Path, images: Path, bedroom: Path
) -> None:
    path = tmp_path / "p.annotator"
    project, _ = create_project_with_media(path, [bedroom])
    project.close()
    with open_project(path) as project:
        added = add_media(project, [images / "truck.jpg", bedroom])
        assert [(a.kind, a.new) for a in added] == [("photo", True), ("video", False)]
        assert added[1].video_id == project.videos[0].id
    with open_project(path) as project:  # committed to the file
        assert sorted(media_kind(v) for v in project.videos) == ["photo", "video"]
        video = next(v for v in project.videos if media_kind(v) == "video")
        assert (video.width, video.height, video.num_frames > 1) == (960, 540, True)


def test_a_bad_medium_changes_nothing_and_says_which_file(tmp_path: Path, images: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    with pytest.raises(MediaError, match="broken.mp4"):
        create_project_with_media(tmp_path / "new.annotator", [images, broken])
    assert not (tmp_path / "new.annotator").exists()
    with pytest.raises(MediaError, match="does not exist"):
        find_media([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="holds no images"):
        find_media([tmp_path / "empty"])
    path = tmp_path / "p.annotator"
    create_project_with_media(path, [images / "cars.jpg"])[0].close()
    with open_project(path) as project, pytest.raises(MediaError, match="broken.mp4"):
        add_media(project, [images / "truck.jpg", broken])
    with open_project(path) as project:
        assert [Path(v.path).name for v in project.videos] == ["cars.jpg"]


def test_a_photo_that_changed_size_under_the_same_path_is_refused(
    tmp_path: Path, images: Path
) -> None:
    photo = tmp_path / "photo.jpg"
    shutil.copy(images / "groceries.jpg", photo)
    path = tmp_path / "p.annotator"
    create_project_with_media(path, [photo])[0].close()
    assert cv2.imwrite(str(photo), np.zeros((10, 20, 3), np.uint8))
    with open_project(path) as project, pytest.raises(MediaError, match="now differs"):
        add_media(project, [photo])


def test_ensure_video_takes_plain_frame_lists() -> None:
    project = Project()
    frames = [np.zeros((12, 16, 3), np.uint8)] * 4
    video_id = ensure_video(project, frames)
    video = project.video(video_id)
    assert (video.width, video.height, video.num_frames, video.path) == (16, 12, 4, "<memory>")
    assert ensure_video(project, frames) == video_id


def test_coco_export_of_a_photo_set_carries_each_image_size(tmp_path: Path, images: Path) -> None:
    import json

    from annotator.domain import AddTrack, History, Mask, Provenance, SetMask
    from annotator.io.formats.options import ExportOptions

    project, _ = create_project_with_media(tmp_path / "p.annotator", [images])
    with project:
        history = History(project)
        cat = project.add_category("thing")
        for video in project.videos:
            track = history.execute(AddTrack(video.id, category_id=cat.id)).track_id
            blob = np.zeros((video.height, video.width), bool)
            blob[10:50, 20:90] = True
            history.execute(SetMask(video.id, 0, track, Mask.from_array(blob), Provenance.EDITED))
        export_coco(project, tmp_path / "out", ExportOptions(with_images=False))
    data = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert sorted((i["width"], i["height"]) for i in data["images"]) == [
        (800, 534),
        (1800, 1200),
        (2250, 1500),
    ]


def test_a_medium_whose_pixels_changed_under_the_same_path_and_size_is_refused(
    tmp_path: Path,
) -> None:
    folder = write_sequence(tmp_path / "seq")
    path = tmp_path / "p.annotator"
    create_project_with_media(path, [folder])[0].close()
    first = folder / "frame_0.png"
    assert cv2.imwrite(str(first), np.full((48, 64, 3), 200, np.uint8))  # same size, new pixels
    with open_project(path) as project:
        with pytest.raises(MediaError, match="not the video this project was annotated on"):
            add_media(project, [folder])
        assert project.videos[0].fingerprint != "unknown"
