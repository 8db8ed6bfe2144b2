"""The `annotator` command: `gui` (the default), `new`, `add`, `propagate`, `batch`,
`export`, `import`, `models`.

Each subcommand lives in its own module under `annotator.commands` exposing
`add_parser(subparsers)` and `run(args) -> int`; this file only dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from annotator import __version__

# subcommand name -> module under annotator.commands
COMMANDS: dict[str, str] = {
    "gui": "gui",
    "new": "new",
    "add": "add",
    "propagate": "propagate",
    "batch": "batch",
    "export": "export",
    "import": "import_",
    "models": "models",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered by its module."""
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Segment and track objects in images and videos with SAM2.",
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        module = importlib.import_module(f"annotator.commands.{module_name}")
        module.add_parser(subparsers)
    return parser


def with_default_command(argv: Sequence[str]) -> list[str]:
    """`annotator`, `annotator VIDEO` and `annotator --model M` mean `annotator gui ...`."""
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help", "--version"):
        return ["gui", *argv]
    return list(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; with no subcommand, opens the GUI on the bundled sample clip."""
    parser = build_parser()
    args = parser.parse_args(with_default_command(sys.argv[1:] if argv is None else argv))
    module = importlib.import_module(f"annotator.commands.{COMMANDS[args.command]}")
    return int(module.run(args))


if __name__ == "__main__":
    sys.exit(main())
