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
# The venv's own installers, which the lock leaves to `python -m venv` (see write_lock.py).
INSTALLERS = {"pip", "setuptools", "wheel"}


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


def required_closure(project: str, extras: tuple[str, ...]) -> set[str]:
    """Canonical names of every distribution `project[extras]` needs, transitively, here."""
    needed: set[str] = set()
    todo = [(project, extras)]
    while todo:
        name, wanted = todo.pop()
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            applies = req.marker is None or any(
                req.marker.evaluate({"extra": extra}) for extra in (wanted or ("",))
            )
            dep = canonicalize_name(req.name)
            if applies and dep not in needed and dep not in INSTALLERS:
                needed.add(dep)
                todo.append((dep, tuple(req.extras)))
    return needed


def installed_version(name: str) -> str:
    try:
        return re.sub(r"\+.*", "", metadata.version(name))
    except metadata.PackageNotFoundError:
        return "nothing"


def test_the_running_environment_is_the_locked_one() -> None:
    """What the suite needs is installed at its locked version; the bundle's extra tools
    (PyInstaller and its helpers, also locked) may be absent, but never at another version."""
    pins = locked()
    for name in required_closure("annotator", ("test",)):
        assert name in pins, f"{name} is needed but not in {LOCK.name}: run `make lock`"
        assert installed_version(name) == pins[name], (
            f"{name} {installed_version(name)} is installed but the lock says {pins[name]}: "
            "run `make test` in a fresh checkout, or `make lock` after changing pyproject.toml"
        )
    for name, version in pins.items():
        installed = installed_version(name)
        assert installed in (version, "nothing"), (
            f"{name} {installed} is installed but the lock says {version}"
        )


def test_no_affected_pyside6_build_is_locked() -> None:
    """PySide6 6.12.x on CPython < 3.12 aborts the window (see tests/ui/test_long_session.py)."""
    pins = locked()
    if sys.version_info < (3, 12):
        assert not pins["pyside6-essentials"].startswith("6.12"), pins["pyside6-essentials"]


def test_every_install_of_make_run_test_and_package_goes_through_the_lock() -> None:
    """The Makefile's installs (the venv `make run`/`make test` set up, the bundle's extra)
    are constrained by the lock; only `make lock` resolves without it."""
    makefile = (REPO / "Makefile").read_text()
    assert f"LOCK := {LOCK.relative_to(REPO).as_posix()}" in makefile
    recipe, installs = "", []
    for line in makefile.splitlines():
        if line and not line[0].isspace() and ":" in line:
            recipe = line.split(":", 1)[0].strip()
        elif "pip install" in line and recipe != "lock":
            installs.append((recipe, line.strip()))
    assert {recipe for recipe, _ in installs} == {"$(STAMP)", "package"}
    for recipe, line in installs:
        if "--upgrade pip" not in line:
            assert "-c $(LOCK)" in line, f"{recipe}: {line}"
