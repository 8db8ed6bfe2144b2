"""Start the built bundle the way a user would and check it works: `--version`, then the
window offscreen on the bundled sample clip, which must paint its first frame, write a
screenshot and exit 0. `python packaging/smoke_test.py [dist/annotator]`; prints the times."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT_S = 300


def run(exe: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the bundled executable with `args`, offscreen, in an empty user folder."""
    home = Path(tempfile.mkdtemp(prefix="annotator-smoke-"))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "ANNOTATOR_CACHE": str(home / "cache"),
        "ANNOTATOR_CONFIG": str(home / "config"),
        "ANNOTATOR_DATA": str(home / "data"),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [str(exe), *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    return done, time.perf_counter() - start


def main(bundle: Path) -> int:
    exe = bundle / ("annotator.exe" if os.name == "nt" else "annotator")
    if not exe.is_file():
        print(f"no bundle at {exe}: run `make package` first", file=sys.stderr)
        return 2
    done, seconds = run(exe, "--version")
    print(f"--version: exit {done.returncode} in {seconds:.1f} s: {done.stdout.strip()}")
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return 1
    shot = Path(tempfile.mkdtemp(prefix="annotator-shot-")) / "window.png"
    done, seconds = run(exe, "gui", "--screenshot", str(shot))
    size = shot.stat().st_size if shot.is_file() else 0
    print(
        f"window on the sample clip: exit {done.returncode} in {seconds:.1f} s, "
        f"screenshot {size} bytes at {shot}"
    )
    if done.returncode != 0 or size == 0:
        print(done.stdout[-2000:], done.stderr[-3000:], file=sys.stderr)
        return 1
    total = sum(f.lstat().st_size for f in bundle.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"bundle: {total / 2**20:.0f} MiB in {bundle}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "dist/annotator")))
