"""Painting of the timeline's layers: ruler, lanes (drawn as runs, never frame by frame) and
the markers that stay visible over the playhead. Pure functions of a QPainter and the data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from annotator.domain import Colour
from annotator.service.lane_facts import FrameKind, LaneFacts, flag_runs, kind_runs
from annotator.service.review import ReviewLimits, low_score, review_flags
from annotator.ui.widgets.time_axis import TimeAxis

BACKGROUND = QColor(38, 38, 42)
LANE_BG = QColor(56, 56, 62)
ACTIVE_BG = QColor(78, 78, 90)
RULER_TEXT = QColor(170, 170, 178)
RANGE_FILL = QColor(90, 140, 255, 45)
RANGE_EDGE = QColor(110, 160, 255)
ABSENT_FILL = QColor(28, 28, 30)
ABSENT_HATCH = QColor(150, 150, 150)
LOW_SCORE = QColor(235, 64, 52)
FLAG = QColor(255, 170, 0)
KEY_FILL = QColor(255, 255, 255)
KEY_EDGE = QColor(0, 0, 0)
EDIT_FILL = QColor(255, 214, 0)


@dataclass
class Lane:
    """One object's row. `masked`/`keyframes`: bool per frame; `kinds` (uint8 FrameKind per
    frame) tells propagated, prompted, edited, imported and absent frames apart (derived
    from the two bool vectors when not given); `low_score`, `flags`: bool per frame."""

    track_id: int
    colour: Colour
    masked: np.ndarray = field(repr=False)
    keyframes: np.ndarray = field(repr=False)
    kinds: np.ndarray | None = field(default=None, repr=False)
    low_score: np.ndarray | None = field(default=None, repr=False)
    flags: np.ndarray | None = field(default=None, repr=False)
    name: str = ""
    hidden: bool = False  # the object is hidden in the canvas: its lane stays, dimmed

    def __post_init__(self) -> None:
        if self.kinds is None:
            kinds = np.where(self.masked, FrameKind.PROPAGATED, FrameKind.NONE)
            self.kinds = np.where(self.keyframes, FrameKind.PROMPTED, kinds).astype(np.uint8)
        n = len(self.kinds)
        for name in ("masked", "keyframes", "low_score", "flags"):
            vec = getattr(self, name)
            if vec is not None and len(vec) != n:
                raise ValueError(f"lane of track {self.track_id}: {name} is not {n} long")
        # what painting reads, computed once per lane (a 10,000-frame lane has few runs)
        self.runs = kind_runs(self.kinds)
        with_mask = (self.kinds >= FrameKind.PROPAGATED) & (self.kinds <= FrameKind.IMPORTED)
        self.masked_runs = flag_runs(with_mask)
        self.detail_runs = [r for r in self.runs if r[2] != FrameKind.PROPAGATED]
        self.key_frames = np.flatnonzero(self.kinds == FrameKind.PROMPTED)
        self.edit_frames = np.flatnonzero(self.kinds == FrameKind.EDITED)
        self.low_runs = flag_runs(self.low_score) if self.low_score is not None else []
        self.flag_frames = (
            np.flatnonzero(self.flags) if self.flags is not None else np.zeros(0, np.int64)
        )

    @classmethod
    def from_facts(
        cls,
        facts: LaneFacts,
        colour: Colour,
        name: str = "",
        limits: ReviewLimits | None = None,
        hidden: bool = False,
    ) -> Lane:
        """The lane of an object's facts, with its low-score frames and review flags."""
        masked = facts.kinds != FrameKind.NONE
        return cls(
            facts.track_id,
            colour,
            masked & (facts.kinds != FrameKind.ABSENT),
            facts.kinds == FrameKind.PROMPTED,
            facts.kinds.copy(),
            low_score(facts),
            review_flags(facts, limits),
            name,
            hidden,
        )

    @property
    def num_frames(self) -> int:
        assert self.kinds is not None
        return len(self.kinds)


