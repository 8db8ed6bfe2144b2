"""`annotator gui` on a machine without the X11 libraries of Qt's xcb plugin prints the one
apt command that installs them, instead of Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.platform_check import (
    apt_command,
    missing_xcb_libraries,
    parse_ldd,
    qt_platform_problem,
)

LDD_SAMPLE = """\
\tlinux-vdso.so.1 (0x00007ffd6b1f5000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f5a1c3d0000)
\tlibxcb-icccm.so.4 => not found
"""


def test_ldd_output_gives_the_missing_libraries_once_in_order() -> None:
    assert parse_ldd(LDD_SAMPLE) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_the_apt_command_names_the_debian_packages() -> None:
    missing = ["libxcb-icccm.so.4", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libEGL.so.1"]
    assert apt_command(missing) == (
        "sudo apt-get install -y libxcb-icccm4 libxcb-cursor0 libxkbcommon-x11-0 libegl1"
    )


def test_no_check_when_qt_runs_without_x11(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert qt_platform_problem() is None


def test_gui_without_the_xcb_libraries_prints_the_apt_command(tmp_path: Path) -> None:
    missing = missing_xcb_libraries()
    if not missing:
        pytest.skip("this machine has every library Qt's xcb plugin needs")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=":99", ANNOTATOR_DATA=str(tmp_path), ANNOTATOR_CACHE=str(tmp_path))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from annotator.cli import main; sys.exit(main(['gui']))",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 1, done.stderr
    assert apt_command(missing) in done.stderr
    assert "Could not load the Qt platform plugin" not in done.stderr
