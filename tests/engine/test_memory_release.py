"""release_free_memory hands freed heap pages back to the OS (what keeps RSS flat)."""

from __future__ import annotations

import ctypes
import sys

import pytest

from annotator.engine.memory_release import release_free_memory


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_pages_leave_the_process() -> None:
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(64 * 1024) for _ in range(2000)]  # 125 MB, below mmap's threshold
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024)
    before = rss_mb()
    for block in blocks[:-1]:  # the last block pins the heap's top: no automatic trim
        libc.free(block)
    kept = rss_mb()
    assert release_free_memory()
    after = rss_mb()
    libc.free(blocks[-1])
    assert kept > before - 20  # freeing alone gave little back
    assert after < kept - 80  # the trim returned most of the 125 MB
