"""Exceptions for checkpoint files that cannot be used, each with a message a user understands.

Every error names the file and says what is wrong with it and, where there is one, what to do.
They all derive from `CheckpointError`, so callers can catch one type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

# how many names a message lists before it abbreviates ("… and 12 more")
LIST_LIMIT = 8


def abbreviate(names: Iterable[str], limit: int = LIST_LIMIT) -> str:
    """'a, b, c' or 'a, b, … and 5 more' for long lists (sorted, so messages are stable)."""
    items = sorted(names)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", … and {len(items) - limit} more"


def _count(n: int, noun: str) -> str:
    """'1 tensor holds' / '3 tensors hold'."""
    return f"1 {noun} holds" if n == 1 else f"{n} {noun}s hold"


class CheckpointError(Exception):
    """A checkpoint file cannot be read, is not a SAM2 checkpoint, or does not fit the model."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}")


class CheckpointNotFoundError(CheckpointError):
    """The path does not exist, or is a folder rather than a file."""


class CorruptCheckpointError(CheckpointError):
    """The file is empty, truncated or otherwise damaged (often an interrupted download)."""


class NonFiniteCheckpointError(CorruptCheckpointError):
    """Some tensors hold NaN or infinite values: the model would compute nothing but NaN."""

    def __init__(self, path: str | Path, names: Sequence[str]) -> None:
        self.names = sorted(names)
        super().__init__(
            path,
            f"{_count(len(self.names), 'tensor')} NaN or infinite values "
            f"({abbreviate(self.names)}); the file is damaged or was saved from a diverged "
            "training run. Download the model again (`annotator models download <model>`) or "
            "use another checkpoint.",
        )


class UnsafeCheckpointError(CheckpointError):
    """The file holds pickled Python objects that could run code; we never unpickle those."""

    def __init__(self, path: str | Path, message: str, global_name: str | None = None) -> None:
        self.global_name = global_name
        super().__init__(path, message)


class NotSAM2CheckpointError(CheckpointError):
    """The file is readable but is not a SAM2 checkpoint (JSON, another network, SAM 1...)."""


class UnknownModelError(NotSAM2CheckpointError):
    """SAM2-like tensors, but of none of the eight released models (so we cannot build it)."""


class ModelMismatchError(CheckpointError):
    """A valid SAM2 checkpoint, but of another model than the one asked for."""

    def __init__(self, path: str | Path, message: str, found: str, expected: str) -> None:
        self.found = found
        self.expected = expected
        super().__init__(path, message)


class StateDictMismatchError(CheckpointError):
    """The tensors do not match the model exactly: missing, unexpected or wrongly shaped keys."""

    def __init__(
        self,
        path: str | Path,
        model_name: str,
        *,
        missing: Sequence[str] = (),
        unexpected: Sequence[str] = (),
        wrong_shapes: Sequence[tuple[str, tuple[int, ...], tuple[int, ...]]] = (),
    ) -> None:
        self.model_name = model_name
        self.missing = sorted(missing)
        self.unexpected = sorted(unexpected)
        # (key, shape in the file, shape the model expects)
        self.wrong_shapes = sorted(wrong_shapes)
        super().__init__(path, self._describe())

    def _describe(self) -> str:
        parts = [f"the tensors do not match the {self.model_name} model"]
        if self.missing:
            parts.append(f"{len(self.missing)} missing: {abbreviate(self.missing)}")
        if self.unexpected:
            parts.append(f"{len(self.unexpected)} unexpected: {abbreviate(self.unexpected)}")
        if self.wrong_shapes:
            shown = [
                f"{key} is {list(got)} but the model expects {list(want)}"
                for key, got, want in self.wrong_shapes[:LIST_LIMIT]
            ]
            extra = len(self.wrong_shapes) - len(shown)
            tail = f", … and {extra} more" if extra > 0 else ""
            parts.append(f"{len(self.wrong_shapes)} with the wrong shape: {'; '.join(shown)}{tail}")
        return "; ".join(parts) + ". The file is damaged or comes from a modified model."
