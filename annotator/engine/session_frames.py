"""A video session's frames: read only when needed, checked, encoded once and cached (image
features under a byte budget, position embeddings once per feature size)."""

from __future__ import annotations

import numpy as np
from torch import Tensor

from annotator.engine.fast_mode import compute_precision
from annotator.engine.feature_cache import FeatureCache, FrameFeatures
from annotator.engine.preprocess import EngineInputError, check_rgb_image, preprocess_image
from annotator.engine.sam2.model import SAM2Model
from annotator.engine.session_errors import EmptyVideoError, FrameSourceError
from annotator.engine.session_results import FrameSource


class SessionFrames:
    """The frame source of a session and its image encoder, behind a feature cache."""

    def __init__(
        self, model: SAM2Model, frames: FrameSource, *, fast: bool, feature_cache_bytes: int | None
    ) -> None:
        self.num_frames = len(frames)
        if self.num_frames == 0:
            raise EmptyVideoError("the video has no frames")
        self._model = model
        self._frames = frames
        self._fast = fast
        self.feature_cache = FeatureCache(feature_cache_bytes)
        self.frames_read = 0
        self._pos_embeds: dict[tuple[tuple[int, int], ...], list[Tensor]] = {}
        self.size = self._probe_size()

    def _probe_size(self) -> tuple[int, int]:
        """(height, width): from the source's attributes where it has them, else frame 0."""
        h, w = getattr(self._frames, "height", None), getattr(self._frames, "width", None)
        if isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0:
            return h, w
        image = self.read(0, check_size=False)
        return int(image.shape[0]), int(image.shape[1])

    def read(self, frame: int, check_size: bool = True) -> np.ndarray:
        """Frame `frame` as RGB uint8 (H, W, 3); a bad or wrongly sized one is a
        FrameSourceError naming the frame."""
        try:
            image = check_rgb_image(self._frames[frame])
        except EngineInputError as exc:
            raise FrameSourceError(f"frame {frame}: {exc}") from exc
        self.frames_read += 1
        if check_size and image.shape[:2] != self.size:
            h, w = self.size
            raise FrameSourceError(
                f"frame {frame} is {image.shape[1]}x{image.shape[0]}, the video is {w}x{h}"
            )
        return image

    def features(self, frame: int) -> FrameFeatures:
        """The frame's image features, encoded on first use and cached."""
        return self.feature_cache.get_or_compute(frame, lambda: self._encode(frame))

    def pos_embeds(self, feat_sizes: list[tuple[int, int]]) -> list[Tensor]:
        """Position embeddings of features of these sizes (set when such a frame was encoded)."""
        return self._pos_embeds[tuple(feat_sizes)]

    def _encode(self, frame: int) -> FrameFeatures:
        device = self._model.device
        image = preprocess_image(self.read(frame), size=self._model.image_size, device=device)
        with compute_precision(device, self._fast):
            backbone = self._model.forward_image(image)
            _, feats, pos, sizes = self._model.prepare_backbone_features(backbone)
        self._pos_embeds.setdefault(tuple(sizes), pos)
        return FrameFeatures(vision_feats=feats, feat_sizes=sizes)

    def cached_frames_capacity(self) -> int:
        """Frames the feature cache can hold (estimated from one frame's features)."""
        side = self._model.image_size
        c = self._model.hidden_dim
        elements = c // 8 * (side // 4) ** 2 + c // 4 * (side // 8) ** 2 + c * (side // 16) ** 2
        return self.feature_cache.capacity_frames(elements * (2 if self._fast else 4))
