"""Image predictor speed: image-encoder seconds and per-click decode milliseconds (SAM2.1 tiny).

    python bench/image_predict.py [--model sam2.1_hiera_tiny] [--runs 3] [--clicks 20]
                                  [--threads N] [--device cpu]

Encode = set_image on ../shared/data/images/truck.jpg (1800x1200 -> 1024x1024, float32).
Click = predict() for one new click incl. upsampling the masks to 1800x1200 and copying them
to numpy. Weights are random (speed does not depend on their values). Medians are printed
beside Meta's reference figures measured on the same 2-core CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotator.engine.device import pick_device  # noqa: E402
from annotator.engine.image_predictor import ImagePredictor  # noqa: E402
from annotator.engine.sam2.config import get_config  # noqa: E402
from annotator.engine.sam2.model import SAM2Model  # noqa: E402

IMAGE = REPO / ".." / "shared" / "data" / "images" / "truck.jpg"
META_ENCODE_S = 4.0  # Meta's reference, tiny, 1024^2, these 2 CPU cores
META_CLICK_MS = 90.0  # Meta's reference, per click incl. upsampling to 1800x1200


def matmul_gflops() -> float:
    """Current float32 matmul throughput of this machine (1024^3, best of 5): a yardstick
    for comparing runs taken under different load."""
    a = torch.randn(1024, 1024)
    a @ a
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    return 2 * 1024**3 / best / 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="sam2.1_hiera_tiny")
    ap.add_argument("--runs", type=int, default=3, help="timed encodes (after one warm-up)")
    ap.add_argument("--clicks", type=int, default=20, help="timed clicks (after two warm-ups)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch default)")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)

    bgr = cv2.imread(str(IMAGE), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {IMAGE}")
    image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    torch.manual_seed(0)
    model = SAM2Model(get_config(args.model)).to(device).eval()
    predictor = ImagePredictor(model)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    predictor.set_image(image)  # warm-up
    gflops_before = matmul_gflops()
    encode_s, encode_cpu = [], []
    for _ in range(args.runs):
        sync()
        start, cpu = time.perf_counter(), time.process_time()
        predictor.set_image(image)
        sync()
        encode_s.append(time.perf_counter() - start)
        encode_cpu.append(time.process_time() - cpu)

    rng = np.random.default_rng(0)
    h, w = image.shape[:2]
    clicks = [(float(rng.uniform(0, w)), float(rng.uniform(0, h))) for _ in range(args.clicks + 2)]
    click_ms = []
    for i, (x, y) in enumerate(clicks):
        sync()
        start = time.perf_counter()
        pred = predictor.predict(points=[[x, y]], labels=[1], multimask=True)
        sync()
        if i >= 2:
            click_ms.append((time.perf_counter() - start) * 1000)
    assert pred.masks.shape == (3, h, w)
    gflops_after = matmul_gflops()

    enc, clk = statistics.median(encode_s), statistics.median(click_ms)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"model {args.model}, device {device}, torch threads {torch.get_num_threads()}")
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} cores (shared machine?)")
    print(f"image encoder (1024x1024): {enc:6.2f} s   (Meta reference ~{META_ENCODE_S:.1f} s)")
    print(
        f"per click (3 masks -> {w}x{h}): {clk:6.1f} ms  (Meta reference ~{META_CLICK_MS:.0f} ms)"
    )
    print(f"  encode runs s: {', '.join(f'{s:.2f}' for s in encode_s)}", end="")
    print(f"  (CPU s: {', '.join(f'{s:.2f}' for s in encode_cpu)})")
    print(f"  click ms min/median/max: {min(click_ms):.1f} / {clk:.1f} / {max(click_ms):.1f}")
    print(
        f"  matmul yardstick: {gflops_before:.0f} GFLOP/s before, {gflops_after:.0f} after "
        "(lower than usual = the machine is busy; scale the timings accordingly)"
    )


if __name__ == "__main__":
    main()
