"""Exact decoding of frame i from a video file with a small pool of OpenCV decoders.

Each decoder remembers which frame it will produce next, so reading forward costs one decode.
To reach a frame behind every decoder, the pool either seeks (only where the frame index can
verify where the seek landed, by timestamp) or restarts a decoder from frame 0; both end with
decoding forward, so the pixels always equal sequential decoding. Several decoders let the GUI
and the engine read different places at once without stealing each other's position.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np

from annotator.io.frames.errors import FrameSourceError, SourceClosedError
from annotator.io.frames.keyframes import FrameIndex

# Rough costs in "frames decoded", to compare the options for reaching a frame.
_OPEN_COST = 6
_SEEK_COST = 4


class EndOfFrames(Exception):
    """Internal: decoding forward ran out of frames; `count` frames are decodable."""

    def __init__(self, count: int) -> None:
        super().__init__(f"end of decodable frames at {count}")
        self.count = count


class Decoder:
    """One cv2.VideoCapture plus its position; used by one thread at a time (the pool ensures it).

    Invariant: the last grabbed frame is `next_index - 1` (when `has_frame`).
    """

    def __init__(self, path: Path, cap: cv2.VideoCapture | None = None) -> None:
        self._path = str(path)
        self._cap: cv2.VideoCapture | None = cap  # an opened capture at frame 0 may be handed in
        self.next_index = 0
        self.has_frame = False
        self.busy = False
        self.target: int | None = None
        self.last_used = 0.0
        self.last_seek_failed = False
        self.from_start = True  # reached its position by decoding from frame 0 (no seek)

    def cost_to(self, i: int) -> int | None:
        """Frames to decode to produce frame i going forward from here, None if i is behind."""
        if self._cap is None:
            return None
        if self.has_frame and self.next_index - 1 == i:
            return 0
        if self.next_index <= i:
            return i - self.next_index + 1
        return None

    def _open(self) -> cv2.VideoCapture:
        self.release()
        cap = cv2.VideoCapture(self._path, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            raise FrameSourceError(f"{Path(self._path).name} can no longer be opened")
        self._cap = cap
        self.next_index = 0
        self.has_frame = False
        self.from_start = True
        return cap

    def release(self) -> None:
        """Free the OpenCV capture."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self.has_frame = False

    def _seek(self, i: int, index: FrameIndex) -> bool:
        """Seek near i, verify by timestamp where it landed; False (restarted) if unverifiable."""
        cap = self._cap if self._cap is not None else self._open()
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        landed = index.frame_of_pts(cap.get(cv2.CAP_PROP_PTS)) if cap.grab() else None
        if landed is None or landed > i:
            self._open()
            return False
        self.next_index = landed + 1
        self.has_frame = True
        self.from_start = False
        return True

    def read_at(self, i: int, *, reposition: str | None, index: FrameIndex | None) -> np.ndarray:
        """BGR frame i, decoded exactly. Raises EndOfFrames when the stream ends first.

        `reposition` first moves the decoder: "seek" (verified through `index`; falls back to a
        restart and sets `last_seek_failed`) or "restart" (reopen at frame 0).
        """
        self.last_seek_failed = False
        if self._cap is None:
            self._open()
        if reposition == "seek" and index is not None:
            self.last_seek_failed = not self._seek(i, index)
        elif reposition is not None:
            self._open()
        cap = self._cap
        assert cap is not None
        if not (self.has_frame and self.next_index - 1 == i):
            if self.next_index > i:
                cap = self._open()
            while self.next_index <= i:
                if not cap.grab():
                    self.has_frame = False
                    count = self.next_index
                    self.next_index = 1 << 62  # at the end: anything needs a reposition
                    raise EndOfFrames(count)
                self.next_index += 1
                self.has_frame = True
        ok, bgr = cap.retrieve()
        if not ok or bgr is None:
            self.has_frame = False
            self.next_index = 1 << 62
            raise EndOfFrames(i)
        return bgr


