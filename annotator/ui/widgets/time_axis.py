"""The timeline's time axis, Qt-free: which frames are in view, frame <-> x, zoom at a point,
pan, ruler tick spacing and timecodes."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_FRAMES_IN_VIEW = 10  # the deepest zoom: about 10 frames across the widget
TICK_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


def timecode(frame: int, fps: float) -> str:
    """hh:mm:ss.ff (ff: the frame within its second) of a 0-based frame at `fps`."""
    rate = fps if fps > 0 else 1.0
    whole = max(0, int(frame))
    seconds = int(whole // rate)
    within = int(round(whole - seconds * rate))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{within:02d}"


@dataclass
class TimeAxis:
    """Frames `first`..`first + span` (floats) across `width` pixels starting at `left`."""

    num_frames: int
    left: float = 0.0
    width: float = 800.0
    first: float = 0.0
    span: float = 0.0  # frames in view; 0 means the whole video

    def __post_init__(self) -> None:
        if self.num_frames < 1:
            raise ValueError("a time axis needs at least one frame")
        if self.span <= 0:
            self.span = float(self.num_frames)
        self._clamp()

    @property
    def px_per_frame(self) -> float:
        return max(1.0, self.width) / self.span

    @property
    def zoomed(self) -> bool:
        return self.span < self.num_frames

    def x_of(self, frame: float) -> float:
        """Widget x of the left edge of `frame` (fractional frames give positions inside)."""
        return self.left + (frame - self.first) * self.px_per_frame

    def frame_at(self, x: float) -> int:
        """The frame under widget x, clamped to the video."""
        frame = int(math.floor(self.first + (x - self.left) / self.px_per_frame))
        return min(max(frame, 0), self.num_frames - 1)

    def visible(self) -> tuple[int, int]:
        """(first, last) frames at least partly in view."""
        lo = max(0, int(math.floor(self.first)))
        hi = min(self.num_frames - 1, int(math.ceil(self.first + self.span)) - 1)
        return lo, max(lo, hi)

    def zoom(self, factor: float, at_x: float) -> None:
        """Zoom in (factor > 1) or out keeping the frame under `at_x` where it is."""
        anchor = self.first + (at_x - self.left) / self.px_per_frame
        limit = min(float(MIN_FRAMES_IN_VIEW), float(self.num_frames))
        self.span = min(float(self.num_frames), max(limit, self.span / factor))
        self.first = anchor - (at_x - self.left) / self.px_per_frame
        self._clamp()

    def pan(self, frames: float) -> None:
        """Move the view by `frames` (positive: later)."""
        self.first += frames
        self._clamp()

    def fit(self) -> None:
        """Show the whole video."""
        self.first, self.span = 0.0, float(self.num_frames)

    def ensure_visible(self, frame: int) -> None:
        """Pan the least needed so that `frame` is in view (a page at a time, as players do)."""
        if frame < self.first:
            self.first = float(frame)
        elif frame + 1 > self.first + self.span:
            self.first = float(frame + 1) - self.span * 0.1
        self._clamp()

    def tick_step(self, min_px: float = 60.0) -> int:
        """Frames between labelled ruler ticks: the smallest step at least `min_px` apart."""
        for step in TICK_STEPS:
            if step * self.px_per_frame >= min_px:
                return step
        return TICK_STEPS[-1] * max(1, int(min_px / (TICK_STEPS[-1] * self.px_per_frame)) + 1)

    def _clamp(self) -> None:
        self.span = min(max(self.span, 1.0), float(self.num_frames))
        self.first = min(max(self.first, 0.0), float(self.num_frames) - self.span)
