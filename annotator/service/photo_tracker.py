"""A photo of a photo set seen as the service's Tracker: the image predictor, not a video session.

A photo is segmented on its own, as Meta's `SAM2ImagePredictor` does it: the image is encoded
once (`set_image`), each prompt is a cheap decode (`predict`), and there is no memory encoder,
no memory bank and no propagation. What a prompt gives (engine thread only):

- a single click: the three candidates (multimask), the one of highest predicted IoU kept;
- a box, or a prompt of several clicks: one mask (multimask off, as Meta advises for
  prompts that are not ambiguous), decoded with the low-res logits of the prompt it refines
  (the same prompt less its last click) as `mask_input`, as in Meta's image predictor
  notebook. That predecessor is decoded first when it is not remembered (a prompt replayed
  after undo or a reopen), so the mask is a function of the prompt alone.
- a mask (a hand edit, or an empty "not here"): stored as it is. It is never fed back to the
  model as `mask_input` (SAM's mask input expects its own logits): the next click on that
  object starts a new prompt from its clicks, which the window does too (an edited mask keeps
  no prompt to extend).

Masks are not hole-filled (the image predictor's default, `max_hole_area=0`). The score of
a prompted mask is its predicted IoU (the image predictor has no object score): in (0, 1),
positive like a visible object's score logit.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from annotator.engine.fast_mode import compute_precision, fast_dtype
from annotator.engine.image_predictor import ImagePrediction, ImagePredictor
from annotator.engine.session_errors import NonFiniteOutputError
from annotator.io.frames import IMAGE_EXTENSIONS
from annotator.service.errors import Unsupported
from annotator.service.tracker import FrameMasks

MEMO_PER_OBJECT = 32  # prompts whose low-res logits an object remembers (256 KB each)

# (box or None, clicks, labels): one object's full prompt on the photo
PromptKey = tuple[
    tuple[float, float, float, float] | None, tuple[tuple[float, float], ...], tuple[int, ...]
]


def is_photo_source(frames: Any) -> bool:
    """True for a one-frame source whose path is an image file: a photo of a photo set (what
    `annotator.io.media.media_kind` calls "photo"), segmented by the image predictor."""
    path = getattr(frames, "path", None)
    if path is None:
        return False
    try:
        count = len(frames)
    except TypeError:
        return False
    return count == 1 and Path(path).suffix.lower() in IMAGE_EXTENSIONS


@dataclass(frozen=True, eq=False)
class PhotoMask:
    """One object's mask on the photo (see tracker.TrackedMask). `low_res_logits` is what
    identifies the output: the decoder's logits, or the mask itself for a mask prompt."""

    low_res_logits: np.ndarray = field(repr=False)
    score: float | None
    mask: np.ndarray = field(repr=False)


@dataclass
class _PhotoObject:
    prompt: PromptKey | None = None  # None: the output is a mask prompt (or there is none)
    output: PhotoMask | None = None
    memo: OrderedDict[PromptKey, np.ndarray] = field(default_factory=OrderedDict)


def _predecessor(key: PromptKey) -> PromptKey | None:
    """The prompt `key` refines (less its last click), None for a first click or a box."""
    box, points, labels = key
    if not points or (box is None and len(points) == 1):
        return None
    return box, points[:-1], labels[:-1]


