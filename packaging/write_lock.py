"""Write the lock file: the exact versions installed in a resolved environment, as pip
constraints (`pip install -c packaging/requirements.lock ...`).

`python packaging/write_lock.py PYTHON OUT`: PYTHON is the interpreter of the resolved venv.
A local version label (torch's `+cpu`) is dropped, so the CUDA build of the same release
satisfies the lock too; the project itself (installed editable) is left out.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

HEADER = """\
# The exact dependency set CI tested (pip constraints). Written by `make lock`; do not edit.
# Resolved on CPython {python} ({machine}). Used by `make run`, `make test` and the bundle.
"""


def frozen(python: str) -> list[str]:
    """`name==version` lines of everything installed in that interpreter's environment."""
    out = subprocess.run(
        [python, "-m", "pip", "freeze", "--exclude-editable", "--all"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "==" not in line:
            continue
        name, version = line.split("==", 1)
        if name.lower() in ("pip", "setuptools", "wheel"):
            continue
        lines.append(f"{name}=={version.split('+', 1)[0]}")
    return sorted(lines, key=str.lower)


def main(python: str, out: str) -> int:
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    text = HEADER.format(python=version, machine=platform.machine())
    Path(out).write_text(text + "\n".join(frozen(python)) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
