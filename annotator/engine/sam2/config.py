"""Typed, frozen settings of the eight released SAM2 / SAM2.1 models.

`MODEL_CONFIGS` is keyed by the checkpoint names (``sam2_hiera_tiny``, ``sam2.1_hiera_large``…),
which are also the names of the key manifests in ``shared/parity/manifests``. The values mirror
what Meta's released YAML files plus ``build_sam2`` / ``build_sam2_video_predictor`` set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SAM2_VERSIONS = ("2.0", "2.1")
MODEL_SIZES = ("tiny", "small", "base_plus", "large")


@dataclass(frozen=True)
class HieraConfig:
    """Hiera trunk: patch embedding, four stages of multi-scale blocks with query pooling."""

    embed_dim: int
    num_heads: int
    stages: tuple[int, ...]
    global_att_blocks: tuple[int, ...]
    window_spec: tuple[int, ...]
    window_pos_embed_bkg_spatial_size: tuple[int, int]
    q_pool: int = 3
    q_stride: tuple[int, int] = (2, 2)
    dim_mul: float = 2.0
    head_mul: float = 2.0
    mlp_ratio: float = 4.0

    @property
    def depth(self) -> int:
        """Total number of blocks."""
        return sum(self.stages)

    @property
    def stage_dims(self) -> tuple[int, ...]:
        """Channel count of each stage's output, highest resolution first."""
        return tuple(int(self.embed_dim * self.dim_mul**i) for i in range(len(self.stages)))


@dataclass(frozen=True)
class NeckConfig:
    """FPN neck: 1x1 lateral convs to `d_model`, nearest top-down fusion on some levels."""

    backbone_channel_list: tuple[int, ...]  # lowest resolution first (as in the checkpoints)
    d_model: int = 256
    fpn_top_down_levels: tuple[int, ...] = (2, 3)
    fpn_interp_mode: str = "nearest"
    scalp: int = 1  # number of lowest-resolution levels discarded after the neck


@dataclass(frozen=True)
class MemoryAttentionConfig:
    """Memory attention: RoPE self-attention then RoPE cross-attention to the memory bank."""

    d_model: int = 256
    num_layers: int = 4
    dim_feedforward: int = 2048
    num_heads: int = 1
    kv_in_dim: int = 64
    rope_theta: float = 10000.0
    rope_feat_sizes: tuple[int, int] = (64, 64)
    rope_k_repeat_cross: bool = True
    dropout: float = 0.1
    activation: str = "relu"
    pos_enc_at_input: bool = True
    pos_enc_at_attn: bool = False
    pos_enc_at_cross_attn_keys: bool = True
    pos_enc_at_cross_attn_queries: bool = False


@dataclass(frozen=True)
class MemoryEncoderConfig:
    """Memory encoder: mask downsampler, pixel-feature projection, CX-block fuser, out proj."""

    in_dim: int = 256
    out_dim: int = 64
    downsampler_kernel_size: int = 3
    downsampler_stride: int = 2
    downsampler_padding: int = 1
    downsampler_total_stride: int = 16
    fuser_num_layers: int = 2
    fuser_kernel_size: int = 7
    fuser_padding: int = 3
    fuser_layer_scale_init_value: float = 1e-6
    fuser_use_dwconv: bool = True


