"""The engine's VideoSession seen as the service's Tracker (engine thread only).

Hands the session's per-object results on as `tracker.TrackedMask` (plain numpy), so the
worker never imports engine types, and keeps the session's API choices in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal, cast

import numpy as np
import torch

from annotator.engine.video_session import FrameResult, VideoSession
from annotator.service.candidates import candidate_masks
from annotator.service.tracker import FrameMasks


def _masks(result: FrameResult) -> FrameMasks:
    return dict(result.objects)


class VideoTracker:
    """A VideoSession over a frame source with a loaded model; see tracker.Tracker."""

    def __init__(
        self,
        model: torch.nn.Module,
        frames: Any,
        feature_budget_bytes: int | None,
        fast: bool = False,
    ) -> None:
        self.model = model
        self.session = VideoSession(
            cast(Any, model), frames, feature_cache_bytes=feature_budget_bytes, fast=fast
        )

    @property
    def num_frames(self) -> int:
        return self.session.num_frames

    @property
    def fast(self) -> bool:
        """Whether the session computes in bf16 fast mode."""
        return self.session.fast

    @property
    def frame_size(self) -> tuple[int, int]:
        return self.session.frame_size

    def cached_frames_capacity(self) -> int:
        return self.session.cached_frames_capacity()

    def is_encoded(self, frame: int) -> bool:
        return self.session.is_encoded(frame)

    def encode(self, frame: int) -> None:
        self.session.encode(frame)

    def add_points(
        self, frame: int, obj_id: int, points: np.ndarray, labels: np.ndarray, clear_old: bool
    ) -> FrameMasks:
        return _masks(self.session.add_points(frame, obj_id, points, labels, clear_old=clear_old))

    def add_box(
        self,
        frame: int,
        obj_id: int,
        box: np.ndarray,
        points: np.ndarray | None,
        labels: np.ndarray | None,
    ) -> FrameMasks:
        return _masks(self.session.add_box(frame, obj_id, box, points, labels))

    def add_mask(self, frame: int, obj_id: int, mask: np.ndarray) -> FrameMasks:
        return _masks(self.session.add_mask(frame, obj_id, mask))

    def candidates(
        self, frame: int, point: tuple[float, float], label: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        features = self.session.feature_cache.get(frame)
        if features is None:
            return None
        session = self.session
        return candidate_masks(
            self.model, features, point, label, session.frame_size, session.fill_hole_area
        )

    def remove_object(self, obj_id: int) -> None:
        self.session.remove_object(obj_id)

    def clear_prompts(self, frame: int, obj_id: int) -> FrameMasks:
        return _masks(self.session.clear_prompts(frame, obj_id))

    def frame_masks(self, frame: int) -> FrameMasks:
        return _masks(self.session.frame_result(frame))

    def propagate(
        self,
        start: int,
        direction: str,
        max_frames: int | None,
        cancel: Callable[[], bool],
        *,
        objects: tuple[int, ...] | None = None,
        from_keyframes: bool = False,
        stop_after_absent: int | None = None,
    ) -> Iterator[tuple[int, FrameMasks]]:
        way = cast(Literal["forward", "backward", "both"], direction)
        stream = self.session.propagate(
            start,
            way,
            max_frames,
            cancel,
            objects=objects,
            from_keyframes=from_keyframes,
            stop_after_absent=stop_after_absent,
        )
        try:
            for result in stream:
                yield result.frame, _masks(result)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()

    def reset(self) -> None:
        self.session.reset()

    def drop_features(self) -> None:
        self.session.drop_features()
