"""`annotator models list|download|verify`: the per-user cache of official SAM2 checkpoints.

Exit codes: 0 success, 1 a download or verification failed, 2 a bad argument (unknown model),
130 interrupted (a partial download is kept and resumed next time).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from annotator.engine.weights import (
    CacheStatus,
    VerifyReport,
    WeightsError,
    WeightsManager,
)
from annotator.engine.weights_registry import DEFAULT_MODEL

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_parser(subparsers: Any) -> None:
    """Register the `models` subcommand and its `list`, `download` and `verify` actions."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--cache-dir",
        type=Path,
        help="cache folder (default: $ANNOTATOR_CACHE/models or ~/.cache/annotator/models)",
    )
    common.add_argument(
        "--base-url", help="download server (default: $ANNOTATOR_WEIGHTS_URL or Meta's)"
    )
    p = subparsers.add_parser(
        "models",
        help="list, download and verify the SAM2 checkpoints",
        description="Manage the official SAM2 / SAM2.1 checkpoints in the per-user cache.",
    )
    actions = p.add_subparsers(dest="models_command", metavar="ACTION")
    actions.add_parser("list", parents=[common], help="the eight models: size, cached or not, path")
    download = actions.add_parser(
        "download", parents=[common], help="download a model (resumes a partial download)"
    )
    download.add_argument("name", metavar="NAME", help=f"model name, e.g. {DEFAULT_MODEL}")
    download.add_argument(
        "--force", action="store_true", help="download again even if the file is cached"
    )
    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="check cached models, one model, or any checkpoint file",
    )
    verify.add_argument(
        "target",
        nargs="?",
        metavar="NAME|PATH",
        help="a model name or a checkpoint file (default: every cached model)",
    )
    verify.add_argument(
        "--no-checksum", action="store_true", help="skip the SHA-256 check (faster)"
    )


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _state_text(status: CacheStatus) -> str:
    if status.state == "partial":
        return f"partial {100 * status.bytes_present // status.entry.size}%"
    return status.state


def _list(manager: WeightsManager, out: TextIO) -> int:
    rows = [
        (s.entry.name, _megabytes(s.entry.size), _state_text(s), str(s.path))
        for s in manager.statuses()
    ]
    header = ("MODEL", "SIZE", "STATUS", "PATH")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    print(f"cache: {manager.cache_dir}", file=out)
    for row in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:3], widths, strict=True)]
        print("  ".join([*cells, row[3]]), file=out)
    return EXIT_OK


class _ProgressLine:
    """Prints 'NAME: 45.2 / 156.0 MB (29%)' on stderr, redrawn in place on a terminal."""

    def __init__(self, name: str, stream: TextIO) -> None:
        self.name = name
        self.stream = stream
        self.tty = stream.isatty()
        self.last_percent = -1
        self.last_time = 0.0

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        step = 1 if self.tty else 10
        now = time.monotonic()
        if percent == self.last_percent or (
            percent < 100 and percent // step == self.last_percent // step
        ):
            return
        if self.tty and percent < 100 and now - self.last_time < 0.1:
            return
        self.last_percent, self.last_time = percent, now
        line = f"{self.name}: {_megabytes(done)} / {_megabytes(total)} ({percent}%)"
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        if self.tty and percent == 100:
            self.stream.write("\n")
        self.stream.flush()


def _download(manager: WeightsManager, name: str, force: bool, out: TextIO, err: TextIO) -> int:
    status = manager.status(name)
    if status.state == "cached" and not force:
        print(f"{name} is already downloaded: {status.path}", file=out)
        return EXIT_OK
    if status.state == "partial" and not force:
        print(f"resuming {name} from {_megabytes(status.bytes_present)}", file=err)
    try:
        path = manager.download(name, progress=_ProgressLine(name, err), force=force)
    except KeyboardInterrupt:
        print(f"\ninterrupted; `annotator models download {name}` resumes it.", file=err)
        return EXIT_INTERRUPTED
    print(f"{name}: downloaded and verified: {path}", file=out)
    return EXIT_OK


def _describe(report: VerifyReport) -> str:
    info = report.info
    text = (
        f"{info.config.name} (SAM{info.config.version} {info.config.size}), "
        f"{info.num_tensors} tensors, {info.num_values / 1e6:.2f} M values"
    )
    if report.official is True:
        text += ", identical to the published file"
    elif report.official is False:
        text += ", loads strictly but is not byte-identical to the published file"
    return text


def _verify(
    manager: WeightsManager, target: str | None, checksum: bool, out: TextIO, err: TextIO
) -> int:
    if target is None:
        present = [s for s in manager.statuses() if s.state in ("cached", "wrong-size")]
        if not present:
            print(
                f"no models downloaded yet (cache: {manager.cache_dir}); "
                f"try `annotator models download {DEFAULT_MODEL}`.",
                file=out,
            )
            return EXIT_OK
        targets = [s.entry.name for s in present]
    else:
        looks_like_path = any(c in target for c in "/\\") or Path(target).exists()
        if target not in manager.registry and not looks_like_path:
            print(
                f"annotator models: unknown model {target!r} and no such file; known models: "
                f"{', '.join(manager.registry)}",
                file=err,
            )
            return EXIT_USAGE
        targets = [target]
    failed = 0
    for item in targets:
        try:
            report = manager.verify(item, checksum=checksum)
        except WeightsError as exc:
            print(f"FAILED  {exc}", file=err)
            failed += 1
            continue
        print(f"OK  {report.path}: {_describe(report)}", file=out)
    return EXIT_FAILED if failed else EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run `annotator models ACTION`; with no action, list the models."""
    out, err = sys.stdout, sys.stderr
    manager = WeightsManager(
        getattr(args, "cache_dir", None), base_url=getattr(args, "base_url", None)
    )
    action = getattr(args, "models_command", None) or "list"
    if action in ("download",) and args.name not in manager.registry:
        print(
            f"annotator models: unknown model {args.name!r}; known models: "
            f"{', '.join(manager.registry)}",
            file=err,
        )
        return EXIT_USAGE
    try:
        if action == "list":
            return _list(manager, out)
        if action == "download":
            return _download(manager, args.name, args.force, out, err)
        return _verify(manager, args.target, not args.no_checksum, out, err)
    except WeightsError as exc:
        print(f"annotator models {action}: {exc}", file=err)
        return EXIT_FAILED