class DecoderPool:
    """Up to `max_decoders` decoders shared by all reader threads (GUI, engine, prefetch).

    A reader checks one decoder out for the duration of one read; the choice minimises decoding:
    the idle decoder just behind the frame, else waiting for a busy one heading there, else a
    seek or restart of a new or least recently used decoder.
    """

    def __init__(
        self, path: Path, max_decoders: int = 3, first: cv2.VideoCapture | None = None
    ) -> None:
        if max_decoders < 1:
            raise ValueError("a video source needs at least one decoder")
        self._path = path
        self._max = max_decoders
        self._decoders: list[Decoder] = [] if first is None else [Decoder(path, first)]
        self._cond = threading.Condition()
        self._closed = False
        self.seeks_unreliable = False
        self.seeks = 0
        self.restarts = 0

    def _reposition(self, i: int, index: FrameIndex | None) -> tuple[int, str]:
        """Cost (frames) and method ("seek" or "restart") of moving a decoder to frame i."""
        restart = i + _OPEN_COST + 1
        if index is not None and not self.seeks_unreliable and index.can_verify_seek(i):
            seek = index.seek_cost(i) + _SEEK_COST + 1
            if seek < restart:
                return seek, "seek"
        return restart, "restart"

    def _acquire(self, i: int, index: FrameIndex | None) -> tuple[Decoder, str | None]:
        with self._cond:
            while True:
                if self._closed:
                    raise SourceClosedError("the video source is closed")
                idle = [d for d in self._decoders if not d.busy]
                forward = [(c, d) for d in idle if (c := d.cost_to(i)) is not None]
                best_forward = min(forward, key=lambda cd: cd[0]) if forward else None
                reposition, method = self._reposition(i, index)
                waiting = [
                    i - d.target
                    for d in self._decoders
                    if d.busy and d.target is not None and d.target <= i
                ]
                best_wait = min(waiting) + 1 if waiting else None
                can_reposition = bool(idle) or len(self._decoders) < self._max
                options = [reposition if can_reposition else None, best_wait]
                if best_forward is not None and all(
                    o is None or best_forward[0] <= o for o in options
                ):
                    decoder, how = best_forward[1], None
                elif can_reposition and (best_wait is None or reposition < best_wait):
                    if len(self._decoders) < self._max:
                        decoder = Decoder(self._path)
                        self._decoders.append(decoder)
                    else:
                        decoder = min(idle, key=lambda d: d.last_used)
                    how = method
                else:
                    self._cond.wait(timeout=1.0)
                    continue
                decoder.busy = True
                decoder.target = i
                return decoder, how

    def _release(self, decoder: Decoder) -> None:
        with self._cond:
            decoder.busy = False
            decoder.target = None
            decoder.last_used = time.monotonic()
            if self._closed:
                decoder.release()
            self._cond.notify_all()

    def read(self, i: int, index: FrameIndex | None) -> np.ndarray:
        """BGR frame i, exactly as sequential decoding gives it; EndOfFrames past the end."""
        decoder, how = self._acquire(i, index)
        try:
            if how == "seek":
                self.seeks += 1
            elif how == "restart":
                self.restarts += 1
            try:
                bgr = decoder.read_at(i, reposition=how, index=index)
            except EndOfFrames:
                if decoder.from_start:
                    raise  # sequential decoding really ends here
                # Decoding after a seek failed: only decoding from the start is authoritative.
                self.seeks_unreliable = True
                self.restarts += 1
                bgr = decoder.read_at(i, reposition="restart", index=None)
            if decoder.last_seek_failed:
                self.seeks_unreliable = True
            return bgr
        finally:
            self._release(decoder)

    @property
    def size(self) -> int:
        """Decoders opened so far."""
        with self._cond:
            return len(self._decoders)

    def positions(self) -> list[int]:
        """Next frame of each decoder (diagnostics)."""
        with self._cond:
            return [d.next_index for d in self._decoders]

    def close(self) -> None:
        """Release idle decoders now and busy ones when their read ends."""
        with self._cond:
            self._closed = True
            for d in self._decoders:
                if not d.busy:
                    d.release()
            self._cond.notify_all()
