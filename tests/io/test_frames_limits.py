"""Limits said in words: an image too large to decode sensibly is refused before decoding,
naming its size and the limit; a full disk under the proxy cache keeps the scrub previews
(in memory) and says so."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import cv2
import pytest

from annotator.io.frames import ImageTooLargeError, open_frames
from tests.io.frames_support import synthetic_frame


def huge_png(path: Path, width: int = 20000, height: int = 20000) -> Path:
    """A valid, all-black greyscale PNG of width x height (a few hundred KB on disk)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def test_a_20000_by_20000_image_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), synthetic_frame(0))
    huge_png(folder / "big.png")
    for target in (folder / "big.png", folder):
        with pytest.raises(ImageTooLargeError) as caught:
            open_frames(target)
        assert str(caught.value) == (
            "big.png is 20000x20000 pixels (400 megapixels); the annotator opens images of up "
            "to 100 megapixels (one such frame takes 1.2 GB decoded). Scale it down first, "
            "e.g. `convert big.png -resize 50% big_small.png` (ImageMagick)."
        )


FULL_DISK_CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import cv2
    sys.path.insert(0, ".")
    from tests.io.frames_support import synthetic_frame
    from annotator.io.frames import open_frames
    folder = Path(sys.argv[1])
    with open_frames(folder, proxy_dir=Path(sys.argv[2]), proxy_memory_bytes=0, wait=True) as src:
        print(json.dumps({
            "state": src.proxy_pass.state.value,
            "done": src.proxies_done,
            "previews": sum(src.proxy(i) is not None for i in range(len(src))),
            "problem": src.proxy_problem,
            "frames": len(src),
        }))
    """
)


def test_a_full_disk_under_the_proxy_cache_keeps_previews_and_says_so(tmp_path: Path) -> None:
    if not (shutil.which("unshare") and shutil.which("mount")):
        pytest.skip("needs unshare and mount to make a small full filesystem")
    folder = tmp_path / "seq"
    folder.mkdir()
    for i in range(40):
        cv2.imwrite(str(folder / f"{i:03d}.png"), synthetic_frame(i, 320, 240))
    cache = tmp_path / "cache"
    cache.mkdir()
    root = Path(__file__).resolve().parents[2]
    script = (
        f"mount -t tmpfs -o size=48k tmpfs {cache} && "
        f"{sys.executable} -c '{FULL_DISK_CHILD}' {folder} {cache}"
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=root, timeout=120
    )
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["state"] == "done" and result["done"] == result["previews"] == 40
    assert result["problem"] == (
        f"scrub previews are not saved for next time: the proxy cache folder {cache} is full "
        "([Errno 28] No space left on device); this session keeps them in memory. Free space "
        "there, or set ANNOTATOR_CACHE to a folder on another disk."
    )
