"""Multi-object video tracking session over a lazy frame source (SAM2 video predictor semantics).

Behaves like Meta's ``SAM2VideoPredictor`` (Dec 2024: every object tracked on its own, so
objects come and go freely) built with ``add_all_frames_to_correct_as_cond=True`` and
``fill_hole_area=8``; ``../shared/parity`` holds its outputs. Beyond it: frames are read only
when processed, image features are cached under a byte budget (re-propagation skips the
encoder), propagation runs over any range in either or both directions as a cancellable
generator, tracking state stays bounded (see tracking_state), and a bf16 fast mode.

Where results can differ from the reference (never in the parity scenarios): a propagation
that starts next to frames whose memory was already reduced to a mask (far from every
prompt and from where earlier runs ended) sees less memory than the reference would; a
correction on such a frame feeds back ±10 logits instead of the old ones. An object whose
prompts did not change since a pass keeps that pass's outputs instead of recomputing them
(the reference recomputes and gets the same numbers).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from annotator.engine.fast_mode import fast_dtype
from annotator.engine.memory_release import release_free_memory
from annotator.engine.preprocess import prompt_points_for_model
from annotator.engine.sam2.model import SAM2Model
from annotator.engine.session_checks import (
    CancelToken,
    Direction,
    check_box_prompt,
    check_clicks,
    check_frame,
    check_mask_prompt,
    check_run_arguments,
    is_cancelled,
    run_orders,
)
from annotator.engine.session_errors import (
    NothingToTrackError,
    PromptError,
    UnknownObjectError,
)
from annotator.engine.session_frames import SessionFrames
from annotator.engine.session_results import (
    FrameResult,
    FrameSource,
    ObjectResult,
    checked_object_result,
)
from annotator.engine.session_steps import ModelSteps
from annotator.engine.tracking_state import NO_OBJECT_LOGIT, ObjectTrack, RunChoice

PREV_LOGIT_CLAMP = 32.0
# hot outputs kept beyond the conditioning frames' neighbours and the memory window, per
# object, in units of num_maskmem: the ends of about this many recent runs
RECENT_RUN_TAILS = 2  # the reference clamps earlier logits fed back with new clicks


class VideoSession:
    """Tracks any number of objects through a frame source with a loaded ``SAM2Model``.

    Prompts (points, box, mask) may come at any time on any frame for any object id; a
    prompt on a frame already tracked becomes a conditioning frame (a correction that
    sticks). Not thread-safe across concurrent generators: drive it from one thread.
    """

    def __init__(
        self,
        model: SAM2Model,
        frames: FrameSource,
        *,
        fill_hole_area: int = 8,
        feature_cache_bytes: int | None = None,
        fast: bool = False,
        recent_hot_frames: int | None = None,
    ) -> None:
        """``recent_hot_frames``: full outputs kept per object besides those next to prompts
        and the memory window (default 2 x num_maskmem); bounds RAM on long videos."""
        self._model = model
        self._device = model.device
        self.fast = bool(fast) and fast_dtype(self._device) is not None
        self._frames = SessionFrames(
            model, frames, fast=self.fast, feature_cache_bytes=feature_cache_bytes
        )
        self._num_frames = self._frames.num_frames
        self._size = self._frames.size
        self.feature_cache = self._frames.feature_cache
        self.recent_hot_frames = (
            RECENT_RUN_TAILS * model.num_maskmem if recent_hot_frames is None else recent_hot_frames
        )
        self.reused_steps = 0  # propagated outputs reused because nothing they depend on changed
        self._objects: dict[int, ObjectTrack] = {}
        self.fill_hole_area = int(fill_hole_area)
        self._steps = ModelSteps(
            model, self._frames, fast=self.fast, fill_hole_area=self.fill_hole_area
        )
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ properties
    @property
    def num_frames(self) -> int:
        return self._num_frames

    @property
    def frame_size(self) -> tuple[int, int]:
        """(height, width) of the frames."""
        return self._size

    @property
    def object_ids(self) -> list[int]:
        """Known objects, in the order they were first prompted."""
        return list(self._objects)

    @property
    def _mem_radius(self) -> int:
        return self._steps.mem_radius

    @property
    def track_steps(self) -> int:
        """track_step calls (memory attention + decoder) so far."""
        return self._steps.track_steps

    def retained_outputs(self, obj_id: int) -> int:
        """Full per-frame outputs (with spatial memory) held for an object."""
        return self._object(obj_id).retained_outputs()

    def tracked_frames(self, obj_id: int) -> list[int]:
        """Frames on which the object has a result, sorted."""
        return sorted(self._object(obj_id).tracked)

    # ------------------------------------------------------------------ features
    def is_encoded(self, frame: int) -> bool:
        return frame in self.feature_cache

    def encode(self, frame: int) -> None:
        """Compute a frame's image features into the cache (no-op when cached)."""
        with self._lock:
            self._check_frame(frame)
            self._frames.features(frame)

    def cached_frames_capacity(self) -> int:
        """Frames the feature cache can hold (estimated from one frame's features)."""
        return self._frames.cached_frames_capacity()

    def drop_features(self) -> None:
        self.feature_cache.clear()

    @property
    def frames_read(self) -> int:
        """Frames read from the source so far (each encoding reads one)."""
        return self._frames.frames_read

    # ------------------------------------------------------------------ prompts
    def add_points(
        self,
        frame: int,
        obj_id: int,
        points: Sequence[Sequence[float]] | np.ndarray,
        labels: Sequence[int] | np.ndarray,
        *,
        clear_old: bool = True,
    ) -> FrameResult:
        """Clicks (x, y in frame pixels; label 1 positive, 0 negative) for an object on a
        frame; ``clear_old=False`` appends to that frame's clicks. Returns every object's mask
        on the frame."""
        with self._lock:
            self._check_frame(frame)
            clicks = check_clicks(points, labels, self._size)
            if clicks is None:
                raise PromptError("points and labels are required")
            return self._point_prompt(frame, obj_id, clicks, None, clear_old)

    def add_box(
        self,
        frame: int,
        obj_id: int,
        box: Sequence[float] | np.ndarray,
        points: Sequence[Sequence[float]] | np.ndarray | None = None,
        labels: Sequence[int] | np.ndarray | None = None,
    ) -> FrameResult:
        """A box (x0, y0, x1, y1) in frame pixels, optionally with clicks; replaces the
        object's earlier prompts on the frame."""
        with self._lock:
            self._check_frame(frame)
            checked_box = check_box_prompt(box, self._size)
            clicks = check_clicks(points, labels, self._size)
            return self._point_prompt(frame, obj_id, clicks, checked_box, True)

    def add_mask(self, frame: int, obj_id: int, mask: np.ndarray) -> FrameResult:
        """A mask prompt (bool or 0/1 array of the frame's size) for an object on a frame."""
        with self._lock:
            self._check_frame(frame)
            arr = check_mask_prompt(mask, self._size)
            side = self._model.image_size
            prompt = torch.from_numpy(arr.astype(np.float32))[None, None].to(self._device)
            if self._size != (side, side):
                prompt = F.interpolate(
                    prompt, size=(side, side), mode="bilinear", align_corners=False, antialias=True
                )
                prompt = (prompt >= 0.5).float()
            obj = self._objects.setdefault(obj_id, ObjectTrack(obj_id))
            obj.version += 1
            obj.mask_inputs[frame] = prompt
            obj.point_inputs.pop(frame, None)
            is_init, reverse = self._prompt_mode(obj, frame)
            obj.pending[frame] = self._steps.track(
                obj, frame, is_init=is_init, reverse=reverse, mask_inputs=prompt
            )
            return self._frame_result(frame)

    def clear_prompts(self, frame: int, obj_id: int) -> FrameResult:
        """Remove an object's prompts on a frame (its output there stays, unconditioned)."""
        with self._lock:
            self._check_frame(frame)
            self._object(obj_id).clear_frame(frame)
            return self._frame_result(frame)

    def remove_object(self, obj_id: int) -> None:
        """Forget an object entirely; the others are untouched."""
        with self._lock:
            self._object(obj_id)
            del self._objects[obj_id]

    def reset(self) -> None:
        """Drop every object, prompt and result (cached image features stay)."""
        with self._lock:
            self._objects.clear()

    def frame_result(self, frame: int) -> FrameResult:
        """Every object's current mask on a frame (empty for objects with none there)."""
        with self._lock:
            self._check_frame(frame)
            return self._frame_result(frame)

    def _point_prompt(
        self,
        frame: int,
        obj_id: int,
        clicks: tuple[np.ndarray, np.ndarray] | None,
        box: np.ndarray | None,
        clear_old: bool,
    ) -> FrameResult:
        prompt = prompt_points_for_model(
            points=None if clicks is None else clicks[0],
            labels=None if clicks is None else clicks[1],
            box=box,
            image_hw=self._size,
            size=self._model.image_size,
            device=self._device,
        )
        if prompt is None:
            raise PromptError("a prompt needs points or a box")
        coords, labels = prompt
        obj = self._objects.setdefault(obj_id, ObjectTrack(obj_id))
        obj.version += 1
        old = None if clear_old else obj.point_inputs.get(frame)
        if old is not None:
            coords = torch.cat([old["point_coords"], coords], dim=1)
            labels = torch.cat([old["point_labels"], labels], dim=1)
        point_inputs = {"point_coords": coords, "point_labels": labels}
        obj.point_inputs[frame] = point_inputs
        obj.mask_inputs.pop(frame, None)
        is_init, reverse = self._prompt_mode(obj, frame)
        previous = obj.display_output(frame)
        prev_logits = None
        if previous is not None:
            prev_logits = previous[0].to(self._device).clamp(-PREV_LOGIT_CLAMP, PREV_LOGIT_CLAMP)
        obj.pending[frame] = self._steps.track(
            obj,
            frame,
            is_init=is_init,
            reverse=reverse,
            point_inputs=point_inputs,
            prev_logits=prev_logits,
        )
        return self._frame_result(frame)

    @staticmethod
    def _prompt_mode(obj: ObjectTrack, frame: int) -> tuple[bool, bool]:
        """(is_init_cond_frame, reverse) for a prompt: a frame never tracked, or an object
        left without conditioning frames (the reference asserts there), starts afresh."""
        if frame not in obj.tracked or not obj.cond:
            return True, False
        return False, obj.tracked[frame]

    # ------------------------------------------------------------------ propagation
    def propagate(
        self,
        start: int,
        direction: Direction = "forward",
        max_frames: int | None = None,
        cancel: CancelToken = None,
        *,
        objects: Collection[int] | None = None,
        from_keyframes: bool = False,
        stop_after_absent: int | None = None,
    ) -> Iterator[FrameResult]:
        """Generator of per-frame results, tracking every prompted object from ``start``.

        ``forward``/``backward``: start first, then at most ``max_frames`` frames past it;
        as in the reference, a backward run from frame 0 has nothing to track and yields
        nothing. ``both``: the forward run, then the backward run from start - 1. Each yield is a
        progress and cancellation point; cancelling (or closing the generator) keeps every
        finished frame. Arguments are checked at the call, not at the first ``next``.

        Beyond the reference (whose behaviour the defaults keep): ``objects`` tracks only
        those ids (the others are left out of the results); ``from_keyframes`` covers each
        object only outward from its own keyframes (see ``ObjectTrack.run_start``);
        ``stop_after_absent`` ends an object's run after that many frames in a row with an
        object score <= 0 (it left the frame)."""
        with self._lock:
            self._check_frame(start)
            check_run_arguments(direction, max_frames, stop_after_absent)
            if not any(obj.has_prompts for obj in self._objects.values()):
                raise NothingToTrackError("no object has a prompt yet: add points, a box or a mask")
            chosen = set(self._objects) if objects is None else set(objects)
            for obj_id in chosen:
                self._object(obj_id)
            if not any(self._objects[o].has_prompts for o in chosen):
                raise NothingToTrackError("none of the chosen objects has a prompt yet")
        runs = run_orders(start, direction, max_frames, self._num_frames)
        return self._run(runs, cancel, RunChoice(chosen, from_keyframes, stop_after_absent))

    def _run(
        self, runs: list[tuple[range, bool]], cancel: CancelToken, choice: RunChoice
    ) -> Iterator[FrameResult]:
        for order, reverse in runs:
            with self._lock:
                self._commit_prompts()
                r = self._mem_radius
                starts: dict[int, int] = {}
                for obj in self._objects.values():
                    start = obj.run_start(order, choice.from_keyframes)
                    if start is not None and obj.obj_id in choice.objects:
                        starts[obj.obj_id] = start
                        obj.begin_run(start, reverse)
                    at = starts.get(obj.obj_id, order.start)
                    obj.limit_hot(range(at - r, at + r + 1), self.recent_hot_frames, r)
            absent_run: dict[int, int] = dict.fromkeys(starts, 0)
            for frame in order:
                if is_cancelled(cancel):
                    return
                active = [
                    self._objects[o]
                    for o, s in starts.items()
                    if o in self._objects and (frame <= s if reverse else frame >= s)
                ]
                with self._lock:
                    result = self._propagate_frame(frame, reverse, active)
                    release_free_memory()  # keeps RSS flat over long runs
                if choice.stop_after_absent is not None:
                    for obj_id, res in result.objects.items():
                        absent_run[obj_id] = 0 if res.present else absent_run[obj_id] + 1
                        if absent_run[obj_id] >= choice.stop_after_absent:
                            del starts[obj_id]
                yield result

    def _commit_prompts(self) -> None:
        """Encode the memory of frames prompted since the last run; they become conditioning."""
        for obj in self._objects.values():
            for frame, out in obj.pending.items():
                if out["maskmem_features"] is None:
                    self._steps.encode_memory(frame, out)
            obj.commit_pending()

    def _propagate_frame(self, frame: int, reverse: bool, active: list[ObjectTrack]) -> FrameResult:
        objects: dict[int, Any] = {}
        r = self._mem_radius  # the window: this frame and the r frames behind it
        window = range(frame, frame + r + 1) if reverse else range(frame - r, frame + 1)
        for obj in active:
            out = obj.cond.get(frame)
            if out is not None:
                obj.tracked[frame] = reverse
                shown = (out["pred_masks"], out["object_score_logits"])
            elif obj.reusable(frame, reverse):
                # unchanged since this very pass computed it: the same output again
                self.reused_steps += 1
                shown = obj.display_output(frame)  # type: ignore[assignment]
            else:
                out = self._steps.track(obj, frame, is_init=False, reverse=reverse, memory=True)
                obj.store_tracked(frame, out, reverse)
                shown = (out["pred_masks"], out["object_score_logits"])
            obj.extend_run(frame)
            obj.limit_hot(window, self.recent_hot_frames, self._mem_radius)
            objects[obj.obj_id] = checked_object_result(frame, obj.obj_id, *shown, self._size)
        return FrameResult(frame, objects)

    # ------------------------------------------------------------------ results & checks
    def _frame_result(self, frame: int) -> FrameResult:
        objects = {}
        for obj in self._objects.values():
            shown = obj.display_output(frame)
            if shown is None:
                side = self._model.image_size // 4
                low = np.full((side, side), NO_OBJECT_LOGIT, dtype=np.float32)
                objects[obj.obj_id] = ObjectResult(obj.obj_id, low, None, self._size)
            else:
                objects[obj.obj_id] = checked_object_result(
                    frame, obj.obj_id, shown[0], shown[1], self._size
                )
        return FrameResult(frame, objects)

    def _object(self, obj_id: int) -> ObjectTrack:
        obj = self._objects.get(obj_id)
        if obj is None:
            known = ", ".join(map(str, self._objects)) or "none"
            raise UnknownObjectError(f"unknown object id {obj_id!r} (known: {known})")
        return obj

    def _check_frame(self, frame: int) -> None:
        check_frame(frame, self._num_frames)
