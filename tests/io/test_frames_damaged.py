"""Truncated files and containers that misreport their length: no phantom frames, ever."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from annotator.io.frames import FrameIndexError, open_frames
from tests.io.frames_support import SHARED_VIDEOS, sequential_frames, write_clip


def _overclaiming_avi(tmp_path: Path, real: int, claimed: int) -> Path:
    """An MJPG AVI of `real` frames whose headers claim `claimed` frames."""
    clip = write_clip(tmp_path / "real.avi", n=real, fourcc="MJPG")
    assert clip is not None
    data = bytearray(clip.read_bytes())
    strh, avih = data.find(b"strh"), data.find(b"avih")
    data[strh + 40 : strh + 44] = struct.pack("<I", claimed)  # AVISTREAMHEADER.dwLength
    data[avih + 24 : avih + 28] = struct.pack("<I", claimed)  # AVIMAINHEADER.dwTotalFrames
    out = tmp_path / "overclaims.avi"
    out.write_bytes(bytes(data))
    return out


def test_overclaimed_count_never_yields_phantom_frames(tmp_path: Path) -> None:
    path = _overclaiming_avi(tmp_path, real=30, claimed=40)
    reference, count = sequential_frames(path)
    assert count == 30
    with open_frames(path, use_proxy_cache=False, background=False, prefetch_depth=0) as src:
        assert len(src) == 40 and not src.count_verified  # the container's claim, for now
        with pytest.raises(FrameIndexError, match="only 30 frames"):
            src[35]
        assert len(src) == 30  # learned from the failed read
        assert np.array_equal(src[29], reference[29])
        assert src.wait_ready(30)
        assert src.count_verified and len(src) == 30
        assert src.damaged and "40 frames" in (src.warning or "")


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_real_video_keeps_frames_before_the_damage(
    tmp_path: Path, fraction: float
) -> None:
    data = (SHARED_VIDEOS / "01_dog.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * fraction)])
    _, count = sequential_frames(cut, keep=())
    assert 0 < count < 289
    reference, _ = sequential_frames(cut, keep={0, count // 2, count - 1})
    with open_frames(cut, proxy_dir=tmp_path / "cache", prefetch_depth=0) as src:
        assert src.wait_ready(60)
        assert len(src) == count and src.count_verified
        assert src.damaged
        assert f"only {count} can be decoded" in (src.warning or "")
        for i in (count - 1, 0, count // 2):
            assert np.array_equal(src[i], reference[i])
        with pytest.raises(FrameIndexError):
            src[count]
        assert src.proxy(count - 1) is not None


def test_truncated_generated_mkv(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mkv", n=40, fourcc="mp4v")
    assert clip is not None
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size * 6 // 10])
    reference, count = sequential_frames(cut)
    assert 0 < count < 40
    with open_frames(cut, use_proxy_cache=False, wait=True) as src:
        assert len(src) == count and src.damaged
        for i in reversed(range(count)):
            assert np.array_equal(src[i], reference[i])


def test_healthy_file_is_not_damaged(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "ok.mp4", n=20)
    assert clip is not None
    with open_frames(clip, use_proxy_cache=False, wait=True) as src:
        assert not src.damaged and src.warning is None and len(src) == 20
