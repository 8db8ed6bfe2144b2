"""Qt-free engine service: one worker thread owns SAM2, requests queue up, events come back.

Importing this package does not import torch: the engine thread imports it when it starts.
"""

from annotator.service.errors import EngineFailure, NotReady, ServiceClosed, ServiceError
from annotator.service.events import (
    DownloadProgress,
    EngineError,
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
    ServiceStopped,
    SessionReset,
    Superseded,
    VideoReady,
)
from annotator.service.requests import (
    AddBox,
    AddMask,
    AddPoints,
    ClearPrompts,
    Direction,
    EncodeFrame,
    LoadModel,
    Propagate,
    RemoveObject,
    Reset,
    SetVideo,
)
from annotator.service.service import EngineService, RequestFuture

__all__ = [
    "AddBox",
    "AddMask",
    "AddPoints",
    "ClearPrompts",
    "Direction",
    "DownloadProgress",
    "EncodeFrame",
    "EngineError",
    "EngineFailure",
    "EngineService",
    "Event",
    "FrameEncoded",
    "FrameTracked",
    "LoadModel",
    "MaskResult",
    "ModelLoaded",
    "NotReady",
    "ObjectMask",
    "ObjectRemoved",
    "PromptsCleared",
    "Propagate",
    "PropagationDone",
    "PropagationStarted",
    "RemoveObject",
    "RequestFuture",
    "Reset",
    "ServiceClosed",
    "ServiceError",
    "ServiceStopped",
    "SessionReset",
    "SetVideo",
    "Superseded",
    "VideoReady",
]
