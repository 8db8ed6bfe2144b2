"""Export options shared by every format: which frames, which categories, split, encoding."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from annotator.io.formats.errors import ExportError

FrameRange = tuple[int, int | None]
"""Inclusive (first, last) frame numbers; last None means "to the end of the video"."""


def parse_frame_ranges(text: str) -> tuple[FrameRange, ...]:
    """Parse "0-99,200-,350" into ((0, 99), (200, None), (350, 350)); raises ExportError."""
    ranges: list[FrameRange] = []
    for chunk in text.split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        first_s, sep, last_s = chunk.partition("-")
        try:
            first = int(first_s) if first_s.strip() else 0
            last = (int(last_s) if last_s.strip() else None) if sep else first
        except ValueError:
            raise ExportError(f"bad frame range {chunk!r}: use A-B, A-, -B or A") from None
        if first < 0 or (last is not None and last < first):
            raise ExportError(f"bad frame range {chunk!r}: need 0 <= A <= B")
        ranges.append((first, last))
    if not ranges:
        raise ExportError(f"no frame range in {text!r}")
    return tuple(ranges)


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how.

    frames: inclusive frame ranges (None = all); every: keep every Nth selected frame;
    categories: names (or str ids) to keep (None = all); val_fraction/seed: train/val split;
    segmentation: "rle" or "polygons" (COCO); with_images: write frame images;
    image_ext: ".jpg" or ".png"; jpeg_quality: 1..100; only_annotated: skip frames where no
    exported object is present (default keeps them as background images);
    keep_holes: polygons keep holes (bridged in) or fill them; workers: processes tracing
    polygons (None: automatic, 1: none); polygon_tolerance: simplify polygons within this
    many pixels (0, the default, keeps them pixel-exact and round-trips identical);
    progress: called as progress(frames_done, frames_total) after each exported frame, from
    the exporting thread; it may raise to stop the export (the export dialog's cancel);
    overwrite: replace an earlier export in a non-empty output folder (see `staging`).
    """

    frames: tuple[FrameRange, ...] | None = None
    every: int = 1
    categories: tuple[str, ...] | None = None
    val_fraction: float = 0.0
    seed: int = 0
    segmentation: str = "rle"
    with_images: bool = True
    image_ext: str = ".jpg"
    jpeg_quality: int = 95
    only_annotated: bool = False
    keep_holes: bool = True
    workers: int | None = None
    polygon_tolerance: float = 0.0
    progress: Callable[[int, int], None] | None = field(default=None, compare=False, repr=False)
    overwrite: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.every, int) or self.every < 1:
            raise ExportError(f"--every must be an int >= 1, got {self.every!r}")
        if not (isinstance(self.val_fraction, (int, float)) and 0.0 <= self.val_fraction < 1.0):
            raise ExportError(f"val fraction must be in [0, 1), got {self.val_fraction!r}")
        if self.segmentation not in ("rle", "polygons"):
            raise ExportError(f"segmentation must be rle or polygons, not {self.segmentation!r}")
        if self.image_ext not in (".jpg", ".png"):
            raise ExportError(f"image_ext must be '.jpg' or '.png', not {self.image_ext!r}")
        if not 1 <= int(self.jpeg_quality) <= 100:
            raise ExportError(f"jpeg_quality must be 1..100, got {self.jpeg_quality!r}")
        if self.workers is not None and (not isinstance(self.workers, int) or self.workers < 1):
            raise ExportError(f"workers must be an int >= 1, got {self.workers!r}")
        tol = self.polygon_tolerance
        if not isinstance(tol, (int, float)) or not math.isfinite(tol) or not 0 <= tol <= 100:
            raise ExportError(f"polygon tolerance must be 0..100 px, got {tol!r}")
        if self.categories is not None:
            object.__setattr__(self, "categories", tuple(str(c) for c in self.categories))

    def select_frames(self, num_frames: int) -> list[int]:
        """Frame numbers of a video of num_frames to export, ascending."""
        if self.frames is None:
            chosen: Sequence[int] = range(num_frames)
        else:
            keep: set[int] = set()
            for first, last in self.frames:
                stop = num_frames if last is None else min(last + 1, num_frames)
                keep.update(range(first, stop))
            chosen = sorted(keep)
        return list(chosen[:: self.every])


def parse_split(text: str) -> float:
    """Parse "val=0.2" (or "0.2") into the validation fraction."""
    value = text.split("=", 1)[1] if "=" in text else text
    if "=" in text and text.split("=", 1)[0].strip() != "val":
        raise ExportError(f"bad split {text!r}: use val=FRACTION")
    try:
        fraction = float(value)
    except ValueError:
        raise ExportError(f"bad split {text!r}: use val=FRACTION") from None
    if not math.isfinite(fraction) or not 0.0 <= fraction < 1.0:
        raise ExportError(f"val fraction must be in [0, 1), got {value}")
    return fraction
