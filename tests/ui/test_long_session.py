"""A long session never crashes: PySide6 6.12.0 on CPython < 3.12 drops a reference to None on
every Qt call that returns nothing, and the window aborts after a few hundred frame changes
("Fatal Python error: none_dealloc", exit 134). Each check runs in its own process."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

# None's count moves by a handful as objects come and go; an affected build loses one per
# call, and the process aborts when it reaches zero. A rise is harmless (None is never
# freed; shiboken 6.11 adds one on some virtual calls of Python-made list items), so only a
# fall fails.
TOLERANCE = 50


def run_session(mode: str, count: int) -> int:
    """Run `tests.ui.scrub_session MODE COUNT`; the drop of None's reference count it reports."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.scrub_session", mode, str(count)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (
        f"the session died with exit code {done.returncode} after at most {count} steps:\n"
        f"{done.stderr[-2000:]}"
    )
    found = re.search(r"none_refcount_drop=(-?\d+)", done.stdout)
    assert found, done.stdout
    return int(found.group(1))


def test_none_refcount_is_stable_over_ten_thousand_void_calls() -> None:
    drop = run_session("calls", 10_000)
    assert drop < TOLERANCE, f"None lost {drop} references over 10,000 Qt calls"


@pytest.mark.slow
def test_window_survives_three_thousand_frame_changes() -> None:
    drop = run_session("window", 3_000)
    assert drop < TOLERANCE, f"None lost {drop} references over 3,000 frame changes"


def test_an_affected_build_is_refused_with_the_command_that_fixes_it() -> None:
    from annotator.ui.qt_build import FIX, installed_qt_problem, known_broken_qt

    message = known_broken_qt("6.12.0", (3, 11))
    assert message is not None and FIX in message and "6.12.0" in message
    assert known_broken_qt("6.12.0", (3, 12)) is None
    assert known_broken_qt("6.11.3", (3, 11)) is None
    assert installed_qt_problem() is None  # the locked build is a working one
