"""Every way opening a frame source can fail gives our own exception with a clear message."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.io.frames import (
    EmptyFolderError,
    FrameSourceError,
    MixedImageSizesError,
    NotAVideoError,
    SourceClosedError,
    SourceMissingError,
    TruncatedVideoError,
    UnreadableImageError,
    UnsupportedCodecError,
    open_frames,
)
from tests.io.frames_support import SHARED_VIDEOS, write_clip


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceMissingError, match="does not exist"):
        open_frames(tmp_path / "nope.mp4")
    with pytest.raises(FileNotFoundError):  # also a FileNotFoundError for generic handlers
        open_frames(tmp_path / "nope.mp4")


@pytest.mark.parametrize("content", [b"hello, this is not a video\n" * 40, b"", b"\x00" * 5000])
def test_text_or_junk_renamed_mp4_is_not_a_video(tmp_path: Path, content: bytes) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_bytes(content)
    with pytest.raises(NotAVideoError, match="notes.mp4 is not a video"):
        open_frames(fake, use_proxy_cache=False)


def test_image_renamed_mp4_is_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "photo.mp4"
    ok, png = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))
    fake.write_bytes(png.tobytes())
    with pytest.raises(NotAVideoError, match="PNG image.*open the folder"):
        open_frames(fake, use_proxy_cache=False)


def test_unsupported_codec(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.avi", n=5, fourcc="MJPG")
    assert clip is not None
    data = clip.read_bytes().replace(b"MJPG", b"QZQZ")  # a codec tag no decoder knows
    odd = tmp_path / "odd.avi"
    odd.write_bytes(data)
    with pytest.raises(UnsupportedCodecError, match="odd.avi is an avi file.*codec"):
        open_frames(odd, use_proxy_cache=False)


def test_mp4_without_moov_is_truncated(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=20)  # OpenCV writes the moov box last
    assert clip is not None
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    with pytest.raises(TruncatedVideoError, match="moov"):
        open_frames(cut, use_proxy_cache=False)


def test_video_with_no_decodable_frame_is_truncated(tmp_path: Path) -> None:
    data = (SHARED_VIDEOS / "01_dog.mp4").read_bytes()
    cut = tmp_path / "stub.mp4"
    cut.write_bytes(data[: len(data) // 50])  # the index survives, the first frame does not
    with pytest.raises(TruncatedVideoError, match="not a single frame"):
        open_frames(cut, use_proxy_cache=False)


def test_empty_folder_and_folder_without_images(tmp_path: Path) -> None:
    with pytest.raises(EmptyFolderError, match="no images"):
        open_frames(tmp_path)
    (tmp_path / "readme.txt").write_text("no pictures here")
    (tmp_path / ".hidden.png").write_bytes(b"")
    with pytest.raises(EmptyFolderError):
        open_frames(tmp_path)


def test_folder_with_mixed_sizes(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "f1.png"), np.zeros((20, 30, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "f2.jpg"), np.zeros((20, 30, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "f3.png"), np.zeros((21, 30, 3), np.uint8))
    with pytest.raises(MixedImageSizesError, match=r"f3.png is 30x21"):
        open_frames(tmp_path)


def test_folder_with_unreadable_image(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((20, 30, 3), np.uint8))
    (tmp_path / "b.jpg").write_bytes(b"this is text, not a jpeg")
    with pytest.raises(UnreadableImageError, match="b.jpg"):
        open_frames(tmp_path)


def test_image_damaged_after_its_header_fails_on_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for k in range(3):
        cv2.imwrite(str(tmp_path / f"{k}.png"), rng.integers(0, 255, (40, 40, 3), np.uint8))
    damaged = tmp_path / "1.png"
    damaged.write_bytes(damaged.read_bytes()[:60])  # header intact, pixels gone
    with open_frames(tmp_path, use_proxy_cache=False, background=False) as src:
        assert len(src) == 3
        assert src[0].shape == (40, 40, 3)
        with pytest.raises(UnreadableImageError, match="1.png"):
            src[1]


def test_use_after_close(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", n=5)
    assert clip is not None
    src = open_frames(clip, use_proxy_cache=False)
    src.close()
    src.close()  # idempotent
    assert src.closed
    with pytest.raises(SourceClosedError):
        src[0]
    with pytest.raises(FrameSourceError):
        src.proxy(0)
