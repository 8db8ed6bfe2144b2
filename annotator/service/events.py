"""Typed results and events the engine thread reports back: plain data, never tensors.

Masks are numpy bool arrays at frame size (H x W); scores are Python floats. Every event
names the id of the request it answers (0 for work the service started on its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from annotator.domain.mask import Mask
from annotator.service.requests import Direction


@dataclass(frozen=True, eq=False)
class ObjectMask:
    """One object's mask on one frame: bool H x W for painting, the same as COCO RLE
    (`rle`, encoded on the engine thread) for the store, and the model's object score
    (a logit; > 0 means the model thinks the object is visible; None when the object has
    no output on this frame)."""

    mask: np.ndarray = field(repr=False)
    rle: Mask = field(repr=False)
    score: float | None

    @staticmethod
    def of(mask: np.ndarray, score: float | None) -> ObjectMask:
        """Wrap a bool H x W mask, encoding its RLE once."""
        mask = np.ascontiguousarray(mask, dtype=bool)
        return ObjectMask(mask, Mask.from_array(mask), None if score is None else float(score))

    @property
    def area(self) -> int:
        """Number of mask pixels."""
        return self.rle.area


@dataclass(frozen=True)
class Event:
    """Base of every event: the id of the request it answers."""

    request_id: int


@dataclass(frozen=True)
class DownloadProgress(Event):
    """Bytes of a model download done so far (total None when the server did not say)."""

    done_bytes: int
    total_bytes: int | None


@dataclass(frozen=True)
class ModelLoaded(Event):
    """A model is loaded and owned by the engine thread (when a video was open, it was
    re-opened with the new model: a VideoReady with the same request id came first)."""

    model_name: str
    device: str
    seconds: float


@dataclass(frozen=True)
class VideoReady(Event):
    """A session is open over a frame source (`fast`: in bf16 fast mode; `photo`: the source
    is a photo, segmented by the image predictor, with no memory and no propagation), with
    the model, device and input size it runs (so a window joining a loaded engine can say)."""

    num_frames: int
    width: int
    height: int
    fast: bool = False
    photo: bool = False
    model_name: str = ""
    device: str = ""
    image_size: int = 0


@dataclass(frozen=True)
class FrameEncoded(Event):
    """A frame's image features are in the feature cache (`cached`: they already were)."""

    frame: int
    seconds: float
    cached: bool


@dataclass(frozen=True)
class Superseded(Event):
    """A request was dropped because a newer one replaced it (`by` is that request's id)."""

    by: int


@dataclass(frozen=True, eq=False)
class MaskResult(Event):
    """Every object's mask on `frame` after a prompt request (and the requests coalesced
    into it, listed in `merged`). `seconds`: engine wall time spent on it; `cpu_seconds`:
    the engine thread's CPU time (the cost on an idle machine when it runs one thread)."""

    frame: int
    objects: dict[int, ObjectMask] = field(repr=False)
    merged: tuple[int, ...]
    seconds: float
    cpu_seconds: float = 0.0


@dataclass(frozen=True, eq=False)
class Candidates:
    """The model's three masks for a single click (multimask output) of object `obj_id`:
    bool (3, H, W) `masks`, predicted IoU `scores` (3,); `best` is what the session kept."""

    obj_id: int
    masks: np.ndarray = field(repr=False)
    scores: np.ndarray

    @property
    def best(self) -> int:
        return int(np.argmax(self.scores))


@dataclass(frozen=True, eq=False)
class CandidatesFound(Event):
    """The answer to FindCandidates: the click's three masks on `frame` (None when the
    frame's image features were no longer cached: click again)."""

    frame: int
    candidates: Candidates | None


@dataclass(frozen=True)
class PropagationStarted(Event):
    """A propagation began; `total_frames` frames will be produced unless cancelled."""

    start: int
    direction: Direction
    total_frames: int


@dataclass(frozen=True, eq=False)
class FrameTracked(Event):
    """One propagated frame: every object's mask, progress, speed and time left."""

    frame: int
    objects: dict[int, ObjectMask] = field(repr=False)
    done: int
    total: int
    frames_per_second: float
    eta_seconds: float


@dataclass(frozen=True)
class PropagationDone(Event):
    """A propagation ended: `frames` lists the frames produced, in order; `cancelled` when
    it stopped early on a cancel (every frame listed is kept by the session); wall and
    engine-thread CPU seconds as in MaskResult."""

    frames: tuple[int, ...]
    cancelled: bool
    seconds: float
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class ObjectRemoved(Event):
    """An object is forgotten by the session."""

    obj_id: int


@dataclass(frozen=True, eq=False)
class PromptsCleared(Event):
    """One object's prompts on a frame are gone; `objects` is that frame's masks now."""

    frame: int
    obj_id: int
    objects: dict[int, ObjectMask] = field(repr=False)


@dataclass(frozen=True)
class SessionReset(Event):
    """Every prompt and tracked result is dropped; the video stays open."""


@dataclass(frozen=True)
class EngineError(Event):
    """A request failed. `kind` names the cause's class, `message` says what went wrong
    for a person; `needs_restart` when the service cannot go on and must be recreated."""

    kind: str
    message: str
    needs_restart: bool = False


@dataclass(frozen=True)
class ServiceStopped(Event):
    """The engine thread has ended (shutdown or a fatal error)."""
