"""The frame index one sequential pass builds: per-frame timestamps, keyframes, decodable count.

Frame i is *defined* as the i-th frame sequential decoding produces. A seek lands somewhere; the
index turns the landed frame's timestamp back into a frame number, so a seek can be verified
(and corrected) instead of trusted. The keyframe list lets the reader estimate what a seek costs.

Keyframes come from CAP_PROP_FRAME_TYPE of each decoded frame ('I'), which this OpenCV build's
FFmpeg backend reports. (CAP_PROP_LRF_HAS_KEY_FRAME describes undecoded packets in raw mode,
CAP_PROP_FORMAT=-1; the pass decodes every frame anyway, to count and to make proxies.)
"""

from __future__ import annotations

import bisect
import threading
from typing import Any

# OpenCV's FFmpeg reader seeks to the keyframe before (target - 16) and decodes forward from there.
OPENCV_SEEK_BACKOFF = 16


class FrameIndex:
    """Timestamps (CAP_PROP_PTS) and keyframe flags in display order, filled in by one pass.

    Appends come from the pass thread while readers consult it; `known` only grows, and every
    entry below `known` is final, so readers need no lock for those.
    """

    def __init__(self) -> None:
        self._pts: list[float] = []
        self._by_pts: dict[float, int] = {}
        self._keyframes: list[int] = []
        self._lock = threading.Lock()
        self.complete = False
        self.pts_unique = True

    @property
    def known(self) -> int:
        """How many frames (from frame 0) the index describes so far."""
        return len(self._pts)

    def add(self, pts: float, is_keyframe: bool) -> None:
        """Record the next frame in decode-output order (called by the pass only)."""
        with self._lock:
            i = len(self._pts)
            if pts in self._by_pts or pts < 0:
                self.pts_unique = False
            self._by_pts.setdefault(pts, i)
            if is_keyframe:
                self._keyframes.append(i)
            self._pts.append(pts)

    def finish(self) -> None:
        """Mark that the pass reached the end of the stream: `known` is the decodable count."""
        self.complete = True

    def pts(self, i: int) -> float:
        """Timestamp of frame i (i < known)."""
        return self._pts[i]

    def frame_of_pts(self, pts: float) -> int | None:
        """Frame number whose timestamp is `pts`, or None if unknown or ambiguous."""
        if not self.pts_unique:
            return None
        return self._by_pts.get(pts)

    def can_verify_seek(self, i: int) -> bool:
        """Whether a seek to frame i can be verified: its timestamp is known and unambiguous."""
        return self.pts_unique and i < self.known

    def keyframe_at_or_before(self, i: int) -> int:
        """The last keyframe index <= i (0 when none is known)."""
        with self._lock:
            k = bisect.bisect_right(self._keyframes, i) - 1
            return self._keyframes[k] if k >= 0 else 0

    def seek_cost(self, i: int) -> int:
        """Frames OpenCV decodes to seek to frame i (from the keyframe before i - 16)."""
        return i - self.keyframe_at_or_before(max(i - OPENCV_SEEK_BACKOFF, 0))

    @property
    def keyframes(self) -> list[int]:
        """Indices of frames that decoded as intra frames."""
        with self._lock:
            return list(self._keyframes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict for the proxy cache (only meaningful once complete)."""
        with self._lock:
            return {"pts": list(self._pts), "keyframes": list(self._keyframes)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FrameIndex:
        """Rebuild a complete index saved by `to_json`."""
        index = cls()
        keys = {int(k) for k in data["keyframes"]}
        for i, pts in enumerate(data["pts"]):
            index.add(float(pts), i in keys)
        index.finish()
        return index
