"""Refuse to start on a Qt binding known to crash the window, with the command that fixes it.

PySide6 / shiboken6 6.12.x on CPython < 3.12 drops a reference to None on every call that
returns nothing; the window aborts ("Fatal Python error: none_dealloc") after a few hundred
frame changes. pyproject.toml keeps it out of pip's choice; this catches other installs.
"""

from __future__ import annotations

import sys

FIX = "pip install 'PySide6-Essentials>=6.6,<6.12'"


def known_broken_qt(version: str, python: tuple[int, int]) -> str | None:
    """Why this PySide6 `version` cannot run the window on CPython `python`, or None."""
    parts = version.split(".")
    if python < (3, 12) and parts[:2] == ["6", "12"]:
        return (
            f"PySide6 {version} on Python {python[0]}.{python[1]} crashes after a few hundred "
            f"frames (it loses a reference to None on every Qt call). Install a working "
            f"build with `{FIX}`, or use Python 3.12 or newer."
        )
    return None


def installed_qt_problem() -> str | None:
    """`known_broken_qt` for the PySide6 this interpreter imports."""
    import PySide6

    return known_broken_qt(PySide6.__version__, sys.version_info[:2])