class PhotoTracker:
    """The image predictor over a one-frame source; see the module docstring and
    tracker.Tracker. `fast`: bf16 autocast where the device has it, as a video session."""

    def __init__(self, model: torch.nn.Module, frames: Any, fast: bool = False) -> None:
        self.predictor = ImagePredictor(cast(Any, model))
        self._frames = frames
        device = self.predictor.device
        self.fast = bool(fast) and fast_dtype(device) is not None
        self._objects: dict[int, _PhotoObject] = {}
        height, width = getattr(frames, "height", None), getattr(frames, "width", None)
        if height is None or width is None:
            height, width = np.asarray(frames[0]).shape[:2]
        self._size = (int(height), int(width))

    # --- what the worker reads --------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return 1

    @property
    def frame_size(self) -> tuple[int, int]:
        return self._size

    def cached_frames_capacity(self) -> int:
        return 1

    def is_encoded(self, frame: int) -> bool:
        self._check_frame(frame)
        return self.predictor.is_image_set

    def encode(self, frame: int) -> None:
        self._check_frame(frame)
        if not self.predictor.is_image_set:
            image = np.ascontiguousarray(self._frames[0])
            with compute_precision(self.predictor.device, self.fast):
                self.predictor.set_image(image)

    # --- prompts ----------------------------------------------------------------------------
    def add_points(
        self, frame: int, obj_id: int, points: np.ndarray, labels: np.ndarray, clear_old: bool
    ) -> FrameMasks:
        obj = self._objects.setdefault(obj_id, _PhotoObject())
        clicks = tuple((float(x), float(y)) for x, y in np.asarray(points).reshape(-1, 2))
        marks = tuple(int(v) for v in np.asarray(labels).reshape(-1))
        box = None
        if not clear_old and obj.prompt is not None:
            box, old_clicks, old_marks = obj.prompt
            clicks, marks = old_clicks + clicks, old_marks + marks
        return self._decode(frame, obj_id, (box, clicks, marks))

    def add_box(
        self,
        frame: int,
        obj_id: int,
        box: np.ndarray,
        points: np.ndarray | None,
        labels: np.ndarray | None,
    ) -> FrameMasks:
        b = tuple(float(v) for v in np.asarray(box).reshape(-1))
        if len(b) != 4:
            raise ValueError(f"a box is (x0, y0, x1, y1), got {len(b)} numbers")
        clicks: tuple[tuple[float, float], ...] = ()
        marks: tuple[int, ...] = ()
        if points is not None and labels is not None:
            clicks = tuple((float(x), float(y)) for x, y in np.asarray(points).reshape(-1, 2))
            marks = tuple(int(v) for v in np.asarray(labels).reshape(-1))
        return self._decode(frame, obj_id, ((b[0], b[1], b[2], b[3]), clicks, marks))

    def add_mask(self, frame: int, obj_id: int, mask: np.ndarray) -> FrameMasks:
        self._check_frame(frame)
        mask = np.ascontiguousarray(mask, dtype=bool)
        if mask.shape != self._size:
            raise ValueError(
                f"the mask is {mask.shape[1]}x{mask.shape[0]}, the photo is "
                f"{self._size[1]}x{self._size[0]}"
            )
        obj = self._objects.setdefault(obj_id, _PhotoObject())
        obj.prompt, obj.output = None, PhotoMask(mask, None, mask)
        return self.frame_masks(frame)

    def candidates(
        self, frame: int, point: tuple[float, float], label: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        if not self.is_encoded(frame):
            return None
        found = self._predict(((float(point[0]), float(point[1])),), (int(label),), None, None)
        return found.masks, found.scores

    def _decode(self, frame: int, obj_id: int, key: PromptKey) -> FrameMasks:
        self._check_frame(frame)
        if not key[1] and key[0] is None:
            raise ValueError("a prompt needs a click or a box")
        self.encode(frame)
        obj = self._objects.setdefault(obj_id, _PhotoObject())
        chain = [key]  # the prompt, then the prompts it refines that are not remembered
        while (before := _predecessor(chain[-1])) is not None and before not in obj.memo:
            chain.append(before)
        for step in reversed(chain):
            before = _predecessor(step)
            mask_input = None if before is None else obj.memo[before]
            box, clicks, marks = step
            single_click = box is None and len(clicks) == 1 and mask_input is None
            found = self._predict(clicks, marks, box, mask_input, single_click, best_only=True)
            best = found.best()
            for value in (found.scores[best], found.low_res_logits[best]):
                if not np.isfinite(value).all():
                    raise NonFiniteOutputError(
                        f"the model produced NaN or infinite values on the photo for object "
                        f"{obj_id}: the checkpoint may be damaged, or try exact precision"
                    )
            obj.memo[step] = found.low_res_logits[best]
            obj.memo.move_to_end(step)
            while len(obj.memo) > MEMO_PER_OBJECT:
                obj.memo.popitem(last=False)
        logits = obj.memo[key]
        obj.prompt = key
        obj.output = PhotoMask(logits, float(found.scores[best]), found.masks[0])
        return self.frame_masks(frame)

    def _predict(
        self,
        clicks: tuple[tuple[float, float], ...],
        marks: tuple[int, ...],
        box: tuple[float, float, float, float] | None,
        mask_input: np.ndarray | None,
        multimask: bool = True,
        *,
        best_only: bool = False,
    ) -> ImagePrediction:
        with compute_precision(self.predictor.device, self.fast):
            return self.predictor.predict(
                points=clicks or None,
                labels=marks or None,
                box=box,
                mask_input=None if mask_input is None else mask_input[None],
                multimask=multimask,
                best_only=best_only,
            )

    # --- objects ----------------------------------------------------------------------------
    def remove_object(self, obj_id: int) -> None:
        self._objects.pop(obj_id, None)

    def clear_prompts(self, frame: int, obj_id: int) -> FrameMasks:
        self._check_frame(frame)
        obj = self._objects.get(obj_id)
        if obj is not None:
            obj.prompt, obj.output = None, None
        return self.frame_masks(frame)

    def frame_masks(self, frame: int) -> FrameMasks:
        self._check_frame(frame)
        return {oid: o.output for oid, o in self._objects.items() if o.output is not None}

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
        raise Unsupported(PHOTO_NOT_PROPAGATED)

    def reset(self) -> None:
        self._objects.clear()

    def drop_features(self) -> None:
        self.predictor.reset()  # the next prompt encodes the photo again

    def _check_frame(self, frame: int) -> None:
        if frame != 0:
            raise IndexError(f"frame {frame} is outside the photo (a photo is frame 0 only)")


PHOTO_NOT_PROPAGATED = (
    "a photo is segmented on its own with the image predictor: there are no other frames "
    "to propagate to (click or draw a box on each photo)"
)
