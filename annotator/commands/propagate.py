"""`annotator propagate`: not built yet."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register the `propagate` subcommand."""
    p = subparsers.add_parser("propagate", help="propagate (not built yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    """Say clearly that this subcommand does not exist yet."""
    print("annotator propagate: not built yet", file=sys.stderr)
    return 2
