"""Start the built bundle the way a user would and check it works: `--version`, then the
window offscreen on the bundled sample clip, which must paint its first frame, write a
screenshot and exit 0. Before that, the bundle's contents: the sample clip is in it, model
weights are not (the app downloads them), nor CUDA libraries (it bundles torch's CPU build).
`python packaging/smoke_test.py [dist/annotator]`; prints the times."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT_S = 300
WEIGHT_SUFFIXES = (".pt", ".pth", ".ckpt", ".safetensors")
"""Checkpoint files: never bundled (the model manager downloads them on first use)."""


def contents_problems(bundle: Path) -> list[str]:
    """What is wrong with the bundle's files: a missing sample clip, weights, CUDA libraries."""
    files = [f for f in bundle.rglob("*") if f.is_file()]
    problems = []
    if not any(f.name == "sample.mp4" and f.parent.name == "resources" for f in files):
        problems.append("the sample clip resources/sample.mp4 is not bundled")
    weights = [f for f in files if f.suffix in WEIGHT_SUFFIXES]
    if weights:
        problems.append(f"model weights are bundled: {', '.join(map(str, weights[:5]))}")
    cuda = [f for f in files if f.name.startswith(("libcudart", "libcublas", "libcudnn"))]
    if cuda:
        problems.append(
            f"CUDA libraries are bundled (not torch's CPU build): {cuda[0]}; install the CPU "
            "wheel of the locked torch into .venv (pip install --force-reinstall --no-deps -c "
            "packaging/requirements.lock torch --index-url https://download.pytorch.org/whl/cpu)"
            " and run `make package` again"
        )
    return problems


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
    problems = contents_problems(bundle)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print("contents: the sample clip, no model weights, no CUDA libraries")
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
