"""Where a propagated frame's time goes: seconds per frame in the image encoder, the memory
attention (and its self-attention, cross-attention and MLP) for a first pass and for a
re-propagation after a correction (tiny model, seeded checkpoint, bedroom.mp4).

    python bench/propagate_split.py                  # float32, frames 9-15
    python bench/propagate_split.py --fast           # bf16 fast mode
    python bench/propagate_split.py --image-size 512 # the draft size

It shows why re-propagation of one object is bounded near 1.5x the first pass on a CPU: the
cached image features skip only the encoder, and the memory attention that remains already
runs its matmuls at the machine's float32 peak.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from propagate import CORRECTION, SHARED, VideoFrames, load_model, prompt
from torch import nn

from annotator.engine import FULL_SIZE
from annotator.engine.video_session import VideoSession


def time_modules(model: nn.Module) -> dict[str, float]:
    """Accumulating wall-time per named module, via forward hooks."""
    spent: dict[str, float] = defaultdict(float)
    attention = model.get_submodule("memory_attention")
    named: list[tuple[str, nn.Module]] = [
        ("image encoder", model.get_submodule("image_encoder")),
        ("memory attention", attention),
        ("memory encoder", model.get_submodule("memory_encoder")),
        ("mask decoder", model.get_submodule("sam_mask_decoder")),
    ]
    spans: list[tuple[str, nn.Module, nn.Module]] = [(n, m, m) for n, m in named]
    layers = attention.get_submodule("layers")
    assert isinstance(layers, nn.ModuleList)
    for layer in layers:
        self_attn = layer.get_submodule("self_attn")
        cross_attn = layer.get_submodule("cross_attn_image")
        spans += [
            ("  self-attention", self_attn, self_attn),
            ("  cross-attention", cross_attn, cross_attn),
            # from its norm to its second linear (the first is a fused call, not a module call)
            ("  MLP", layer.get_submodule("norm3"), layer.get_submodule("linear2")),
        ]
    for name, first, last in spans:
        started: list[float] = []
        first.register_forward_pre_hook(lambda *_, s=started: s.append(time.perf_counter()))
        last.register_forward_hook(
            lambda *_, s=started, n=name: spent.__setitem__(
                n, spent[n] + time.perf_counter() - s.pop()
            )
        )
    return spent


def measure(session: VideoSession, spent: dict[str, float], start: int, skip: int) -> None:
    """Propagate from ``start``; print per-frame totals after the first ``skip`` frames."""
    frames, t0 = 0, 0.0
    for i, _ in enumerate(session.propagate(start)):
        if i == skip:
            spent.clear()
            frames, t0 = 0, time.perf_counter()
        elif i > skip:
            frames += 1
    total = (time.perf_counter() - t0) / max(1, frames)
    print(f"  whole frame          {total:6.2f} s/frame over {frames} frames")
    for name, seconds in spent.items():
        print(f"  {name:20s} {seconds / max(1, frames):6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=16, help="frames of the video to track")
    ap.add_argument("--fast", action="store_true", help="bf16 fast mode")
    ap.add_argument("--image-size", type=int, default=FULL_SIZE, help="model input size, px")
    args = ap.parse_args()
    model = load_model("sam2.1_hiera_tiny")
    if args.image_size != FULL_SIZE:
        model.set_imgsz(args.image_size)
    spent = time_modules(model)
    source = VideoFrames(SHARED / "data" / "videos" / "bedroom.mp4", args.frames)
    session = VideoSession(model, source, feature_cache_bytes=320 * 2**20, fast=args.fast)
    prompt(session, 1)
    mid = args.frames // 2
    print(f"first pass, frames {mid + 1}-{args.frames - 1} (memory bank full):")
    measure(session, spent, 0, mid)
    obj, points, labels = CORRECTION
    session.add_points(mid, obj, points, labels)
    print(f"re-propagation after a correction on frame {mid} (features cached):")
    measure(session, spent, mid, 0)


if __name__ == "__main__":
    main()
