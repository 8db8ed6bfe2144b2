"""The lock file pins every dependency pyproject.toml names, and the environment the suite
runs in is exactly the locked one (so CI tests what `make run` installs)."""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCK = REPO / "packaging" / "requirements.lock"


def locked() -> dict[str, str]:
    """Canonical package name -> exact version, from the lock file."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def declared() -> list[Requirement]:
    """The runtime and test requirements of pyproject.toml that apply to this interpreter."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for r in project["optional-dependencies"]["test"]]
    return [r for r in reqs if r.marker is None or r.marker.evaluate()]


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    pins = locked()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in {LOCK.name}"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{LOCK.name} pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}"
        )


def test_the_running_environment_is_the_locked_one() -> None:
    for name, version in locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "nothing"
        assert re.sub(r"\+.*", "", installed) == version, (
            f"{name} {installed} is installed but the lock says {version}: run `make test` "
            "in a fresh checkout, or `make lock` after changing pyproject.toml"
        )


def test_no_affected_pyside6_build_is_locked() -> None:
    """PySide6 6.12.x on CPython < 3.12 aborts the window (see tests/ui/test_long_session.py)."""
    pins = locked()
    if sys.version_info < (3, 12):
        assert not pins["pyside6-essentials"].startswith("6.12"), pins["pyside6-essentials"]
