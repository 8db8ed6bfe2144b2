"""Connected parts of a bool (H, W) mask in numpy, without SciPy or OpenCV.

The mask is cut into row runs; runs of neighbouring rows that touch are joined (8- or
4-connectivity) by label propagation over the touching pairs. The work grows with the number
of runs, not of pixels, which keeps a 1080p mask with a few parts at a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RowRuns:
    """The runs of True pixels of a mask, sorted by (row, start); `end` is exclusive."""

    shape: tuple[int, int]
    row: np.ndarray  # int64 (N,)
    start: np.ndarray  # int64 (N,)
    end: np.ndarray  # int64 (N,)

    @property
    def lengths(self) -> np.ndarray:
        return self.end - self.start

    def paint(self, keep: np.ndarray) -> np.ndarray:
        """A bool (H, W) mask of the runs where `keep` (bool (N,)) is True."""
        h, w = self.shape
        edges = np.zeros((h, w + 1), np.int32)
        np.add.at(edges, (self.row[keep], self.start[keep]), 1)
        np.add.at(edges, (self.row[keep], self.end[keep]), -1)
        return np.cumsum(edges[:, :w], axis=1) > 0


def row_runs(mask: np.ndarray) -> RowRuns:
    """The row runs of a bool (H, W) mask."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    rows, cols = np.nonzero(np.diff(padded, axis=1))  # row-major: start, end, start, end...
    return RowRuns(
        (h, w),
        rows[0::2].astype(np.int64),
        cols[0::2].astype(np.int64),
        cols[1::2].astype(np.int64),
    )


def label_runs(runs: RowRuns, *, connectivity: int = 8) -> np.ndarray:
    """A component label (int64 (N,), 0..K-1 in order of first run) for every run."""
    n = runs.row.size
    if n == 0:
        return np.zeros(0, np.int64)
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    reach = 1 if connectivity == 8 else 0
    stride = runs.shape[1] + 4
    start_key = runs.row * stride + runs.start
    end_key = runs.row * stride + runs.end
    # runs b of the next row touching run a: end_b > start_a - reach and start_b < end_a + reach
    lo = np.searchsorted(end_key, start_key + stride - reach, side="right")
    hi = np.searchsorted(start_key, end_key + stride + reach, side="left")
    count = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(n), count)
    first = np.repeat(lo - np.concatenate(([0], np.cumsum(count)[:-1])), count)
    b = first + np.arange(a.size)
    labels = np.arange(n)
    while a.size:
        low = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]  # pointer jumping: follow labels to their roots
        if np.array_equal(new, labels):
            break
        labels = new
    _, dense = np.unique(labels, return_inverse=True)
    return dense.astype(np.int64)


def component_areas(runs: RowRuns, labels: np.ndarray) -> np.ndarray:
    """Pixels of each component (int64 (K,))."""
    if labels.size == 0:
        return np.zeros(0, np.int64)
    return np.bincount(labels, weights=runs.lengths).astype(np.int64)


def border_components(runs: RowRuns, labels: np.ndarray) -> np.ndarray:
    """The labels (unique int64) of components touching the image border."""
    h, w = runs.shape
    touching = (runs.row == 0) | (runs.row == h - 1) | (runs.start == 0) | (runs.end == w)
    return np.unique(labels[touching])
