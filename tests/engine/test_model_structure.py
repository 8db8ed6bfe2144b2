"""SAM2Model structure (checkpoint keys of all eight models) and the tracking paths the image
goldens do not cover: mask prompts used as output, memory conditioning, absent objects."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from annotator.engine.image_predictor import ImagePredictor
from annotator.engine.sam2.common import LayerNorm2d
from annotator.engine.sam2.config import MODEL_CONFIGS, get_config
from annotator.engine.sam2.mask_decoder import blocks_to_image, upscale_with_skips
from annotator.engine.sam2.model import NO_OBJ_SCORE, SAM2Model
from annotator.engine.sam2.transformer import attend_to_few_keys

from .conftest import load_seeded_model

SMALL = 256  # input size for the tracking tests: 16x16 top-level features, fast on a CPU


@pytest.mark.parametrize("name", sorted(MODEL_CONFIGS))
def test_state_dict_matches_the_official_manifest(parity_dir: Path, name: str) -> None:
    manifest = json.loads((parity_dir / "manifests" / f"{name}.json").read_text())["tensors"]
    model = SAM2Model(get_config(name))
    ours = {key: list(t.shape) for key, t in model.state_dict().items()}
    assert sorted(set(manifest) - set(ours)) == []
    assert sorted(set(ours) - set(manifest)) == []
    assert ours == manifest


def test_versions_differ_exactly_in_the_sam21_tensors() -> None:
    extra = set(SAM2Model(get_config("sam2.1_hiera_tiny")).state_dict()) - set(
        SAM2Model(get_config("sam2_hiera_tiny")).state_dict()
    )
    assert extra == {"no_obj_embed_spatial", "obj_ptr_tpos_proj.weight", "obj_ptr_tpos_proj.bias"}


def test_unknown_model_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="sam2.1_hiera_tiny"):
        get_config("sam3_hiera_huge")


def test_seeded_checkpoint_loads_strictly(
    tiny21_model: SAM2Model, seeded_checkpoint: Callable[..., Path]
) -> None:
    sd = torch.load(seeded_checkpoint("sam2.1_hiera_tiny"), weights_only=True)["model"]
    ours = tiny21_model.state_dict()
    assert all(torch.equal(ours[k], v) for k, v in sd.items())


def test_set_imgsz_rejects_sizes_the_encoder_cannot_take() -> None:
    model = SAM2Model(get_config("sam2.1_hiera_tiny"))
    for bad in (1000, 0, (512, 256)):
        with pytest.raises(ValueError):
            model.set_imgsz(bad)
    model.set_imgsz((512, 512))
    assert model.image_size == 512
    assert model.sam_prompt_encoder.mask_input_size == (128, 128)


# --------------------------------------------------------------------------- tracking
@pytest.fixture(scope="module")
def small_model(seeded_checkpoint: Callable[..., Path]) -> SAM2Model:
    model = load_seeded_model(seeded_checkpoint("sam2.1_hiera_tiny"), "sam2.1_hiera_tiny")
    model.set_imgsz(SMALL)
    return model


@pytest.fixture(scope="module")
def absent_model(seeded_checkpoint: Callable[..., Path]) -> SAM2Model:
    path = seeded_checkpoint("sam2.1_hiera_tiny", object_bias=-3.0)
    model = load_seeded_model(path, "sam2.1_hiera_tiny")
    model.set_imgsz(SMALL)
    return model


def _frames(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, size=(SMALL, SMALL, 3), dtype=np.uint8) for _ in range(count)]


def _features(model: SAM2Model, image: np.ndarray) -> tuple[list[Any], list[Any], list[Any]]:
    from annotator.engine.preprocess import preprocess_image

    with torch.inference_mode():
        out = model.forward_image(preprocess_image(image, size=model.image_size))
        _, feats, pos, sizes = model.prepare_backbone_features(out)
    return feats, pos, sizes


def _click(x: float, y: float, label: int = 1) -> dict[str, torch.Tensor]:
    return {
        "point_coords": torch.tensor([[[x, y]]], dtype=torch.float32),
        "point_labels": torch.tensor([[label]], dtype=torch.int32),
    }


def _step(model: SAM2Model, frame: int, feats: tuple, output_dict: dict, **kw: Any) -> dict:
    vision, pos, sizes = feats
    args: dict[str, Any] = {
        "point_inputs": None,
        "mask_inputs": None,
        "num_frames": 4,
        "is_init_cond_frame": False,
    }
    args.update(kw)
    with torch.inference_mode():
        return model.track_step(
            frame_idx=frame,
            current_vision_feats=vision,
            current_vision_pos_embeds=pos,
            feat_sizes=sizes,
            output_dict=output_dict,
            **args,
        )


def test_mask_prompt_is_used_as_the_output_and_tracked(small_model: SAM2Model) -> None:
    frames = _frames(2)
    feats = [_features(small_model, f) for f in frames]
    mask = torch.zeros(1, 1, SMALL, SMALL)
    mask[..., 64:192, 96:160] = 1.0
    out0 = _step(
        small_model,
        0,
        feats[0],
        {"cond_frame_outputs": {}, "non_cond_frame_outputs": {}},
        mask_inputs=mask,
        is_init_cond_frame=True,
    )
    high = out0["pred_masks_high_res"]
    assert high.shape == (1, 1, SMALL, SMALL)
    assert torch.equal(high > 0, mask > 0)  # +10 inside, -10 outside
    assert set(high.unique().tolist()) == {-10.0, 10.0}
    assert out0["pred_masks"].shape == (1, 1, SMALL // 4, SMALL // 4)
    assert out0["obj_ptr"].shape == (1, 256)
    assert out0["object_score_logits"].item() == 10.0
    mem = out0["maskmem_features"]
    assert mem.dtype == torch.bfloat16 and mem.shape == (1, 64, SMALL // 16, SMALL // 16)
    assert out0["maskmem_pos_enc"][0].shape == (1, 64, SMALL // 16, SMALL // 16)

    # the next frame is conditioned on that memory: changing the memory changes the output
    bank = {"cond_frame_outputs": {0: out0}, "non_cond_frame_outputs": {}}
    out1 = _step(small_model, 1, feats[1], bank)
    assert out1["pred_masks"].shape == (1, 1, SMALL // 4, SMALL // 4)
    altered = dict(out0, maskmem_features=torch.zeros_like(mem))
    out1b = _step(
        small_model, 1, feats[1], {"cond_frame_outputs": {0: altered}, "non_cond_frame_outputs": {}}
    )
    assert not torch.allclose(out1["pred_masks"], out1b["pred_masks"])


def test_empty_mask_prompt_means_object_absent(small_model: SAM2Model) -> None:
    feats = _features(small_model, _frames(1)[0])
    empty = torch.zeros(1, 1, SMALL, SMALL)
    out = _step(
        small_model,
        0,
        feats,
        {"cond_frame_outputs": {}, "non_cond_frame_outputs": {}},
        mask_inputs=empty,
        is_init_cond_frame=True,
    )
    assert out["object_score_logits"].item() == -10.0
    torch.testing.assert_close(out["obj_ptr"], small_model.no_obj_ptr)


def test_absent_object_gets_no_object_score_pointer_and_memory(absent_model: SAM2Model) -> None:
    model = absent_model
    feats = _features(model, _frames(1)[0])
    out = _step(
        model,
        0,
        feats,
        {"cond_frame_outputs": {}, "non_cond_frame_outputs": {}},
        point_inputs=_click(100.0, 80.0),
        is_init_cond_frame=True,
    )
    assert out["object_score_logits"].item() < 0
    assert torch.all(out["pred_masks"] == NO_OBJ_SCORE)
    assert torch.all(out["pred_masks_high_res"] == NO_OBJ_SCORE)
    # fixed_no_obj_ptr: the pointer is exactly the learned no-object pointer
    torch.testing.assert_close(out["obj_ptr"], model.no_obj_ptr)
    # the memory of an absent object carries no_obj_embed_spatial on every pixel
    vision, _, sizes = feats
    with torch.inference_mode():
        args = (vision, sizes, out["pred_masks_high_res"])
        absent, _ = model.encode_new_memory(*args, torch.tensor([[-1.0]]), True)
        present, _ = model.encode_new_memory(*args, torch.tensor([[1.0]]), True)
    assert model.no_obj_embed_spatial is not None
    expected = model.no_obj_embed_spatial[0][None, :, None, None].expand_as(absent)
    torch.testing.assert_close(absent - present, expected, atol=1e-5, rtol=0)


def test_first_click_on_a_frame_gives_the_image_predictors_best_mask(
    small_model: SAM2Model,
) -> None:
    image = _frames(1)[0]
    predictor = ImagePredictor(small_model)
    predictor.set_image(image)
    pred = predictor.predict(points=[[120.0, 90.0]], labels=[1], multimask=True)
    feats = _features(small_model, image)
    out = _step(
        small_model,
        0,
        feats,
        {"cond_frame_outputs": {}, "non_cond_frame_outputs": {}},
        point_inputs=_click(120.0, 90.0),
        is_init_cond_frame=True,
    )
    best = pred.best()
    np.testing.assert_allclose(
        out["pred_masks"][0, 0].numpy().clip(-32, 32), pred.low_res_logits[best], atol=1e-4
    )


def test_memory_attention_reads_recent_frames_in_the_direction_of_travel(
    small_model: SAM2Model,
) -> None:
    """A non-conditioning memory one frame ahead is ignored going forward, read in reverse."""
    frames = _frames(3)
    feats = [_features(small_model, f) for f in frames]
    cond = _step(
        small_model,
        0,
        feats[0],
        {"cond_frame_outputs": {}, "non_cond_frame_outputs": {}},
        point_inputs=_click(100.0, 100.0),
        is_init_cond_frame=True,
    )
    bank = {"cond_frame_outputs": {0: cond}, "non_cond_frame_outputs": {}}
    base = _step(small_model, 1, feats[1], bank)["pred_masks"]
    other = _step(small_model, 2, feats[2], bank)
    ahead = {"cond_frame_outputs": {0: cond}, "non_cond_frame_outputs": {2: other}}
    torch.testing.assert_close(_step(small_model, 1, feats[1], ahead)["pred_masks"], base)
    # in reverse the frame behind is frame 2: now it is read
    rev_with = _step(small_model, 1, feats[1], ahead, track_in_reverse=True)["pred_masks"]
    rev_without = _step(small_model, 1, feats[1], bank, track_in_reverse=True)["pred_masks"]
    assert not torch.allclose(rev_with, rev_without)


def test_cached_position_embedding_follows_loaded_weights() -> None:
    model = SAM2Model(get_config("sam2.1_hiera_tiny"))
    trunk = model.image_encoder.trunk
    with torch.no_grad():
        before = trunk.position_embedding(16, 16).clone()
        assert torch.equal(trunk.position_embedding(16, 16), before)
        sd = model.state_dict()
        sd["image_encoder.trunk.pos_embed"] = sd["image_encoder.trunk.pos_embed"] + 1.0
        model.load_state_dict(sd)
        torch.testing.assert_close(trunk.position_embedding(16, 16), before + 1.0)


def test_channels_last_upscaling_equals_the_convolution_layers() -> None:
    """The decoder's upscaling (deconv, skip add, LayerNorm2d, GELU, deconv, skip add, GELU)
    done channels last in block order gives the channel-first layers' result."""
    torch.manual_seed(0)
    c, b, h, w = 32, 2, 5, 7
    layers = torch.nn.Sequential(
        torch.nn.ConvTranspose2d(c, c // 4, 2, 2),
        LayerNorm2d(c // 4),
        torch.nn.GELU(),
        torch.nn.ConvTranspose2d(c // 4, c // 8, 2, 2),
        torch.nn.GELU(),
    )
    tokens = torch.randn(b, h * w, c)
    s1, s0 = torch.randn(b, c // 4, 2 * h, 2 * w), torch.randn(b, c // 8, 4 * h, 4 * w)
    with torch.no_grad():
        for param in layers.parameters():
            param.normal_()
        x = layers[0](tokens.transpose(1, 2).reshape(b, c, h, w)) + s1
        expected = layers[4](layers[3](layers[2](layers[1](x))) + s0)
        flat = upscale_with_skips(tokens, (h, w), layers, s1, s0)  # [B, 16hw, C/8]
        got = blocks_to_image(flat.transpose(1, 2), (h, w))
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-5)


def test_cached_dense_prompt_encoding_follows_loaded_weights() -> None:
    model = SAM2Model(get_config("sam2.1_hiera_tiny"))
    encoder = model.sam_prompt_encoder
    with torch.no_grad():
        before = encoder.get_dense_pe().clone()
        sd = model.state_dict()
        key = "sam_prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"
        sd[key] = sd[key] * 2
        model.load_state_dict(sd)
        after = encoder.get_dense_pe()
    assert after.shape == (1, 256, 64, 64)
    assert not torch.allclose(after, before)
    with torch.enable_grad():
        torch.testing.assert_close(encoder.get_dense_pe(), after)


def test_attention_to_few_keys_equals_the_fused_kernel() -> None:
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 8, 300, 16), torch.randn(2, 8, 7, 16), torch.randn(2, 8, 7, 16)
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(attend_to_few_keys(q, k, v), expected, atol=1e-5, rtol=1e-5)
