"""`annotator import`: not built yet."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register the `import` subcommand."""
    p = subparsers.add_parser("import", help="import (not built yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    """Say clearly that this subcommand does not exist yet."""
    print("annotator import: not built yet", file=sys.stderr)
    return 2
