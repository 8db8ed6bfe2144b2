"""What the engine worker needs from a tracking session, in plain numpy terms.

`Tracker` is the seam between the service and the engine's video session: the adapter in
`video_tracker.py` maps it onto `annotator.engine.video_session.VideoSession`. Everything
here runs on the engine thread; masks are bool H x W numpy arrays, scores floats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np


class TrackedMask(Protocol):
    """One object's output on one frame: the model's low-res logits (h x w float32, what
    identifies the output), its object score logit (None when the object has no output on
    the frame) and the bool H x W `mask` at frame size, which may be computed on first use."""

    @property
    def low_res_logits(self) -> np.ndarray: ...

    @property
    def score(self) -> float | None: ...

    @property
    def mask(self) -> np.ndarray: ...


# object id -> that object's output on the frame
FrameMasks = dict[int, TrackedMask]


class Tracker(Protocol):
    """A multi-object tracking session over one frame source."""

    @property
    def num_frames(self) -> int:
        """Frames in the source."""
        ...

    @property
    def frame_size(self) -> tuple[int, int]:
        """(height, width) of the frames."""
        ...

    def cached_frames_capacity(self) -> int:
        """How many frames' features the feature cache can hold under its byte budget."""
        ...

    def is_encoded(self, frame: int) -> bool:
        """True when `frame`'s image features are in the cache."""
        ...

    def encode(self, frame: int) -> None:
        """Compute `frame`'s image features into the cache (no-op when already there)."""
        ...

    def add_points(
        self,
        frame: int,
        obj_id: int,
        points: np.ndarray,
        labels: np.ndarray,
        clear_old: bool,
    ) -> FrameMasks:
        """Clicks (N x 2 float32 pixels, N int labels); every object's mask on `frame`."""
        ...

    def add_box(
        self,
        frame: int,
        obj_id: int,
        box: np.ndarray,
        points: np.ndarray | None,
        labels: np.ndarray | None,
    ) -> FrameMasks:
        """A box (4 floats) with optional clicks; every object's mask on `frame`."""
        ...

    def add_mask(self, frame: int, obj_id: int, mask: np.ndarray) -> FrameMasks:
        """A bool H x W mask prompt; every object's mask on `frame`."""
        ...

    def candidates(
        self, frame: int, point: tuple[float, float], label: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The model's three masks for one click on `frame` (bool 3 x H x W, predicted IoU
        (3,)), None when the frame's features are not at hand."""
        ...

    def remove_object(self, obj_id: int) -> None:
        """Forget an object."""
        ...

    def clear_prompts(self, frame: int, obj_id: int) -> FrameMasks:
        """Drop an object's prompts on a frame; every object's mask on `frame` now."""
        ...

    def frame_masks(self, frame: int) -> FrameMasks:
        """Every object's current mask on `frame` (what the session holds)."""
        ...

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
        """Yield (frame, masks of the objects tracked there) per frame, in processing order;
        stops between frames once `cancel()` is true, keeping what was done. `objects`,
        `from_keyframes`, `stop_after_absent`: see requests.Propagate."""
        ...

    def reset(self) -> None:
        """Drop every prompt and result (features may stay cached)."""
        ...

    def drop_features(self) -> None:
        """Empty the feature cache (after running out of memory)."""
        ...
