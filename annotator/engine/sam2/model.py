"""SAM2Model: the full SAM2 / SAM2.1 network and its per-frame tracking step.

Attribute names reproduce Meta's checkpoint keys exactly, so ``load_state_dict(sd,
strict=True)`` accepts the released files. Public API (same semantics as the reference
``SAM2Base``): `forward_image`, `prepare_backbone_features`, `track_step`, `set_imgsz`; the
lower-level steps (`forward_sam_heads`, `use_mask_as_output`,
`prepare_memory_conditioned_features`, `encode_new_memory`) are public too so the image
predictor and the video session can reuse them. Features are sequence-first inside tracking:
``current_vision_feats[i]`` is [H_i*W_i, B, C].
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from annotator.engine.sam2.common import MLP
from annotator.engine.sam2.config import ModelConfig
from annotator.engine.sam2.image_encoder import ImageEncoder
from annotator.engine.sam2.mask_decoder import MaskDecoder
from annotator.engine.sam2.memory_attention import MemoryAttention
from annotator.engine.sam2.memory_encoder import MemoryEncoder
from annotator.engine.sam2.memory_selection import select_memory_frames, select_object_pointers
from annotator.engine.sam2.position_encoding import temporal_sine_encoding
from annotator.engine.sam2.prompt_encoder import PromptEncoder

# logit given to every pixel of a mask whose object is predicted absent
NO_OBJ_SCORE = -1024.0
# logits the mask-as-output path gives to pixels outside / inside a mask prompt
MASK_OUT_SCALE, MASK_OUT_BIAS = 20.0, -10.0

SamHeadOutputs = tuple[Tensor, Tensor, Tensor, Tensor | None, Tensor, Tensor]
"""(low_res_multimasks [B,M,4h,4w], ious [B,M], low_res_masks [B,1,4h,4w], high_res_masks
[B,1,S,S] or None when not asked for, obj_ptr [B,C], object_score_logits [B,1]). Unlike the
reference, the candidates are not upsampled to S x S: only the chosen mask is used there."""


class SAM2Model(nn.Module):
    """SAM2 / SAM2.1 built from a `ModelConfig`; runs in float32 unless moved otherwise."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        cfg = config
        self.config = cfg
        self.image_encoder = ImageEncoder(trunk=cfg.trunk, neck=cfg.neck)
        self.hidden_dim = cfg.hidden_dim
        self.mem_dim = cfg.mem_dim
        self.num_maskmem = cfg.num_maskmem
        self.image_size = cfg.image_size
        self.backbone_stride = cfg.backbone_stride
        self.num_feature_levels = 3 if cfg.use_high_res_features_in_sam else 1
        # bf16 halves the memory bank; the reference video predictor stores it this way
        self.memory_storage_dtype = torch.bfloat16

        self.memory_attention = MemoryAttention.from_config(cfg.memory_attention)
        self.memory_encoder = MemoryEncoder.from_config(cfg.memory_encoder)

        if cfg.use_obj_ptrs_in_encoder:
            # brings a 1024 px mask prompt to the 256 px logit grid of the decoder
            self.mask_downsample = nn.Conv2d(1, 1, kernel_size=4, stride=4)
        self.maskmem_tpos_enc = nn.Parameter(torch.zeros(cfg.num_maskmem, 1, 1, self.mem_dim))
        self.no_mem_embed = nn.Parameter(torch.zeros(1, 1, self.hidden_dim))
        self.no_mem_pos_enc = nn.Parameter(torch.zeros(1, 1, self.hidden_dim))
        if cfg.fixed_no_obj_ptr and not (cfg.pred_obj_scores and cfg.use_obj_ptrs_in_encoder):
            raise ValueError("fixed_no_obj_ptr needs pred_obj_scores and use_obj_ptrs_in_encoder")
        if cfg.pred_obj_scores and cfg.use_obj_ptrs_in_encoder:
            self.no_obj_ptr = nn.Parameter(torch.zeros(1, self.hidden_dim))
        self.no_obj_embed_spatial: nn.Parameter | None = None
        if cfg.no_obj_embed_spatial:
            self.no_obj_embed_spatial = nn.Parameter(torch.zeros(1, self.mem_dim))

        embed = self.image_size // self.backbone_stride
        self.sam_prompt_encoder = PromptEncoder(
            embed_dim=self.hidden_dim,
            image_embedding_size=(embed, embed),
            input_image_size=(self.image_size, self.image_size),
            mask_in_chans=16,
        )
        self.sam_mask_decoder = MaskDecoder(
            transformer_dim=self.hidden_dim,
            use_high_res_features=cfg.use_high_res_features_in_sam,
            iou_prediction_use_sigmoid=cfg.iou_prediction_use_sigmoid,
            dynamic_multimask_via_stability=cfg.dynamic_multimask_via_stability,
            dynamic_multimask_stability_delta=cfg.dynamic_multimask_stability_delta,
            dynamic_multimask_stability_thresh=cfg.dynamic_multimask_stability_thresh,
            pred_obj_scores=cfg.pred_obj_scores,
            pred_obj_scores_mlp=cfg.pred_obj_scores_mlp,
            use_multimask_token_for_obj_ptr=cfg.use_multimask_token_for_obj_ptr,
        )
        self.obj_ptr_proj: nn.Module
        if not cfg.use_obj_ptrs_in_encoder:
            self.obj_ptr_proj = nn.Identity()
        elif cfg.use_mlp_for_obj_ptr_proj:
            dim = self.hidden_dim
            self.obj_ptr_proj = MLP(in_dim=dim, hidden_dim=dim, out_dim=dim, num_layers=3)
        else:
            self.obj_ptr_proj = nn.Linear(self.hidden_dim, self.hidden_dim)
        self.obj_ptr_tpos_proj: nn.Module
        if cfg.proj_tpos_enc_in_obj_ptrs:
            if not cfg.add_tpos_enc_to_obj_ptrs:
                raise ValueError("proj_tpos_enc_in_obj_ptrs needs add_tpos_enc_to_obj_ptrs")
            self.obj_ptr_tpos_proj = nn.Linear(self.hidden_dim, self.mem_dim)
        else:
            self.obj_ptr_tpos_proj = nn.Identity()

    @property
    def device(self) -> torch.device:
        """Device of the model's parameters."""
        return self.no_mem_embed.device

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("use forward_image / track_step, or ImagePredictor")

    # ------------------------------------------------------------------ image features
    def set_imgsz(self, imgsz: int | tuple[int, int]) -> None:
        """Run the model at another square input size (a multiple of 32; default 1024)."""
        size = imgsz if isinstance(imgsz, int) else int(imgsz[0])
        if not isinstance(imgsz, int) and imgsz[0] != imgsz[1]:
            raise ValueError(f"SAM2 needs a square input size, got {imgsz}")
        if size <= 0 or size % 32:
            raise ValueError(f"input size must be a positive multiple of 32, got {size}")
        self.image_size = size
        embed = size // self.backbone_stride
        self.sam_prompt_encoder.input_image_size = (size, size)
        self.sam_prompt_encoder.image_embedding_size = (embed, embed)
        self.sam_prompt_encoder.mask_input_size = (4 * embed, 4 * embed)

    def forward_image(self, img_batch: Tensor) -> dict[str, Any]:
        """Normalised images [B, 3, S, S] -> {"vision_features" [B, C, S/16, S/16],
        "vision_pos_enc": 3 maps, "backbone_fpn": 3 maps (S/4, S/8, S/16)}.

        The two high-resolution levels are already projected by the decoder's conv_s0/conv_s1
        (to C/8 and C/4 channels), so clicks do not redo it."""
        proj = None
        if self.config.use_high_res_features_in_sam:
            # conv_s0 / conv_s1 folded into the neck's lateral convs of levels 0 and 1
            proj = {0: self.sam_mask_decoder.conv_s0, 1: self.sam_mask_decoder.conv_s1}
        feats = self.image_encoder(img_batch, output_proj=proj)
        fpn = list(feats.backbone_fpn)
        return {
            "vision_features": feats.vision_features,
            "vision_pos_enc": list(feats.vision_pos_enc),
            "backbone_fpn": fpn,
        }

    def prepare_backbone_features(
        self, backbone_out: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Tensor], list[Tensor], list[tuple[int, int]]]:
        """-> (backbone_out, vision_feats, vision_pos_embeds, feat_sizes), the levels the
        decoder uses flattened sequence-first: [H*W, B, C]."""
        levels = self.num_feature_levels
        maps = backbone_out["backbone_fpn"][-levels:]
        pos_maps = backbone_out["vision_pos_enc"][-levels:]
        feat_sizes = [(int(x.shape[-2]), int(x.shape[-1])) for x in pos_maps]
        vision_feats = [x.flatten(2).permute(2, 0, 1) for x in maps]
        vision_pos = [x.flatten(2).permute(2, 0, 1) for x in pos_maps]
        return dict(backbone_out), vision_feats, vision_pos, feat_sizes

    _prepare_backbone_features = prepare_backbone_features

    # ------------------------------------------------------------------ SAM heads
    def forward_sam_heads(
        self,
        backbone_features: Tensor,
        point_inputs: dict[str, Tensor] | None = None,
        mask_inputs: Tensor | None = None,
        high_res_features: list[Tensor] | None = None,
        multimask_output: bool = False,
        high_res_masks: bool = True,
    ) -> SamHeadOutputs:
        """Prompt encoder + mask decoder on features [B, C, h, w] (see `SamHeadOutputs`).

        ``high_res_masks=False`` skips upsampling to S x S (a click's decode needs only the
        low-res logits; the S x S masks feed the memory encoder).

        point_inputs: {"point_coords" [B, P, 2] model-input pixels (x, y), "point_labels"
        [B, P] int}; mask_inputs: logits [B, 1, *, *] (resized to 4h x 4w when needed).
        Masks of objects predicted absent become NO_OBJ_SCORE; their pointer the no-object one.
        """
        b = backbone_features.shape[0]
        device = backbone_features.device
        if point_inputs is not None:
            coords = point_inputs["point_coords"]
            labels = point_inputs["point_labels"]
        else:
            coords = torch.zeros(b, 1, 2, device=device)
            labels = -torch.ones(b, 1, dtype=torch.int32, device=device)
        mask_prompt = None
        if mask_inputs is not None:
            target = self.sam_prompt_encoder.mask_input_size
            if tuple(mask_inputs.shape[-2:]) != tuple(target):
                mask_prompt = F.interpolate(
                    mask_inputs.float(),
                    size=target,
                    mode="bilinear",
                    align_corners=False,
                    antialias=True,
                )
            else:
                mask_prompt = mask_inputs
        sparse, dense = self.sam_prompt_encoder(
            points=(coords, labels), boxes=None, masks=mask_prompt
        )
        # the decoder makes the masks themselves: float32 even in fast mode (a few ms a call)
        with torch.autocast(device.type, enabled=False):
            out = self.sam_mask_decoder(
                image_embeddings=backbone_features.float(),
                image_pe=self.sam_prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse.float(),
                dense_prompt_embeddings=dense.float(),
                multimask_output=multimask_output,
                repeat_image=False,
                high_res_features=None
                if high_res_features is None
                else [f.float() for f in high_res_features],
            )
        low_multi, ious, tokens, obj_logits = (
            out.masks,
            out.iou_pred,
            out.sam_tokens,
            out.object_score_logits,
        )
        present = obj_logits > 0
        if self.config.pred_obj_scores:
            low_multi = torch.where(present[:, None, None], low_multi, NO_OBJ_SCORE)
        low_multi = low_multi.float()
        token = tokens[:, 0]
        if multimask_output:
            best = ious.argmax(dim=-1)
            rows = torch.arange(b, device=device)
            low = low_multi[rows, best].unsqueeze(1)
            if tokens.shape[1] > 1:
                token = tokens[rows, best]
        else:
            low = low_multi
        high = None
        if high_res_masks:
            size = (self.image_size, self.image_size)
            high = F.interpolate(low, size=size, mode="bilinear", align_corners=False)
        obj_ptr = self._mix_no_object_pointer(self.obj_ptr_proj(token), obj_logits, present)
        return low_multi, ious, low, high, obj_ptr, obj_logits

    _forward_sam_heads = forward_sam_heads

    def _mix_no_object_pointer(
        self, obj_ptr: Tensor, obj_logits: Tensor, present: Tensor
    ) -> Tensor:
        """Blend in `no_obj_ptr` where the object is absent (softly with soft_no_obj_ptr)."""
        cfg = self.config
        if not cfg.pred_obj_scores:
            return obj_ptr
        weight = obj_logits.sigmoid() if cfg.soft_no_obj_ptr else present.float()
        if cfg.fixed_no_obj_ptr:
            obj_ptr = weight * obj_ptr
        return obj_ptr + (1 - weight) * self.no_obj_ptr

    def use_mask_as_output(
        self, backbone_features: Tensor, high_res_features: list[Tensor] | None, mask_inputs: Tensor
    ) -> SamHeadOutputs:
        """Turn a binary mask prompt [B, 1, S, S] directly into output logits (+-10), with an
        object pointer from decoding the downsampled mask; presence = any pixel set."""
        mask = mask_inputs.float()
        high = mask * MASK_OUT_SCALE + MASK_OUT_BIAS
        low = F.interpolate(
            high,
            size=(high.shape[-2] // 4, high.shape[-1] // 4),
            mode="bilinear",
            align_corners=False,
            antialias=True,
        )
        ious = mask.new_ones(mask.shape[0], 1)
        if self.config.use_obj_ptrs_in_encoder:
            obj_ptr = self.forward_sam_heads(
                backbone_features,
                mask_inputs=self.mask_downsample(mask),
                high_res_features=high_res_features,
                high_res_masks=False,
            )[4]
        else:
            obj_ptr = torch.zeros(mask.shape[0], self.hidden_dim, device=mask.device)
        present = (mask.flatten(1) > 0).any(dim=1, keepdim=True)
        weight = present.float()
        obj_logits = MASK_OUT_SCALE * weight + MASK_OUT_BIAS
        if self.config.pred_obj_scores:
            if self.config.fixed_no_obj_ptr:
                obj_ptr = weight * obj_ptr
            obj_ptr = obj_ptr + (1 - weight) * self.no_obj_ptr
        return low, ious, low, high, obj_ptr, obj_logits

    _use_mask_as_output = use_mask_as_output

    def use_multimask(
        self, is_init_cond_frame: bool, point_inputs: dict[str, Tensor] | None
    ) -> bool:
        """Three candidate masks when the frame has between min and max clicks (0..1)."""
        cfg = self.config
        num_pts = 0 if point_inputs is None else point_inputs["point_labels"].shape[1]
        return (
            cfg.multimask_output_in_sam
            and (is_init_cond_frame or cfg.multimask_output_for_tracking)
            and cfg.multimask_min_pt_num <= num_pts <= cfg.multimask_max_pt_num
        )

    _use_multimask = use_multimask

    # ------------------------------------------------------------------ memory
    def prepare_memory_conditioned_features(
        self,
        frame_idx: int,
        is_init_cond_frame: bool,
        current_vision_feats: list[Tensor],
        current_vision_pos_embeds: list[Tensor],
        feat_sizes: list[tuple[int, int]],
        output_dict: dict[str, dict[int, Any]],
        num_frames: int | None,
        track_in_reverse: bool = False,
    ) -> Tensor:
        """Fuse the frame's top-level features [HW, B, C] with the memory bank -> [B, C, H, W].

        Initial conditioning frames only get `no_mem_embed` added. Other frames attend to the
        conditioning frames (t_pos 0), the last num_maskmem-1 frames in the direction of travel
        and the object pointers (see memory_selection)."""
        cfg = self.config
        feat = current_vision_feats[-1]
        b, c = feat.shape[1], self.hidden_dim
        h, w = feat_sizes[-1]
        if self.num_maskmem == 0:
            return feat.permute(1, 2, 0).reshape(b, c, h, w)
        if is_init_cond_frame and cfg.directly_add_no_mem_embed:
            return (feat + self.no_mem_embed).permute(1, 2, 0).reshape(b, c, h, w)

        num_ptr_tokens = 0
        memories: list[Tensor] = []
        memory_pos: list[Tensor] = []
        if is_init_cond_frame:
            memories.append(self.no_mem_embed.expand(1, b, self.mem_dim))
            memory_pos.append(self.no_mem_pos_enc.expand(1, b, self.mem_dim))
        else:
            if not output_dict["cond_frame_outputs"]:
                raise ValueError("a tracked frame needs at least one conditioning frame")
            frames, used_cond, unused_cond = select_memory_frames(
                frame_idx=frame_idx,
                output_dict=output_dict,
                num_maskmem=self.num_maskmem,
                max_cond_frames=cfg.max_cond_frames_in_attn,
                stride=1 if self.training else cfg.memory_temporal_stride_for_eval,
                reverse=track_in_reverse,
            )
            for t_pos, prev in frames:
                mem = prev["maskmem_features"].to(feat.device, non_blocking=True)
                # stored as bf16; attend in the features' dtype (as torch.cat promotes it)
                memories.append(mem.flatten(2).permute(2, 0, 1).to(feat.dtype))
                pos = prev["maskmem_pos_enc"][-1].to(feat.device).flatten(2).permute(2, 0, 1)
                memory_pos.append(pos + self.maskmem_tpos_enc[self.num_maskmem - t_pos - 1])
            if cfg.use_obj_ptrs_in_encoder:
                ptrs, ptr_pos = self._object_pointer_tokens(
                    frame_idx, output_dict, used_cond, unused_cond, num_frames, track_in_reverse, b
                )
                if ptrs is not None and ptr_pos is not None:
                    memories.append(ptrs.to(feat.dtype))
                    memory_pos.append(ptr_pos)
                    num_ptr_tokens = ptrs.shape[0]
        if not memories:
            raise ValueError(f"frame {frame_idx} has no memory to attend to")
        fused = self.memory_attention(
            curr=current_vision_feats,
            curr_pos=current_vision_pos_embeds,
            memory=torch.cat(memories, dim=0),
            memory_pos=torch.cat(memory_pos, dim=0),
            num_obj_ptr_tokens=num_ptr_tokens,
        )
        return fused.permute(1, 2, 0).reshape(b, c, h, w)

    _prepare_memory_conditioned_features = prepare_memory_conditioned_features

    def _object_pointer_tokens(
        self,
        frame_idx: int,
        output_dict: dict[str, dict[int, Any]],
        used_cond: dict[int, Any],
        unused_cond: dict[int, Any],
        num_frames: int | None,
        reverse: bool,
        batch: int,
    ) -> tuple[Tensor | None, Tensor | None]:
        """Object pointers as memory tokens [N * C/mem_dim, B, mem_dim] and their temporal
        position encodings (same shape), or (None, None) when there are none."""
        cfg = self.config
        max_ptrs = cfg.max_obj_ptrs_in_encoder
        if num_frames is not None:
            max_ptrs = min(num_frames, max_ptrs)
        picks = select_object_pointers(
            frame_idx=frame_idx,
            output_dict=output_dict,
            used_cond=used_cond,
            unused_cond=unused_cond,
            max_pointers=max_ptrs,
            num_frames=num_frames,
            only_past=cfg.only_obj_ptrs_in_the_past_for_eval and not self.training,
            signed=cfg.use_signed_tpos_enc_to_obj_ptrs,
            reverse=reverse,
        )
        if not picks:
            return None, None
        device = self.no_mem_embed.device
        ptrs = torch.stack([out["obj_ptr"].to(device) for _, out in picks], dim=0)  # [N, B, C]
        c = self.hidden_dim
        if cfg.add_tpos_enc_to_obj_ptrs:
            t_diff_max = max(max_ptrs - 1, 1)  # the reference divides by zero for 1-frame videos
            offsets = torch.tensor([t for t, _ in picks], device=device)
            tpos_dim = c if cfg.proj_tpos_enc_in_obj_ptrs else self.mem_dim
            pos = self.obj_ptr_tpos_proj(temporal_sine_encoding(offsets / t_diff_max, tpos_dim))
            pos = pos.unsqueeze(1).expand(-1, batch, self.mem_dim)
        else:
            pos = ptrs.new_zeros(len(picks), batch, self.mem_dim)
        if self.mem_dim < c:
            split = c // self.mem_dim
            ptrs = ptrs.reshape(-1, batch, split, self.mem_dim).permute(0, 2, 1, 3).flatten(0, 1)
            pos = pos.repeat_interleave(split, dim=0)
        return ptrs, pos

    def encode_new_memory(
        self,
        current_vision_feats: list[Tensor],
        feat_sizes: list[tuple[int, int]],
        pred_masks_high_res: Tensor,
        object_score_logits: Tensor,
        is_mask_from_pts: bool,
    ) -> tuple[Tensor, list[Tensor]]:
        """Memory of a frame from its top-level features and mask logits [B, 1, S, S]
        -> (features [B, mem_dim, h, w] in the compute dtype, [pos enc of the same shape]).

        Clicked frames encode the binarised mask (binarize_mask_from_pts_for_mem_enc); others
        sigmoid(logits); both then scaled and shifted. Absent objects get no_obj_embed_spatial."""
        cfg = self.config
        feat = current_vision_feats[-1]
        b, c = feat.shape[1], self.hidden_dim
        h, w = feat_sizes[-1]
        pix_feat = feat.permute(1, 2, 0).reshape(b, c, h, w)
        masks = pred_masks_high_res
        if cfg.non_overlap_masks_for_mem_enc and not self.training:
            masks = apply_non_overlapping_constraints(masks)
        if cfg.binarize_mask_from_pts_for_mem_enc and is_mask_from_pts and not self.training:
            mask_for_mem = (masks > 0).float()
        else:
            mask_for_mem = torch.sigmoid(masks)
        if cfg.sigmoid_scale_for_mem_enc != 1.0:
            mask_for_mem = mask_for_mem * cfg.sigmoid_scale_for_mem_enc
        if cfg.sigmoid_bias_for_mem_enc != 0.0:
            mask_for_mem = mask_for_mem + cfg.sigmoid_bias_for_mem_enc
        encoded = self.memory_encoder(pix_feat, mask_for_mem, skip_mask_sigmoid=True)
        features = encoded.vision_features
        if self.no_obj_embed_spatial is not None:
            absent = 1 - (object_score_logits > 0).float()  # [B, 1]
            features = (
                features + absent[..., None, None] * self.no_obj_embed_spatial[..., None, None]
            )
        return features, [encoded.vision_pos_enc]

    _encode_new_memory = encode_new_memory

    # ------------------------------------------------------------------ tracking
    def track_step(
        self,
        frame_idx: int,
        is_init_cond_frame: bool,
        current_vision_feats: list[Tensor],
        current_vision_pos_embeds: list[Tensor],
        feat_sizes: list[tuple[int, int]],
        point_inputs: dict[str, Tensor] | None,
        mask_inputs: Tensor | None,
        output_dict: dict[str, dict[int, Any]],
        num_frames: int | None,
        track_in_reverse: bool = False,
        run_mem_encoder: bool = True,
        prev_sam_mask_logits: Tensor | None = None,
        *,
        high_res_masks: bool = True,
    ) -> dict[str, Any]:
        """Segment one frame given its prompts and the memory bank in `output_dict`.

        Returns the reference's per-frame dict: "point_inputs", "mask_inputs", "pred_masks"
        [B, 1, S/4, S/4] logits, "pred_masks_high_res" [B, 1, S, S], "obj_ptr" [B, C],
        "object_score_logits" [B, 1], "maskmem_features" [B, mem_dim, S/16, S/16] in
        `memory_storage_dtype` (bf16, as the reference video predictor stores it) or None,
        "maskmem_pos_enc" [pos enc, float32] or None. A mask prompt is used as the output
        directly (use_mask_input_as_output_without_sam). Beyond the reference:
        ``high_res_masks=False`` (only without ``run_mem_encoder``) leaves
        "pred_masks_high_res" None, saving the S x S upsampling when only the low-res
        logits are wanted (a click's decode)."""
        if run_mem_encoder and not high_res_masks:
            raise ValueError("the memory encoder needs the high-res masks")
        current_out: dict[str, Any] = {"point_inputs": point_inputs, "mask_inputs": mask_inputs}
        high_res_features: list[Tensor] | None = None
        if len(current_vision_feats) > 1:
            high_res_features = [
                x.permute(1, 2, 0).reshape(x.shape[1], x.shape[2], *size)
                for x, size in zip(current_vision_feats[:-1], feat_sizes[:-1], strict=True)
            ]
        if mask_inputs is not None and self.config.use_mask_input_as_output_without_sam:
            top = current_vision_feats[-1].permute(1, 2, 0)
            pix_feat = top.reshape(-1, self.hidden_dim, *feat_sizes[-1])
            outputs = self.use_mask_as_output(pix_feat, high_res_features, mask_inputs)
        else:
            pix_feat = self.prepare_memory_conditioned_features(
                frame_idx=frame_idx,
                is_init_cond_frame=is_init_cond_frame,
                current_vision_feats=current_vision_feats[-1:],
                current_vision_pos_embeds=current_vision_pos_embeds[-1:],
                feat_sizes=feat_sizes[-1:],
                output_dict=output_dict,
                num_frames=num_frames,
                track_in_reverse=track_in_reverse,
            )
            if prev_sam_mask_logits is not None:
                if point_inputs is None or mask_inputs is not None:
                    raise ValueError("prev_sam_mask_logits goes with clicks and no mask prompt")
                mask_inputs = prev_sam_mask_logits
            outputs = self.forward_sam_heads(
                pix_feat,
                point_inputs=point_inputs,
                mask_inputs=mask_inputs,
                high_res_features=high_res_features,
                multimask_output=self.use_multimask(is_init_cond_frame, point_inputs),
                high_res_masks=high_res_masks,
            )
        _, _, low_res, high_res, obj_ptr, obj_logits = outputs
        current_out["pred_masks"] = low_res
        current_out["pred_masks_high_res"] = high_res
        current_out["obj_ptr"] = obj_ptr
        current_out["object_score_logits"] = obj_logits
        if run_mem_encoder and self.num_maskmem > 0:
            assert high_res is not None
            features, pos = self.encode_new_memory(
                current_vision_feats, feat_sizes, high_res, obj_logits, point_inputs is not None
            )
            current_out["maskmem_features"] = features.to(self.memory_storage_dtype)
            current_out["maskmem_pos_enc"] = pos
        else:
            current_out["maskmem_features"] = None
            current_out["maskmem_pos_enc"] = None
        return current_out


def apply_non_overlapping_constraints(pred_masks: Tensor) -> Tensor:
    """Keep each pixel only for the highest-scoring object of the batch [B, 1, H, W]; others
    are clamped to at most -10 logits."""
    if pred_masks.shape[0] == 1:
        return pred_masks
    winner = pred_masks.argmax(dim=0, keepdim=True)
    index = torch.arange(pred_masks.shape[0], device=pred_masks.device)[:, None, None, None]
    return torch.where(winner == index, pred_masks, pred_masks.clamp(max=-10.0))
