"""Fast mode: per-machine kernel choice (measured once, cached), precision defaults, the CUDA
dtype choice, and fast-mode masks against float32 for 1 and 3 objects (small models)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from annotator.engine import fast_mode
from annotator.engine.allocator import keep_freed_memory
from annotator.engine.fast_mode import (
    bf16_supported,
    compute_precision,
    default_precision,
    precision_for,
    reduced_dtype,
)
from annotator.engine.kernel_choice import (
    cache_path,
    choose,
    cpu_bf16_features,
    forget_in_process_choice,
    kernel_choice,
    machine_key,
    measure_attention,
)
from annotator.engine.sam2.common import (
    ACTIVATIONS,
    ATTENTION_SITES,
    CHUNKED,
    FUSED,
    Linear,
    attend,
    linear,
    reduced_precision_kernels,
    uses_fused_kernel,
)
from annotator.engine.sam2.model import SAM2Model
from annotator.engine.video_session import VideoSession
from tests.engine.video_helpers import read_frames, seeded_model

CPU = torch.device("cpu")
needs_bf16 = pytest.mark.skipif(not bf16_supported(CPU), reason="this CPU has no native bf16")
PROMPTS = [  # (obj, clicks or box) on frame 0 of the bedroom clip (960 x 540)
    (1, ([[400, 220]], [1])),
    (2, [170, 130, 290, 400]),
    (3, ([[600, 350]], [1])),
]


class CountedMeasure:
    """The real measurement (one repeat, to stay quick), counting how often it runs."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, dict[str, float]]:
        self.calls += 1
        return measure_attention(repeats=1)


@pytest.fixture
def fresh_choice() -> CountedMeasure:
    forget_in_process_choice()
    cache_path().unlink(missing_ok=True)  # an earlier fast-mode test may have measured
    yield CountedMeasure()
    forget_in_process_choice()


@needs_bf16
def test_kernels_are_measured_once_per_machine_then_read_from_the_cache(fresh_choice) -> None:
    first = kernel_choice(CPU, measure=fresh_choice)
    assert set(first) == set(ATTENTION_SITES) and set(first.values()) <= {FUSED, CHUNKED}
    stored = json.loads(cache_path().read_text())[machine_key(CPU)]
    assert stored["kernels"] == first
    assert set(stored["seconds"]["memory_cross"]) == {FUSED, CHUNKED}

    forget_in_process_choice()  # as a new process would start
    assert kernel_choice(CPU, measure=fresh_choice) == first
    assert fresh_choice.calls == 1


@needs_bf16
def test_a_damaged_cache_file_is_measured_again_and_rewritten(fresh_choice) -> None:
    path = cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"cpu": {"kernels": {"encoder": "warp drive"')
    choice = kernel_choice(CPU, measure=fresh_choice)
    assert fresh_choice.calls == 1
    assert json.loads(path.read_text())[machine_key(CPU)]["kernels"] == choice


def test_the_faster_kernel_is_chosen_at_each_site() -> None:
    timings = {
        "encoder": {FUSED: 0.010, CHUNKED: 0.012},
        "memory_self": {FUSED: 0.030, CHUNKED: 0.020},
        "memory_cross": {FUSED: 0.050, CHUNKED: 0.030},
    }
    assert choose(timings) == {"encoder": FUSED, "memory_self": CHUNKED, "memory_cross": CHUNKED}


def test_gpus_always_use_the_fused_kernel() -> None:
    assert kernel_choice(torch.device("cuda")) == dict.fromkeys(ATTENTION_SITES, FUSED)


def test_the_choice_routes_bf16_attention_and_never_float32() -> None:
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 1, 64, 32, generator=gen) for _ in range(3))
    assert uses_fused_kernel(q, "memory_cross")  # exact mode: the reference's kernel
    qb = q.bfloat16()
    assert not uses_fused_kernel(qb, "memory_cross")  # no choice in force: chunked
    with reduced_precision_kernels({"memory_cross": FUSED, "memory_self": CHUNKED}):
        assert uses_fused_kernel(qb, "memory_cross")
        assert not uses_fused_kernel(qb, "memory_self")
        assert uses_fused_kernel(q, "memory_self")
        fused = attend(qb, k.bfloat16(), v.bfloat16(), site="memory_cross").float()
    chunked = attend(qb, k.bfloat16(), v.bfloat16(), site="memory_cross").float()
    exact = attend(q, k, v)
    assert torch.allclose(fused, exact, atol=0.05) and torch.allclose(chunked, exact, atol=0.05)


def test_exact_mode_runs_without_autocast() -> None:
    with compute_precision(CPU, fast=False):
        assert not torch.is_autocast_enabled("cpu")
        assert torch.is_inference_mode_enabled()


@needs_bf16
def test_fast_mode_autocasts_to_bf16_on_this_cpu() -> None:
    with compute_precision(CPU, fast=True):
        assert torch.is_autocast_enabled("cpu")
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16


