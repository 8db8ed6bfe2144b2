"""The engine thread's side of the service: owns the model and the tracker, runs requests.

Only the engine thread creates or calls an EngineWorker. Results leave it as events of
plain data (numpy masks with RLE, floats), built here so no tensor escapes.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from annotator.service.errors import NotReady, Unsupported
from annotator.service.events import (
    Candidates,
    CandidatesFound,
    DownloadProgress,
    Event,
    FrameEncoded,
    FrameTracked,
    MaskResult,
    ModelLoaded,
    ObjectMask,
    ObjectRemoved,
    PromptsCleared,
    PropagationDone,
    PropagationStarted,
    SessionReset,
    VideoReady,
)
from annotator.service.planning import PlanLimits, count_propagated
from annotator.service.request_queue import CancelToken
from annotator.service.requests import (
    AddBox,
    AddMask,
    AddPoints,
    ClearPrompts,
    Direction,
    FindCandidates,
    LoadModel,
    Propagate,
    RemoveObject,
    Reset,
    SetVideo,
)
from annotator.service.torch_threads import configure_engine_threads, usable_cores
from annotator.service.tracker import FrameMasks, Tracker

log = logging.getLogger(__name__)

RATE_WINDOW = 8  # frames/s and ETA are measured over the last frames, not the whole run

Emit = Callable[[Event], None]


class FrameMaskEncoder:
    """Turns a frame's outputs into ObjectMasks, reusing the encoding of an object whose
    low-res logits and score did not change on that frame since it was last seen (the last
    few frames are remembered): a click changes one object, and upsampling and RLE-encoding
    the others again costs up to ~20 ms each at 720p."""

    def __init__(self, frames: int = 4) -> None:
        self._frames = frames
        self._last: dict[int, dict[int, tuple[np.ndarray, ObjectMask]]] = {}

    def __call__(self, frame: int, masks: FrameMasks) -> dict[int, ObjectMask]:
        last = self._last.pop(frame, {})
        kept: dict[int, tuple[np.ndarray, ObjectMask]] = {}
        for obj, out in sorted(masks.items()):
            score = None if out.score is None else float(out.score)
            prev = last.get(obj)
            if (
                prev is not None
                and prev[1].score == score
                and np.array_equal(prev[0], out.low_res_logits)
            ):
                kept[obj] = prev
            else:
                kept[obj] = (out.low_res_logits, ObjectMask.of(out.mask, score))
        self._last[frame] = kept  # most recent last
        while len(self._last) > self._frames:
            del self._last[next(iter(self._last))]
        return {obj: encoded for obj, (_, encoded) in kept.items()}


class EngineWorker:
    """Handles one request at a time; see the module docstring."""

    def __init__(
        self,
        emit: Emit,
        publish_limits: Callable[[PlanLimits], None],
        num_threads: int | None = None,
        weights: Any | None = None,
        click_threads: int | None = None,
    ) -> None:
        self._emit = emit
        self._weights = weights
        self._publish_limits = publish_limits
        self.num_threads = configure_engine_threads(num_threads)
        # a click's decode is a ~60 ms burst the user waits on: give it every core (measured:
        # GUI event-loop lateness during clicks stays at p99 2 ms; bench/latency.py)
        self.click_threads = click_threads or usable_cores()
        self._model: torch.nn.Module | None = None
        self._model_name = ""
        self._device = "cpu"
        self._tracker: Tracker | None = None
        self._video: SetVideo | None = None  # the open video, re-opened on a model change
        self.photo = False  # the open source is a photo (PhotoTracker: no propagation)
        self._encode_masks = FrameMaskEncoder()

    # --- dispatch ----------------------------------------------------------------------
    def handle(self, request_id: int, request: object, token: CancelToken) -> Event:
        """Run `request`; returns its final event (progress events are emitted on the way)."""
        if isinstance(request, LoadModel):
            # outside inference mode: parameters made in it would be inference tensors
            return self._load_model(request_id, request, token)
        with torch.inference_mode():
            if isinstance(request, AddPoints | AddBox | AddMask):
                if self.click_threads == self.num_threads:
                    return self._prompt(request_id, request)
                torch.set_num_threads(self.click_threads)
                try:
                    return self._prompt(request_id, request)
                finally:
                    torch.set_num_threads(self.num_threads)
            if isinstance(request, FindCandidates):
                return self._candidates(request_id, request)
            if isinstance(request, Propagate):
                return self._propagate(request_id, request, token)
            if isinstance(request, SetVideo):
                return self._set_video(request_id, request)
            if isinstance(request, RemoveObject):
                self._need_tracker().remove_object(request.obj_id)
                return ObjectRemoved(request_id, request.obj_id)
            if isinstance(request, ClearPrompts):
                masks = self._need_tracker().clear_prompts(request.frame, request.obj_id)
                return PromptsCleared(
                    request_id,
                    request.frame,
                    request.obj_id,
                    self._encode_masks(request.frame, masks),
                )
            if isinstance(request, Reset):
                self._need_tracker().reset()
                return SessionReset(request_id)
        raise TypeError(f"not an engine request: {type(request).__name__}")

    def preencode(self, request_id: int, frame: int, landing: bool) -> FrameEncoded | None:
        """Encode one frame of the idle plan; None when there is nothing to encode into."""
        tracker = self._tracker
        if tracker is None:
            if landing:
                raise NotReady("no video is open to encode frames of")
            return None
        t0 = time.perf_counter()
        cached = tracker.is_encoded(frame)
        if not cached:
            with torch.inference_mode():
                tracker.encode(frame)
        return FrameEncoded(request_id, frame, time.perf_counter() - t0, cached)

    def describe_error(self, exc: BaseException) -> tuple[str, str, bool]:
        """(kind, message for a person, fatal) for an exception raised by a request."""
        kind = type(exc).__name__
        text = str(exc)
        if "CUDA error" in text or "device-side assert" in text:
            return kind, f"the GPU failed ({text}); restart the engine", True
        if _is_out_of_memory(exc):
            self._recover_memory()
            return (
                "OutOfMemory",
                f"the engine ran out of memory ({exc}); cached image features were dropped, "
                "try again or use a smaller model",
                False,
            )
        from annotator.domain.errors import DomainError
        from annotator.engine.checkpoint_errors import CheckpointError
        from annotator.engine.device import DeviceUnavailableError
        from annotator.engine.weights import WeightsError
        from annotator.io.frames.errors import FrameSourceError

        user_errors = (
            CheckpointError,
            WeightsError,
            DeviceUnavailableError,
            FrameSourceError,
            DomainError,
            NotReady,
            Unsupported,
            OSError,
            ValueError,  # the engine's input errors (bad frame, prompt, object id) are these
            IndexError,
            KeyError,
        )
        if isinstance(exc, user_errors):
            message = str(exc)
            if type(exc).__str__ is KeyError.__str__ and exc.args:  # KeyError quotes its text
                message = str(exc.args[0])
            return kind, message, False
        log.error("engine request failed", exc_info=exc)
        return kind, f"internal engine error (a bug): {exc}", False

    def close(self) -> None:
        """Release the tracker and the model (on the engine thread that made them)."""
        self._tracker = None
        self._model = None
        gc.collect()

    # --- handlers ----------------------------------------------------------------------
    def _need_tracker(self) -> Tracker:
        if self._tracker is None:
            raise NotReady("no video is open: open a video before prompting or tracking")
        return self._tracker

    def _load_model(self, request_id: int, request: LoadModel, token: CancelToken) -> Event:
        from annotator.engine.checkpoint import load_model

        t0 = time.perf_counter()
        path = Path(request.source)
        if not path.exists():
            from annotator.engine.weights_registry import REGISTRY

            known = getattr(self._weights, "registry", REGISTRY)
            if str(request.source) in known:
                path = self._download(request_id, str(request.source), token)
        from annotator.engine.device import pick_device

        device = pick_device(request.device)
        with torch.no_grad():
            loaded = load_model(path, device=device)
        if request.image_size is not None:
            set_imgsz: Callable[[int], None] = getattr(loaded.model, "set_imgsz")  # noqa: B009
            set_imgsz(request.image_size)
        self._tracker = None
        self._publish_limits(PlanLimits())
        self._model = loaded.model
        self._model_name = loaded.config.name
        self._device = str(device)
        event = ModelLoaded(request_id, self._model_name, self._device, time.perf_counter() - t0)
        if self._video is not None:  # keep the open video: a new session with the new model
            self._emit(self._set_video(request_id, self._video))
        return event

    def _download(self, request_id: int, name: str, token: CancelToken) -> Path:
        """Fetch a model by name through the weights manager, reporting progress; the
        service's cancel stops it (the partial file stays for the next try to resume)."""
        from annotator.engine.weights import WeightsManager

        def progress(done: int, total: int) -> None:
            self._emit(DownloadProgress(request_id, int(done), int(total) or None))

        manager = self._weights if self._weights is not None else WeightsManager()
        return Path(manager.download(name, progress=progress, cancel=token.event))

    def _set_video(self, request_id: int, request: SetVideo) -> Event:
        if self._model is None:
            raise NotReady("no model is loaded: load a model before opening a video")
        from annotator.service.photo_tracker import PhotoTracker, is_photo_source
        from annotator.service.video_tracker import VideoTracker

        self._tracker = None
        self._encode_masks = FrameMaskEncoder()  # encodings of another session's frames
        gc.collect()
        fast = request.fast
        if fast is None:
            from annotator.engine.fast_mode import default_precision

            fast = default_precision(cast(Any, self._model).device).mode == "fast"
        tracker: VideoTracker | PhotoTracker
        if is_photo_source(request.frames):  # a photo: the image predictor, no video session
            tracker = PhotoTracker(self._model, request.frames, fast)
        else:
            tracker = VideoTracker(self._model, request.frames, request.feature_budget_bytes, fast)
        self._tracker = tracker
        self._video = request
        capacity = tracker.cached_frames_capacity()
        self._publish_limits(PlanLimits(tracker.num_frames, max(0, capacity // 2 - 1)))
        h, w = tracker.frame_size
        self.photo = isinstance(tracker, PhotoTracker)
        return VideoReady(
            request_id,
            tracker.num_frames,
            w,
            h,
            fast=tracker.fast,
            photo=self.photo,
            model_name=self._model_name,
            device=self._device,
            image_size=int(getattr(self._model, "image_size", 0)),
        )

    def _prompt(self, request_id: int, request: AddPoints | AddBox | AddMask) -> Event:
        tracker = self._need_tracker()
        t0, c0 = time.perf_counter(), time.thread_time()
        if isinstance(request, AddPoints):
            masks = tracker.add_points(
                request.frame,
                request.obj_id,
                np.asarray(request.points, dtype=np.float32).reshape(-1, 2),
                np.asarray(request.labels, dtype=np.int32),
                request.clear_old,
            )
        elif isinstance(request, AddBox):
            pts = np.asarray(request.points, dtype=np.float32).reshape(-1, 2)
            masks = tracker.add_box(
                request.frame,
                request.obj_id,
                np.asarray(request.box, dtype=np.float32),
                pts if len(pts) else None,
                np.asarray(request.labels, dtype=np.int32) if len(pts) else None,
            )
        else:
            masks = tracker.add_mask(request.frame, request.obj_id, request.mask)
        objects = self._encode_masks(request.frame, masks)
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
        return MaskResult(request_id, request.frame, objects, (), wall, cpu)

    def _candidates(self, request_id: int, request: FindCandidates) -> CandidatesFound:
        found = self._need_tracker().candidates(request.frame, request.point, request.label)
        candidates = None if found is None else Candidates(request.obj_id, *found)
        return CandidatesFound(request_id, request.frame, candidates)

    def _propagate(self, request_id: int, request: Propagate, token: CancelToken) -> Event:
        tracker = self._need_tracker()
        if self.photo:
            from annotator.service.photo_tracker import PHOTO_NOT_PROPAGATED

            raise Unsupported(PHOTO_NOT_PROPAGATED)
        direction = Direction(request.direction)
        if not 0 <= request.start < tracker.num_frames:
            raise IndexError(
                f"frame {request.start} is outside the video (0..{tracker.num_frames - 1})"
            )
        total = count_propagated(request.start, direction, request.max_frames, tracker.num_frames)
        self._emit(PropagationStarted(request_id, request.start, direction, total))
        t0, c0 = time.perf_counter(), time.thread_time()
        frames: list[int] = []
        stamps: deque[float] = deque([t0], maxlen=RATE_WINDOW + 1)
        if not token.cancelled:
            stream = tracker.propagate(
                request.start,
                direction.value,
                request.max_frames,
                lambda: token.cancelled,
                objects=request.objects,
                from_keyframes=request.from_keyframes,
                stop_after_absent=request.stop_after_absent,
            )
            try:
                for frame, masks in stream:
                    frames.append(frame)
                    stamps.append(time.perf_counter())
                    fps = (len(stamps) - 1) / max(stamps[-1] - stamps[0], 1e-9)
                    left = max(0, total - len(frames))
                    self._emit(
                        FrameTracked(
                            request_id,
                            frame,
                            self._encode_masks(frame, masks),
                            len(frames),
                            total,
                            fps,
                            left / fps,
                        )
                    )
                    if token.cancelled:
                        break
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
        cancelled = token.cancelled and len(frames) < total
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
        return PropagationDone(request_id, tuple(frames), cancelled, wall, cpu)

    def _recover_memory(self) -> None:
        if self._tracker is not None:
            try:
                self._tracker.drop_features()
            except Exception:
                log.exception("dropping cached features failed")
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError | torch.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text
    )
