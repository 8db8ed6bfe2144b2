"""`annotator export`: not built yet."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register the `export` subcommand."""
    p = subparsers.add_parser("export", help="export (not built yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    """Say clearly that this subcommand does not exist yet."""
    print("annotator export: not built yet", file=sys.stderr)
    return 2