@pytest.mark.parametrize("activation", ["none", "relu", "gelu"])
def test_fast_linear_is_the_plain_layer_in_float32_and_close_to_it_in_bf16(
    activation: str,
) -> None:
    """`linear` (one fused oneDNN call in fast mode) returns exactly layer + activation in
    float32, and within bf16 rounding of it under CPU bf16 autocast."""
    gen = torch.Generator().manual_seed(0)
    layer = Linear(48, 80)
    x = torch.randn(2, 7, 48, generator=gen)
    plain = ACTIVATIONS[activation](torch.nn.functional.linear(x, layer.weight, layer.bias))
    with torch.inference_mode():
        assert torch.equal(linear(layer, x, activation), plain)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fast = linear(layer, x, activation)
            again = layer(x) if activation == "none" else linear(layer, x, activation)
    assert fast.dtype == torch.bfloat16 and fast.shape == plain.shape
    assert torch.allclose(fast.float(), plain, atol=0.05, rtol=0.02)
    assert torch.equal(again, fast)  # the cached bf16 weights are reused, not drifting
    with torch.no_grad():
        layer.weight.mul_(2.0)  # a reload invalidates the cached copy
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        doubled = linear(layer, x, "none").float()
    expected = torch.nn.functional.linear(x, layer.weight, layer.bias)
    assert torch.allclose(doubled, expected, atol=0.1, rtol=0.02)


def test_freed_memory_is_kept_once_per_process_where_glibc_allows() -> None:
    first = keep_freed_memory()
    assert keep_freed_memory() is first  # configured once
    if not sys.platform.startswith("linux"):
        assert first is False  # glibc's malloc only
    with compute_precision(CPU, fast=False):
        assert torch.equal(torch.ones(1 << 22).sum(), torch.tensor(float(1 << 22)))


def test_cuda_fast_mode_uses_bf16_else_fp16() -> None:
    assert reduced_dtype("cuda", available=True, bf16=True) == torch.bfloat16
    assert reduced_dtype("cuda", available=True, bf16=False) == torch.float16
    assert reduced_dtype("cuda", available=False, bf16=False) is None
    assert reduced_dtype("cpu", available=True, bf16=False) is None
    assert reduced_dtype("mps", available=True, bf16=False) is None


def test_default_precision_is_fast_only_where_the_hardware_has_fast_bf16() -> None:
    assert precision_for("cpu", available=True, bf16=True, amx=True).mode == "fast"
    assert precision_for("cpu", available=True, bf16=True, avx512_bf16=True).mode == "fast"
    plain = precision_for("cpu", available=True, bf16=True)  # emulated bf16 (AVX512 only)
    assert plain.mode == "exact" and "no native bfloat16" in plain.reason
    assert precision_for("cuda", available=True, bf16=False).mode == "fast"
    assert precision_for("cuda", available=False, bf16=False).mode == "exact"
    assert precision_for("mps", available=True, bf16=False).mode == "exact"
    here = default_precision(CPU)
    native = bf16_supported(CPU) and any(cpu_bf16_features())
    assert here.mode == ("fast" if native else "exact") and here.reason


@pytest.fixture(scope="module")
def frames(parity_dir: Path) -> list[np.ndarray]:
    return read_frames(parity_dir, "frames/bedroom/{:05d}.png", 8)


def _track(model: SAM2Model, frames: list[np.ndarray], objects: int, fast: bool) -> dict:
    session = VideoSession(model, frames, fast=fast)
    assert session.fast == fast  # fast really is the bf16 path, not float32 under its name
    for obj, prompt in PROMPTS[:objects]:
        if isinstance(prompt, tuple):
            session.add_points(0, obj, *prompt)
        else:
            session.add_box(0, obj, prompt)
    return {(r.frame, k): o.mask for r in session.propagate(0) for k, o in r.objects.items()}


@pytest.mark.slow
@pytest.mark.parametrize(("objects", "side"), [(1, 384), (3, 384)])
def test_fast_mode_masks_match_float32(
    seeded_checkpoint: Callable[..., Path], frames, objects: int, side: int, monkeypatch
) -> None:
    """Every frame's fast-mode mask overlaps float32's by IoU >= 0.97, 0.99 on average.
    (At 256 px the edges are a few 64² logits wide: one object gave mean 0.989, three a
    frame at 0.9696 on an AMD CPU; hence 384 px. At 1024 px, bench/propagate.py: 0.998.)
    A CPU without native bf16, whose fast mode is float32, is made to run the bf16 path
    anyway (emulated by torch, slower), so the masks are checked on every machine CI may
    run on."""
    if not bf16_supported(CPU):
        monkeypatch.setattr(fast_mode, "bf16_supported", lambda device: True)
        monkeypatch.setattr(
            fast_mode, "kernel_choice", lambda device: dict.fromkeys(ATTENTION_SITES, FUSED)
        )
    model = seeded_model(seeded_checkpoint, "sam2.1_hiera_tiny")
    model.set_imgsz(side)
    exact = _track(model, frames, objects, fast=False)
    fast = _track(model, frames, objects, fast=True)
    assert fast.keys() == exact.keys() and len(exact) == objects * len(frames)
    ious = []
    for key, a in exact.items():
        b = fast[key]
        union = np.logical_or(a, b).sum()
        ious.append(np.logical_and(a, b).sum() / union if union else 1.0)
    assert min(ious) >= 0.97 and np.mean(ious) >= 0.99, ious


def test_propagate_takes_fast_or_exact_and_otherwise_the_machine_default(
    tiny21_model: SAM2Model,
) -> None:
    import argparse

    from annotator.commands.propagate import add_tracking_options, wants_fast

    parser = argparse.ArgumentParser()
    add_tracking_options(parser)
    assert wants_fast(tiny21_model, parser.parse_args(["--fast"]))
    assert not wants_fast(tiny21_model, parser.parse_args(["--exact"]))
    default = wants_fast(tiny21_model, parser.parse_args([]))
    assert default == (default_precision(CPU).mode == "fast")
    with pytest.raises(SystemExit):
        parser.parse_args(["--fast", "--exact"])
