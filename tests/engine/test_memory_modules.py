"""Memory attention and memory encoder: checkpoint layout and the maths they must get right."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from annotator.engine.sam2.common import attend
from annotator.engine.sam2.config import MODEL_CONFIGS
from annotator.engine.sam2.memory_attention import (
    MemoryAttention,
    RoPEAttention,
    axial_rope_angles,
    rotate_pairs,
)
from annotator.engine.sam2.memory_encoder import MemoryEncoder, SinePositionEncoding2d


def _manifest_subset(shared_dir: Path, model: str, prefix: str) -> dict[str, list[int]]:
    tensors = json.loads((shared_dir / "parity" / "manifests" / f"{model}.json").read_text())
    return {k[len(prefix) :]: v for k, v in tensors["tensors"].items() if k.startswith(prefix)}


@pytest.mark.parametrize("model", sorted(MODEL_CONFIGS))
def test_state_dict_matches_manifest(shared_dir: Path, model: str) -> None:
    cfg = MODEL_CONFIGS[model]
    for module, prefix in (
        (MemoryAttention.from_config(cfg.memory_attention), "memory_attention."),
        (MemoryEncoder.from_config(cfg.memory_encoder), "memory_encoder."),
    ):
        ours = {k: list(v.shape) for k, v in module.state_dict().items()}
        assert ours == _manifest_subset(shared_dir, model, prefix)


def _rotate_by_angles(x: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Pairs (x0, x1) rotated by angles (N, D/2) with plain cos/sin products."""
    even, odd = x[..., 0::2], x[..., 1::2]
    cos, sin = angles.cos(), angles.sin()
    return torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1).flatten(-2)


def test_rope_equals_rotation_by_angles() -> None:
    """Pairs (x0, x1) rotate as the complex number x0 + i·x1 times e^{i·angle}, the
    rotations repeating over the keys of several memory frames."""
    angles = axial_rope_angles(16, 4, 4)
    assert angles.shape == (16, 8)
    # token 5 sits in column 1, row 1 of a 4-wide grid: x and y halves rotate by the same freqs
    assert torch.allclose(angles[5, :4], angles[5, 4:])
    assert torch.equal(angles[4, :4], torch.zeros(4))  # column 0
    rotations = torch.polar(torch.ones_like(angles), angles)
    x = torch.randn(2, 1, 3 * 16, 16)
    got = rotate_pairs(x, rotations)
    assert torch.allclose(got, _rotate_by_angles(x, angles.repeat(3, 1)), atol=1e-6)
    half = rotate_pairs(x.bfloat16(), rotations)
    assert half.dtype == torch.bfloat16 and torch.allclose(half.float(), got, atol=0.05)


def test_rope_cross_attention_leaves_pointer_tokens_unrotated() -> None:
    """Excluded trailing keys must act as if never rotated: equal to a manual computation."""
    torch.manual_seed(0)
    attn = RoPEAttention(embedding_dim=8, kv_in_dim=4, rope_k_repeat=True, feat_sizes=(2, 2))
    q = torch.randn(1, 4, 8)
    k = torch.randn(1, 2 * 4 + 3, 4)
    out = attn(q, k, k, num_k_exclude_rope=3)
    angles = axial_rope_angles(8, 2, 2)
    qp, kp, vp = attn.q_proj(q), attn.k_proj(k), attn.v_proj(k)
    qr = _rotate_by_angles(qp, angles)
    kr = torch.cat([_rotate_by_angles(kp[:, :8], angles.repeat(2, 1)), kp[:, 8:]], 1)
    weights = torch.softmax(qr @ kr.transpose(1, 2) / math.sqrt(8), dim=-1)
    assert torch.allclose(out, attn.out_proj(weights @ vp), atol=1e-5)