def paint_ruler(
    painter: QPainter, axis: TimeAxis, height: int, in_out: tuple[int, int] | None
) -> None:
    """Ticks and frame numbers at a spacing that suits the zoom, and the in/out range."""
    lo, hi = axis.visible()
    step = axis.tick_step()
    painter.setPen(RULER_TEXT)
    font = painter.font()
    font.setPixelSize(9)
    painter.setFont(font)
    minor = max(1, step // 5)
    first_minor = (lo // minor) * minor
    device = painter.device()
    right = device.width() if device is not None else axis.left + axis.width
    metrics = painter.fontMetrics()
    for frame in range(first_minor, hi + 1, minor):
        x = int(axis.x_of(frame))
        tall = frame % step == 0
        painter.drawLine(x, height - (7 if tall else 3), x, height - 1)
        if tall:
            label = str(frame)
            width = metrics.horizontalAdvance(label)
            # right of its tick, or left of it where it would run off the end
            painter.drawText(x + 2 if x + 2 + width <= right else x - 2 - width, height - 9, label)
    if in_out is not None:
        a, b = in_out
        x0, x1 = axis.x_of(a), axis.x_of(b + 1)
        painter.fillRect(QRectF(x0, 0, x1 - x0, height), RANGE_FILL)
        painter.setPen(QPen(RANGE_EDGE, 2))
        for edge, inward in ((x0, 4.0), (x1, -4.0)):
            painter.drawLine(QPointF(edge, 0), QPointF(edge, height))
            painter.drawLine(QPointF(edge, 1), QPointF(edge + inward, 1))
            painter.drawLine(QPointF(edge, height - 1), QPointF(edge + inward, height - 1))


def paint_lane(painter: QPainter, axis: TimeAxis, lane: Lane, rect: QRectF, active: bool) -> None:
    """The lane's runs: frames with a mask in the object's tint, then what differs on top:
    prompted (solid), edited (hatched), imported (faint), absent (dark, cross-hatched); a red
    underline where the score is low. Single prompted or edited frames narrower than a few
    pixels are left to their markers, so a long lane costs a handful of rectangles."""
    painter.fillRect(rect, ACTIVE_BG if active else LANE_BG)
    lo, hi = axis.visible()
    left, first_shown, ppf = axis.left, axis.first, axis.px_per_frame
    top, height = rect.top(), rect.height()
    base = QColor(*lane.colour)
    tint = QColor(base.red(), base.green(), base.blue(), 165)
    looks = {
        FrameKind.IMPORTED: (QColor(base.red(), base.green(), base.blue(), 100), None),
        FrameKind.PROMPTED: (base, None),
        FrameKind.EDITED: (base, QBrush(QColor(255, 255, 255, 200), Qt.BrushStyle.BDiagPattern)),
        FrameKind.ABSENT: (ABSENT_FILL, QBrush(ABSENT_HATCH, Qt.BrushStyle.DiagCrossPattern)),
    }

    def span(first: int, last: int) -> QRectF | None:
        if last < lo or first > hi:
            return None
        x0 = left + (max(first, lo - 1) - first_shown) * ppf
        x1 = left + (min(last, hi + 1) + 1 - first_shown) * ppf
        return QRectF(x0, top, max(1.0, x1 - x0), height)

    for first, last in lane.masked_runs:
        run = span(first, last)
        if run is not None:
            painter.fillRect(run, tint)
    for first, last, kind in lane.detail_runs:
        small = (last - first + 1) * ppf < 3
        if small and kind in (FrameKind.PROMPTED, FrameKind.EDITED):
            continue  # its marker shows it
        run = span(first, last)
        if run is None:
            continue
        fill, hatch = looks[FrameKind(kind)]
        if kind == FrameKind.IMPORTED:
            painter.fillRect(run, ACTIVE_BG if active else LANE_BG)
        painter.fillRect(run, fill)
        if hatch is not None:
            painter.fillRect(run, hatch)
    for first, last in lane.low_runs:
        run = span(first, last)
        if run is not None:
            painter.fillRect(QRectF(run.left(), rect.bottom() - 3, run.width(), 3), LOW_SCORE)


def paint_markers(painter: QPainter, axis: TimeAxis, lane: Lane, rect: QRectF) -> None:
    """Prompted keyframes (white bars standing out of the lane), hand-edited frames (yellow
    squares) and review flags (orange, above the lane), one per pixel column at most, each
    kind in one draw call: drawn after the playhead so a marker under it stays visible."""
    lo, hi = axis.visible()
    top, height = rect.top(), rect.height()
    painter.setPen(QPen(KEY_EDGE, 1))
    painter.setBrush(EDIT_FILL)
    painter.drawRects(
        [QRectF(x - 3, top + 1, 6, height - 2) for x in _columns(axis, lane.edit_frames, lo, hi)]
    )
    painter.setBrush(KEY_FILL)
    painter.drawRects(
        [QRectF(x - 2, top - 2, 4, height + 4) for x in _columns(axis, lane.key_frames, lo, hi)]
    )
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(FLAG)
    painter.drawRects(
        [QRectF(x - 3, top - 4, 6, 4) for x in _columns(axis, lane.flag_frames, lo, hi)]
    )


def _columns(axis: TimeAxis, frames: np.ndarray, lo: int, hi: int) -> Sequence[float]:
    """x centres of the frames in view, deduplicated to whole pixels."""
    inside = frames[(frames >= lo) & (frames <= hi)]
    if inside.size == 0:
        return []
    xs = axis.left + (inside + 0.5 - axis.first) * axis.px_per_frame
    return [float(x) for x in np.unique(np.round(xs))]
