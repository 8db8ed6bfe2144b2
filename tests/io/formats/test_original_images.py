"""Exported frames that are image files already are the user's own files, byte for byte
(no second JPEG loss), unless a reader would see other pixels than the labels were drawn on
(an EXIF rotation, another format): then they are written from the pixels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from annotator.io.formats import export_coco, export_yolo
from annotator.io.formats.options import ExportOptions
from annotator.io.frames import open_frames
from annotator.io.media import create_project_with_media
from tests.io.formats.test_photo_names import segment_each_photo

EXIF_ORIENTATION = 0x0112
ROTATED_90 = 6  # "rotate 90 clockwise to display"


def opener(video):  # noqa: ANN001, ANN201 - an OpenFrames
    return open_frames(video.path, background=False)


def export_photos(tmp_path: Path, media: list[Path], options: ExportOptions) -> Path:
    """A YOLO export (images included) of one labelled object on each photo in `media`."""
    project, _ = create_project_with_media(tmp_path / "p.annotator", media, photos=True)
    with project:
        segment_each_photo(project)
        export_yolo(project, tmp_path / "yolo", options, opener)
    return tmp_path / "yolo" / "images" / "train"


def test_photos_are_exported_as_their_own_files(tmp_path: Path, shared_dir: Path) -> None:
    images = sorted((shared_dir / "data" / "images").glob("*.jpg"))
    out = export_photos(tmp_path, images, ExportOptions())
    for original in images:
        assert (out / original.name).read_bytes() == original.read_bytes()
    project, _ = create_project_with_media(tmp_path / "c.annotator", images[:1], photos=True)
    with project:
        segment_each_photo(project)
        export_coco(project, tmp_path / "coco", ExportOptions(), opener)
    (written,) = (tmp_path / "coco" / "images").rglob("*.jpg")
    assert written.read_bytes() == images[0].read_bytes()


def test_a_photo_with_an_exif_rotation_is_written_as_labelled(tmp_path: Path) -> None:
    yy, xx = np.mgrid[0:60, 0:100]  # stored 100 wide, 60 high: smooth, so JPEG keeps it
    pixels = np.stack([2 * xx, 4 * yy, np.full_like(xx, 100)], axis=-1).astype(np.uint8)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATED_90
    photo = tmp_path / "phone.jpg"
    Image.fromarray(pixels).save(photo, exif=exif, quality=98)
    assert cv2.imread(str(photo)).shape == (100, 60, 3)  # a reader turns it upright
    out = export_photos(tmp_path, [photo], ExportOptions())
    written = out / "phone.jpg"
    assert written.read_bytes() != photo.read_bytes()
    shown = cv2.imread(str(written))
    stored = cv2.imread(str(photo), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    assert shown.shape == stored.shape == (60, 100, 3)  # the pixels the labels are on
    assert np.abs(shown.astype(int) - stored.astype(int)).mean() < 3  # one re-encode


def test_a_photo_in_another_format_is_converted(tmp_path: Path) -> None:
    photo = tmp_path / "scan.png"
    cv2.imwrite(str(photo), np.full((40, 50, 3), 120, np.uint8))
    out = export_photos(tmp_path, [photo], ExportOptions(image_ext=".jpg"))
    (written,) = out.iterdir()
    assert written.name == "scan.jpg" and written.read_bytes()[:2] == b"\xff\xd8"  # a JPEG


def test_the_frames_of_an_image_folder_are_copied(tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:03d}.png"), np.full((40, 50, 3), 40 * i, np.uint8))
    project, _ = create_project_with_media(tmp_path / "seq.annotator", [folder])
    with project:
        segment_each_photo(project)  # frame 0 labelled; every frame exported
        export_yolo(project, tmp_path / "yolo", ExportOptions(image_ext=".png"), opener)
    written = sorted(p.read_bytes() for p in (tmp_path / "yolo" / "images").rglob("*.png"))
    assert written == sorted(p.read_bytes() for p in folder.iterdir())
