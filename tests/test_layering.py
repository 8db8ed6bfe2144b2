"""The layering contract of design.md, enforced by walking every module's imports.

domain and io import neither PySide6 nor torch; engine and service import no PySide6;
and imports between our own layers point one way: ui → service → engine → domain,
ui/service → io → domain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "annotator"

# layer -> top-level modules it must not import (third-party or our own layers)
FORBIDDEN: dict[str, set[str]] = {
    "domain": {
        "PySide6",
        "torch",
        "annotator.io",
        "annotator.engine",
        "annotator.service",
        "annotator.ui",
    },
    "io": {"PySide6", "torch", "annotator.engine", "annotator.service", "annotator.ui"},
    "engine": {"PySide6", "annotator.service", "annotator.ui"},
    "service": {"PySide6", "annotator.ui"},
}


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in a file under `root`, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package_parts = list(path.relative_to(root).with_suffix("").parts)[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def layering_violations(package: Path) -> list[str]:
    """Every import in `package` that breaks the contract, as 'file:line imports X'."""
    problems: dict[tuple[str, int, str], str] = {}
    for layer, banned in FORBIDDEN.items():
        for path in sorted((package / layer).rglob("*.py")):
            rel = str(path.relative_to(package.parent))
            for line, module in imported_modules(path, package.parent):
                hit = next((b for b in banned if module == b or module.startswith(b + ".")), None)
                if hit and (rel, line, hit) not in problems:
                    problems[rel, line, hit] = (
                        f"{rel}:{line} imports {module} ({layer} must not import {hit})"
                    )
    return sorted(problems.values())


def test_layers_import_only_downwards() -> None:
    assert layering_violations(PACKAGE) == []


@pytest.mark.parametrize(
    ("layer", "source", "banned"),
    [
        ("domain", "import torch\n", "torch"),
        ("io", "from PySide6 import QtCore\n", "PySide6"),
        ("engine", "from PySide6.QtWidgets import QWidget\n", "PySide6"),
        ("service", "from ..ui import main_window\n", "annotator.ui"),
        ("domain", "from annotator.engine import sam2\n", "annotator.engine"),
    ],
)
def test_checker_catches_a_bad_import(tmp_path: Path, layer: str, source: str, banned: str) -> None:
    package = tmp_path / "annotator"
    (package / layer).mkdir(parents=True)
    (package / layer / "bad.py").write_text(source)
    problems = layering_violations(package)
    assert len(problems) == 1 and f"must not import {banned}" in problems[0]
