"""Video sources: src[i] equals sequential decoding, for real and generated files, any order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.io.frames import FrameIndexError, VideoFileSource, open_frames
from tests.io.frames_support import SHARED_VIDEOS, WRITER_FORMATS, sequential_frames, write_clip

REAL_VIDEOS = sorted(SHARED_VIDEOS.glob("*.mp4"))


def _check_orders(src, reference: dict[int, np.ndarray], seed: int, orders: int = 3) -> None:
    """Read the reference indices shuffled, backward and forward; every frame must be exact."""
    indices = sorted(reference)
    rng = np.random.default_rng(seed)
    shuffled = [int(i) for i in rng.permutation(indices)]
    for order in (shuffled, indices[::-1], indices)[:orders]:
        src.cache.clear()
        for i in order:
            frame = src[int(i)]
            assert frame.dtype == np.uint8 and frame.shape == reference[i].shape
            assert np.array_equal(frame, reference[i]), f"frame {i} differs from sequential decode"


@pytest.mark.parametrize("video", REAL_VIDEOS, ids=lambda p: p.name)
def test_real_video_random_access_is_exact(video: Path, tmp_path: Path) -> None:
    import cv2

    cap = cv2.VideoCapture(str(video))
    claimed = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    rng = np.random.default_rng(7)
    sample = {0, 1, claimed - 1, *rng.integers(2, claimed - 1, 6).tolist()}
    reference, count = sequential_frames(video, keep=sample)
    assert count == claimed
    with open_frames(video, proxy_dir=tmp_path, prefetch_depth=0) as src:
        # Before the pass has indexed them, repositioning restarts from frame 0: still exact.
        for i in sorted(sample)[1:3]:
            assert np.array_equal(src[i], reference[i])
        assert src.wait_ready(60)
        assert src.count_verified and len(src) == count
        assert (src.width, src.height) == reference[0].shape[1::-1]
        # With the index: verified seeks, and decoders reused going forward.
        _check_orders(src, reference, seed=1, orders=3 if video.name == "01_dog.mp4" else 1)


@pytest.mark.parametrize(("fourcc", "ext"), WRITER_FORMATS, ids=lambda v: str(v))
def test_generated_clip_every_frame_exact(fourcc: str, ext: str, tmp_path: Path) -> None:
    path = write_clip(tmp_path / f"clip_{fourcc}{ext}", n=40, fourcc=fourcc)
    if path is None:
        pytest.skip(f"this OpenCV cannot write {fourcc} into {ext}")
    reference, count = sequential_frames(path)
    assert count == 40
    with open_frames(path, proxy_dir=tmp_path / "cache", max_decoders=2) as src:
        assert src.wait_ready(30)
        assert len(src) == 40 and src.count_verified and not src.damaged
        assert (src.width, src.height, src.fps) == (160, 120, pytest.approx(25.0))
        keyframes = src.index.keyframes  # found by the pass, from the decoded frame types
        assert keyframes[0] == 0
        if fourcc in ("MJPG", "FFV1"):
            assert keyframes == list(range(40))  # intra-only codecs
        _check_orders(src, reference, seed=len(ext))


def test_metadata_and_fingerprint(tmp_path: Path) -> None:
    a = write_clip(tmp_path / "a.mp4", n=12)
    b = write_clip(tmp_path / "b.mp4", n=13)
    assert a is not None and b is not None
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(a.read_bytes())
    with (
        open_frames(a, use_proxy_cache=False) as sa,
        open_frames(copy, use_proxy_cache=False) as sc,
    ):
        assert isinstance(sa, VideoFileSource)
        assert sa.kind == "video" and sa.codec  # e.g. "FMP4" for mp4v
        assert sa.fingerprint == sc.fingerprint and len(sa.fingerprint) == 32
        assert sa.num_frames == len(sa) == 12
        assert "12 frames" in repr(sa)
    with open_frames(b, use_proxy_cache=False) as sb:
        assert sb.fingerprint != sa.fingerprint


def test_index_errors_are_clear(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "c.avi", n=10, fourcc="MJPG")
    assert path is not None
    with open_frames(path, use_proxy_cache=False, wait=True) as src:
        for bad in (-1, 10, 1000, 1.5, "3", True, None):
            with pytest.raises(FrameIndexError):
                src[bad]  # type: ignore[index]
        with pytest.raises(IndexError):  # FrameIndexError is an IndexError too
            src[10]
        assert np.array_equal(src[np.int64(3)], src[3])


def test_frames_are_read_only(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "ro.mp4", n=6)
    assert path is not None
    with open_frames(path, use_proxy_cache=False) as src:
        frame = src[2]
        with pytest.raises(ValueError):
            frame[0, 0, 0] = 1
        assert frame.flags.c_contiguous


def test_sequential_reading_uses_one_decoder(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "seq.mp4", n=30)
    assert path is not None
    with open_frames(path, use_proxy_cache=False, prefetch_depth=0, background=False) as src:
        assert isinstance(src, VideoFileSource)
        reference, _ = sequential_frames(path)
        restarts = src.decoders.restarts  # opening decoded frame 0
        for i in range(30):
            assert np.array_equal(src[i], reference[i])
        assert src.decoders.size == 1
        assert src.decoders.seeks == 0 and src.decoders.restarts == restarts