@dataclass(frozen=True)
class ModelConfig:
    """Everything `SAM2Model` needs to build the modules and run `track_step` like the reference."""

    name: str
    version: str  # "2.0" or "2.1"
    size: str  # tiny | small | base_plus | large
    trunk: HieraConfig
    neck: NeckConfig
    memory_attention: MemoryAttentionConfig = field(default_factory=MemoryAttentionConfig)
    memory_encoder: MemoryEncoderConfig = field(default_factory=MemoryEncoderConfig)

    image_size: int = 1024
    backbone_stride: int = 16
    num_maskmem: int = 7
    # sigmoid(scale * logits + bias) is what the memory encoder sees of a mask
    sigmoid_scale_for_mem_enc: float = 20.0
    sigmoid_bias_for_mem_enc: float = -10.0
    # video-predictor setting (build_sam2_video_predictor): clicked frames encode a binary mask
    binarize_mask_from_pts_for_mem_enc: bool = True
    # video-predictor setting: holes of area <= this in low-res masks become logit 0.1
    fill_hole_area: int = 8
    use_mask_input_as_output_without_sam: bool = True
    max_cond_frames_in_attn: int = -1
    directly_add_no_mem_embed: bool = True
    use_high_res_features_in_sam: bool = True
    multimask_output_in_sam: bool = True
    multimask_min_pt_num: int = 0
    multimask_max_pt_num: int = 1
    multimask_output_for_tracking: bool = True
    use_multimask_token_for_obj_ptr: bool = True
    iou_prediction_use_sigmoid: bool = True
    memory_temporal_stride_for_eval: int = 1
    non_overlap_masks_for_mem_enc: bool = False
    use_obj_ptrs_in_encoder: bool = True
    max_obj_ptrs_in_encoder: int = 16
    add_tpos_enc_to_obj_ptrs: bool = False
    proj_tpos_enc_in_obj_ptrs: bool = False
    use_signed_tpos_enc_to_obj_ptrs: bool = False
    only_obj_ptrs_in_the_past_for_eval: bool = True
    pred_obj_scores: bool = True
    pred_obj_scores_mlp: bool = True
    fixed_no_obj_ptr: bool = True
    soft_no_obj_ptr: bool = False
    use_mlp_for_obj_ptr_proj: bool = True
    no_obj_embed_spatial: bool = False
    # mask decoder post-processing that build_sam2 switches on for both predictors
    dynamic_multimask_via_stability: bool = True
    dynamic_multimask_stability_delta: float = 0.05
    dynamic_multimask_stability_thresh: float = 0.98

    @property
    def hidden_dim(self) -> int:
        """Width of the prompt/mask decoder tokens and of the memory-attention stream."""
        return self.neck.d_model

    @property
    def mem_dim(self) -> int:
        """Channel count of stored memories (the memory encoder's output)."""
        return self.memory_encoder.out_dim

    @property
    def image_embedding_size(self) -> int:
        """Side of the lowest-resolution feature map the decoder uses (64 for 1024 px)."""
        return self.image_size // self.backbone_stride


_TRUNKS: dict[str, HieraConfig] = {
    "tiny": HieraConfig(
        embed_dim=96,
        num_heads=1,
        stages=(1, 2, 7, 2),
        global_att_blocks=(5, 7, 9),
        window_spec=(8, 4, 14, 7),
        window_pos_embed_bkg_spatial_size=(7, 7),
    ),
    "small": HieraConfig(
        embed_dim=96,
        num_heads=1,
        stages=(1, 2, 11, 2),
        global_att_blocks=(7, 10, 13),
        window_spec=(8, 4, 14, 7),
        window_pos_embed_bkg_spatial_size=(7, 7),
    ),
    "base_plus": HieraConfig(
        embed_dim=112,
        num_heads=2,
        stages=(2, 3, 16, 3),
        global_att_blocks=(12, 16, 20),
        window_spec=(8, 4, 14, 7),
        window_pos_embed_bkg_spatial_size=(14, 14),
    ),
    "large": HieraConfig(
        embed_dim=144,
        num_heads=2,
        stages=(2, 6, 36, 4),
        global_att_blocks=(23, 33, 43),
        window_spec=(8, 4, 16, 8),
        window_pos_embed_bkg_spatial_size=(7, 7),
    ),
}


def _make(version: str, size: str) -> ModelConfig:
    trunk = _TRUNKS[size]
    prefix = "sam2" if version == "2.0" else "sam2.1"
    is_21 = version == "2.1"
    return ModelConfig(
        name=f"{prefix}_hiera_{size}",
        version=version,
        size=size,
        trunk=trunk,
        neck=NeckConfig(backbone_channel_list=tuple(reversed(trunk.stage_dims))),
        add_tpos_enc_to_obj_ptrs=is_21,
        proj_tpos_enc_in_obj_ptrs=is_21,
        use_signed_tpos_enc_to_obj_ptrs=is_21,
        no_obj_embed_spatial=is_21,
    )


MODEL_CONFIGS: dict[str, ModelConfig] = {
    cfg.name: cfg for cfg in (_make(v, s) for v in SAM2_VERSIONS for s in MODEL_SIZES)
}


def get_config(name: str) -> ModelConfig:
    """Config of a released model by its checkpoint name; KeyError lists the known names."""
    try:
        return MODEL_CONFIGS[name]
    except KeyError:
        known = ", ".join(MODEL_CONFIGS)
        raise KeyError(f"unknown SAM2 model {name!r}; known models: {known}") from None
