"""Before Qt starts: are the system libraries of its X11 (xcb) platform plugin installed?

Without them Qt aborts with "Could not load the Qt platform plugin xcb" and a list of
plugins; a fresh Debian/Ubuntu machine lacks several. `qt_platform_problem()` finds the
missing ones (the plugin's linked libraries through `ldd`, and libxcb-cursor, which Qt opens
at run time) and returns a message with the one apt command that installs them.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

# shared library -> the Debian/Ubuntu package that ships it
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
RUNTIME_LOADED = ("libxcb-cursor.so.0",)  # dlopen()ed by Qt >= 6.5, not linked


def wants_xcb(environ: dict[str, str] | None = None) -> bool:
    """Whether Qt will use its xcb plugin: Linux, and QT_QPA_PLATFORM unset or naming xcb."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    return sys.platform.startswith("linux") and (not platform or platform.startswith("xcb"))


def xcb_plugin() -> Path | None:
    """PySide6's libqxcb.so, or None when PySide6 or the plugin is not installed."""
    try:
        import PySide6
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def parse_ldd(output: str) -> list[str]:
    """The libraries `ldd` reports as "not found", each once, in its order."""
    missing: list[str] = []
    for line in output.splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found" and name not in missing:
            missing.append(name)
    return missing


def _loadable(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_xcb_libraries() -> list[str]:
    """System libraries the xcb plugin needs that this machine lacks ([] when unknown)."""
    plugin, ldd = xcb_plugin(), shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    missing = parse_ldd(done.stdout)
    return missing + [n for n in RUNTIME_LOADED if n not in missing and not _loadable(n)]


def apt_command(missing: list[str]) -> str:
    """The apt-get line that installs the packages of these libraries."""
    packages = dict.fromkeys(DEBIAN_PACKAGES.get(name, name) for name in missing)
    return "sudo apt-get install -y " + " ".join(packages)


def qt_platform_problem() -> str | None:
    """The message to print instead of starting Qt when its xcb plugin cannot load, or None."""
    if not wants_xcb():
        return None
    missing = missing_xcb_libraries()
    if not missing:
        return None
    return (
        "the window cannot start: Qt's X11 platform plugin needs system libraries this "
        f"machine lacks ({', '.join(missing)}). Install them with:\n\n"
        f"    {apt_command(missing)}\n\n"
        "(other distributions: install the packages providing those files), then run it again. "
        "Without a display, QT_QPA_PLATFORM=offscreen runs it headless."
    )
