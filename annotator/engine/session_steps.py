"""The model calls of a video session: one ``track_step`` for one object on one frame, and the
memory of a prompted frame; outputs are compacted to what the session keeps (memory features
in bfloat16, one shared copy of the memory position encodings per shape)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from annotator.engine.fast_mode import compute_precision
from annotator.engine.postprocess import fill_small_holes
from annotator.engine.sam2.model import SAM2Model
from annotator.engine.session_frames import SessionFrames
from annotator.engine.tracking_state import FrameOutput, ObjectTrack


class ModelSteps:
    """Runs the model for a session, in its precision, on features from its frames."""

    def __init__(
        self, model: SAM2Model, frames: SessionFrames, *, fast: bool, fill_hole_area: int
    ) -> None:
        self._model = model
        self._frames = frames
        self._fast = fast
        self.fill_hole_area = fill_hole_area
        self.track_steps = 0  # track_step calls (memory attention + decoder) so far
        self.mem_radius = model.num_maskmem - 1
        self._ptr_radius = model.config.max_obj_ptrs_in_encoder - 1
        self._maskmem_pos: dict[tuple[int, ...], list[Tensor]] = {}

    def track(
        self,
        obj: ObjectTrack,
        frame: int,
        *,
        is_init: bool,
        reverse: bool,
        point_inputs: dict[str, Tensor] | None = None,
        mask_inputs: Tensor | None = None,
        prev_logits: Tensor | None = None,
        memory: bool = False,
    ) -> FrameOutput:
        """One track_step for one object; returns the compact record the session keeps."""
        feats = self._frames.features(frame)
        self.track_steps += 1
        with compute_precision(self._model.device, self._fast):
            out = self._model.track_step(
                frame_idx=frame,
                is_init_cond_frame=is_init,
                current_vision_feats=feats.vision_feats,
                current_vision_pos_embeds=self._frames.pos_embeds(feats.feat_sizes),
                feat_sizes=feats.feat_sizes,
                point_inputs=point_inputs,
                mask_inputs=mask_inputs,
                output_dict=obj.model_view(frame, self.mem_radius, self._ptr_radius),
                num_frames=self._frames.num_frames,
                track_in_reverse=reverse,
                run_mem_encoder=memory,
                prev_sam_mask_logits=prev_logits,
                high_res_masks=memory,
            )
        pred = out["pred_masks"].float()
        if self.fill_hole_area > 0:
            pred = fill_small_holes(pred, self.fill_hole_area)
        features = out["maskmem_features"]
        return {
            "maskmem_features": None if features is None else features.to(torch.bfloat16),
            "maskmem_pos_enc": self._shared_maskmem_pos(out["maskmem_pos_enc"]),
            "pred_masks": pred,
            "obj_ptr": out["obj_ptr"].float(),
            "object_score_logits": out["object_score_logits"].float(),
        }

    def encode_memory(self, frame: int, out: FrameOutput) -> None:
        """Fill in the spatial memory of a prompted frame's output (a conditioning frame)."""
        side = self._model.image_size
        device = self._model.device
        feats = self._frames.features(frame)
        high_res = F.interpolate(
            out["pred_masks"].to(device), size=(side, side), mode="bilinear", align_corners=False
        )
        with compute_precision(device, self._fast):
            memory, pos = self._model.encode_new_memory(
                feats.vision_feats, feats.feat_sizes, high_res, out["object_score_logits"], True
            )
        out["maskmem_features"] = memory.to(torch.bfloat16)
        out["maskmem_pos_enc"] = self._shared_maskmem_pos(pos)

    def _shared_maskmem_pos(self, pos: list[Tensor] | None) -> list[Tensor] | None:
        """Memory position encodings depend only on shape: keep one copy for all frames."""
        if pos is None:
            return None
        key = tuple(pos[-1].shape)
        return self._maskmem_pos.setdefault(key, [p.float().clone() for p in pos])