def test_memory_attention_shapes_and_pointer_count_matters() -> None:
    torch.manual_seed(0)
    cfg = MODEL_CONFIGS["sam2.1_hiera_tiny"].memory_attention
    attn = MemoryAttention.from_config(cfg).eval()
    hw = 16 * 16  # a 256-px model: 16x16 tokens
    curr, curr_pos = torch.randn(hw, 2, 256), torch.randn(hw, 2, 256)
    memory = torch.randn(2 * hw + 4, 2, 64).to(torch.bfloat16)  # stored memories are bf16
    memory_pos = torch.randn(2 * hw + 4, 2, 64)
    with torch.no_grad():
        out = attn([curr], memory, [curr_pos], memory_pos, num_obj_ptr_tokens=4)
        out_all_rope = attn(curr, memory[: 2 * hw], curr_pos, memory_pos[: 2 * hw])
    assert out.shape == (hw, 2, 256) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    assert not torch.allclose(out, out_all_rope)
    with pytest.raises(ValueError):
        attn(curr, memory[:, :1], curr_pos, memory_pos[:, :1])


def test_memory_encoder_shapes_and_sigmoid_switch() -> None:
    torch.manual_seed(0)
    enc = MemoryEncoder.from_config(MODEL_CONFIGS["sam2_hiera_tiny"].memory_encoder).eval()
    pix = torch.randn(1, 256, 16, 16)
    logits = torch.randn(1, 1, 256, 256)
    with torch.no_grad():
        a = enc(pix, logits)
        b = enc(pix, torch.sigmoid(logits), skip_mask_sigmoid=True)
    assert a.vision_features.shape == (1, 64, 16, 16) == a.vision_pos_enc.shape
    assert torch.allclose(a.vision_features, b.vision_features, atol=1e-6)


def test_sine_position_encoding_layout() -> None:
    pe = SinePositionEncoding2d(num_pos_feats=8)(torch.zeros(3, 1, 4, 5))
    assert pe.shape == (3, 8, 4, 5)
    # channels 0..3 vary with the row only, 4..7 with the column only
    assert torch.equal(pe[0, :4, :, 0:1].expand(4, 4, 5), pe[0, :4])
    assert torch.equal(pe[0, 4:, 0:1, :].expand(4, 4, 5), pe[0, 4:])
    # last column is at 2*pi (normalised), channel 4 is sin of it
    assert pe[0, 4, 0, -1].item() == pytest.approx(math.sin(2 * math.pi * 5 / (5 + 1e-6)), abs=1e-5)


def test_reduced_precision_attention_is_close_to_exact() -> None:
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 1, 64, 32), torch.randn(1, 1, 300, 32), torch.randn(1, 1, 300, 32)
    exact = attend(q, k, v)
    assert torch.equal(exact, torch.nn.functional.scaled_dot_product_attention(q, k, v))
    fast = attend(q.bfloat16(), k.bfloat16(), v.bfloat16(), query_chunk=16)
    assert fast.dtype == torch.bfloat16 and fast.shape == exact.shape
    assert torch.allclose(fast.float(), exact, atol=0.03)


def test_memory_values_projected_after_mixing_match_the_exact_attention() -> None:
    """Fast mode mixes the 64-channel memory values first and projects after: the same
    attention in exact arithmetic, and close to float32 under bfloat16 autocast."""
    torch.manual_seed(0)
    attn = RoPEAttention(kv_in_dim=16, embedding_dim=32, rope_k_repeat=True, feat_sizes=(4, 4))
    q, k = torch.randn(1, 1, 16, 32, dtype=torch.float64), torch.randn(1, 1, 36, 32).double()
    memory = torch.randn(1, 36, 16, dtype=torch.float64)
    with torch.inference_mode():
        values = memory @ attn.v_proj.weight.double().T + attn.v_proj.bias.double()
        direct = attend(q, k, values.unsqueeze(1))
        folded = attn._attend_raw_values(q, k, memory)
        torch.testing.assert_close(folded, direct, atol=1e-10, rtol=1e-10)

        tokens, mem = torch.randn(1, 16, 32), torch.randn(1, 2 * 16 + 4, 16)
        exact = attn(tokens, mem, mem, num_k_exclude_rope=4)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fast = attn(tokens, mem, mem, num_k_exclude_rope=4)
    assert fast.dtype == torch.bfloat16
    torch.testing.assert_close(fast.float(), exact, atol=0.05, rtol=0.05)
