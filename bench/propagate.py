"""Benchmark of video propagation with the tiny model (seeded checkpoint) on bedroom.mp4.

Prints the machine's yardsticks (float32 and bf16 matmul GFLOP/s, one bf16 SDPA call of the
memory-attention shape), then seconds per frame for the first propagation in float32,
re-propagation after a correction (image features from the session's cache) and fast mode
(with its mask IoU against float32 on the same frames, then its re-propagation), each beside
the least time the yardsticks allow (a lower bound of the work: memory attention plus the
encoder's matmuls and convolutions), and RSS growth between frame 20 and the last frame.
With ``--reference DIR`` (a checkout of facebookresearch/sam2, see
bench/reference_predictor.py) Meta's predictor runs on the same frames in the same run, in
float32 and under bf16 autocast (first pass, then the same correction re-propagated, which
it re-encodes), and the ratios are printed. Quick runs on a shared machine:

    python bench/propagate.py --frames 12 --objects 1 --reference /tmp/sam2
    python bench/propagate.py --frames 12 --objects 1 --image-size 512
    python bench/propagate.py --frames 101 --objects 1 --first-pass-only   # RSS 20 -> 100

The feature cache gets an explicit budget (--cache-mb, 320 MB: about 19 frames at 1024 px),
so RSS growth is measured with the cache already full: growth beyond it is the session.

CPU-s/frame (process CPU time) is printed beside wall time: on a machine shared with other
jobs, wall time says little, while CPU-s/frame over the thread count estimates an idle run.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
import torch
from pycocotools import mask as mask_utils
from yardsticks import (
    Yardsticks,
    encoder_gflop,
    frame_floor_s,
    measure_yardsticks,
    memory_attention_gflop,
)

from annotator.engine import DRAFT_SIZES, FULL_SIZE
from annotator.engine.fast_mode import default_precision
from annotator.engine.kernel_choice import kernel_choice
from annotator.engine.sam2.config import MODEL_CONFIGS
from annotator.engine.sam2.model import SAM2Model
from annotator.engine.video_session import VideoSession

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
PROMPTS: list[tuple[int, str, Any]] = [  # (obj, kind, payload) on frame 0 of bedroom.mp4 (960x540)
    (1, "points", ([[400, 220]], [1])),
    (2, "box", [170, 130, 290, 400]),
    (3, "points", ([[600, 350]], [1])),
]
CORRECTION = (1, [[420, 250]], [1])


class VideoFrames:
    """Lazy RGB frames of the first ``limit`` frames of a video, decoded on demand with OpenCV
    (sequential reads; a seek only when the caller jumps)."""

    def __init__(self, path: Path, limit: int) -> None:
        self._cap = cv2.VideoCapture(str(path))
        if not self._cap.isOpened():
            raise SystemExit(f"cannot open {path}")
        total = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self._len = min(limit, total) if total > 0 else limit
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._next = 0

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index: int) -> np.ndarray:
        if index != self._next:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, bgr = self._cap.read()
        if not ok:
            raise IndexError(index)
        self._next = index + 1
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def seeded_state_dict(name: str) -> dict[str, torch.Tensor]:
    """The parity goldens' seed-0 weights of `name` (shared/parity/make_checkpoint.py)."""
    spec = importlib.util.spec_from_file_location(
        "make_checkpoint", SHARED / "parity" / "make_checkpoint.py"
    )
    assert spec is not None and spec.loader is not None
    maker: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    state: dict[str, torch.Tensor] = maker.make_state_dict(name, 0)
    return state


def load_model(name: str) -> SAM2Model:
    model = SAM2Model(MODEL_CONFIGS[name])
    model.load_state_dict(seeded_state_dict(name), strict=True)
    return model.eval()


def prompt(session: VideoSession, objects: int) -> None:
    for obj, kind, payload in PROMPTS[:objects]:
        if kind == "points":
            points, labels = payload
            session.add_points(0, obj, points, labels)
        else:
            session.add_box(0, obj, payload)


def run(session: VideoSession, start: int, rss_at: int | None = None) -> dict[str, object]:
    """Propagate forward from ``start``; per-frame times, masks (as RLE), RSS samples."""
    masks: dict[tuple[int, int], dict[str, object]] = {}  # COCO RLE, as the project stores
    stored = 0
    rss: dict[int, tuple[int, int, int]] = {}
    times = []
    cpu = []
    t0, c0 = time.perf_counter(), time.process_time()
    for result in session.propagate(start):
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        for obj, res in result.objects.items():
            rle = mask_utils.encode(np.asfortranarray(res.mask.astype(np.uint8)))
            masks[(result.frame, obj)] = rle
            stored += len(rle["counts"])
        if rss_at is not None and result.frame in (rss_at, session.num_frames - 1):
            rss[result.frame] = (rss_bytes(), session.feature_cache.nbytes, stored)
        t0, c0 = time.perf_counter(), time.process_time()
    return {"times": times, "cpu": cpu, "masks": masks, "rss": rss}


def per_frame(run_out: dict[str, object]) -> str:
    """'wall s/frame (CPU s/frame)', leaving out the prompted start frame."""
    wall, cpu = run_out["times"], run_out["cpu"]
    assert isinstance(wall, list) and isinstance(cpu, list)
    n = max(1, len(wall) - 1)
    return f"{sum(wall[1:]) / n:6.2f} s/frame wall ({sum(cpu[1:]) / n:6.2f} CPU-s/frame)"


def cpu_per_frame(run_out: dict[str, object]) -> float:
    cpu = run_out["cpu"]
    assert isinstance(cpu, list)
    return sum(cpu[1:]) / max(1, len(cpu) - 1)


def wall_per_frame(run_out: dict[str, object]) -> float:
    wall = run_out["times"]
    assert isinstance(wall, list)
    return sum(wall[1:]) / max(1, len(wall) - 1)


def ious_between(a: dict[Any, Any], b: dict[Any, Any]) -> list[float]:
    """IoU of every (frame, object) mask the two runs share (COCO RLE or bool arrays)."""

    def as_array(mask: Any) -> np.ndarray:
        return mask_utils.decode(mask).astype(bool) if isinstance(mask, dict) else mask

    out = []
    for key in sorted(a.keys() & b.keys()):
        ma, mb = as_array(a[key]), as_array(b[key])
        union = np.logical_or(ma, mb).sum()
        out.append(float(np.logical_and(ma, mb).sum() / union) if union else 1.0)
    return out


def iou_text(values: list[float]) -> str:
    return f"mean {np.mean(values):.4f}, min {np.min(values):.4f}" if values else "n/a"


class Limits:
    """The least time a frame can take at this machine's yardsticks, in exact and fast mode."""

    def __init__(self, model: SAM2Model, yard: Yardsticks, objects: int) -> None:
        size = model.image_size
        self.yard = yard
        self.encoder = encoder_gflop(model.forward_image, size)
        attention, rest = memory_attention_gflop(size)
        self.attention, self.rest = objects * attention, objects * rest
        print(
            f"work per frame, {objects} object(s) at {size} px, full bank: memory attention "
            f"{self.attention + self.rest:.0f} GFLOP (attention {self.attention:.0f}), "
            f"encoder >= {self.encoder:.0f} GFLOP (matmuls and convolutions)"
        )

    def floor(self, fast: bool) -> float:
        return frame_floor_s(self.yard, self.encoder, self.attention, self.rest, fast=fast)

    def text(self, seconds: float, fast: bool) -> str:
        floor = self.floor(fast)
        return f"limit >= {floor:.2f} s/frame, so at {floor / seconds:.0%} of it"


def bench(model: SAM2Model, args: argparse.Namespace, objects: int, limits: Limits) -> None:
    mb = 2**20
    frames, video, cache_bytes = args.frames, args.video, args.cache_mb * mb
    print(f"\n== {objects} object(s), {frames} frames, {model.image_size} px ==")
    source = VideoFrames(video, frames)
    session = VideoSession(model, source, feature_cache_bytes=cache_bytes)
    prompt(session, objects)
    first = run(session, 0, rss_at=20 if frames > 21 else None)
    first_wall = wall_per_frame(first)
    print(f"ours, float32:          {per_frame(first)}; {limits.text(first_wall, False)}")
    figures = {"ours float32": (first_wall, cpu_per_frame(first))}

    if not args.first_pass_only:
        obj, points, labels = CORRECTION
        mid = frames // 2
        session.add_points(mid, obj, points, labels)
        rerun = run(session, mid)
        figures["ours float32 rerun"] = (wall_per_frame(rerun), cpu_per_frame(rerun))
        ratio = first_wall / wall_per_frame(rerun)
        print(
            f"re-propagation, float32: {per_frame(rerun)} "
            f"({ratio:.1f}x faster than the first pass; features cached)"
        )

    rss = first["rss"]
    assert isinstance(rss, dict)
    if len(rss) == 2:
        (f_a, (r_a, c_a, s_a)), (f_b, (r_b, c_b, s_b)) = sorted(rss.items())
        growth = r_b - r_a
        print(
            f"RSS growth frame {f_a} -> {f_b}: {growth / mb:7.1f} MB total, of which feature "
            f"cache {(c_b - c_a) / mb:.1f} MB (held at {c_b / mb:.0f} MB of its "
            f"{session.feature_cache.max_bytes / mb:.0f} MB budget) and stored masks "
            f"{(s_b - s_a) / mb:.2f} MB (RLE); beyond cache and masks: "
            f"{(growth - (c_b - c_a) - (s_b - s_a)) / mb:.1f} MB (target < 100 MB)"
        )
    del session

    if not (args.no_fast or args.first_pass_only):
        fast_session = VideoSession(
            model, VideoFrames(video, frames), feature_cache_bytes=cache_bytes, fast=True
        )
        if not fast_session.fast:
            print("fast mode: bfloat16 not supported here, skipped")
        else:
            prompt(fast_session, objects)
            quick = run(fast_session, 0)
            fast_wall = wall_per_frame(quick)
            figures["ours fast"] = (fast_wall, cpu_per_frame(quick))
            exact_masks, fast_masks = first["masks"], quick["masks"]
            assert isinstance(exact_masks, dict) and isinstance(fast_masks, dict)
            print(
                f"ours, fast (bf16):      {per_frame(quick)}; {limits.text(fast_wall, True)}; "
                f"{first_wall / fast_wall:.2f}x float32; IoU vs float32: "
                f"{iou_text(ious_between(exact_masks, fast_masks))}"
            )
            obj, points, labels = CORRECTION
            fast_session.add_points(frames // 2, obj, points, labels)
            rerun_fast = run(fast_session, frames // 2)
            figures["ours fast rerun"] = (wall_per_frame(rerun_fast), cpu_per_frame(rerun_fast))
            print(f"re-propagation, fast:    {per_frame(rerun_fast)} (features cached)")
    if args.reference is not None:
        reference(model, args, objects, first["masks"], figures)


def reference(
    model: SAM2Model,
    args: argparse.Namespace,
    objects: int,
    our_masks: object,
    figures: dict[str, tuple[float, float]],
) -> None:
    """Meta's predictor on the same frames, float32 then bf16 autocast; ratios to ours."""
    from reference_predictor import build_predictor, run_reference

    source = VideoFrames(args.video, args.frames)
    frames = [source[i] for i in range(len(source))]
    predictor = build_predictor(
        args.reference, args.model, seeded_state_dict(args.model), model.image_size
    )
    masks: dict[bool, dict[tuple[int, int], np.ndarray]] = {False: {}, True: {}}
    for autocast in (False, True):

        def keep(frame: int, by_obj: dict[int, np.ndarray], into: dict = masks[autocast]) -> None:
            for obj, mask in by_obj.items():
                into[(frame, obj)] = mask

        obj, points, labels = CORRECTION
        timed = run_reference(
            predictor,
            frames,
            PROMPTS[:objects],
            autocast=autocast,
            on_frame=keep,
            correction=None if args.first_pass_only else (len(frames) // 2, obj, points, labels),
        )
        name = "Meta autocast" if autocast else "Meta float32"
        for label, wall, cpu in (
            (name, timed.wall, timed.cpu),
            (f"{name} rerun", timed.rerun_wall, timed.rerun_cpu),
        ):
            if wall:
                n = len(wall)
                figures[label] = (sum(wall) / n, sum(cpu) / n)
                print(
                    f"{label + ':':23} {sum(wall) / n:6.2f} s/frame wall "
                    f"({sum(cpu) / n:6.2f} CPU-s)"
                )
    assert isinstance(our_masks, dict)
    meta_iou = iou_text(ious_between(masks[False], masks[True]))
    print(f"Meta autocast vs Meta float32 masks: IoU {meta_iou}")
    print(
        f"ours float32 vs Meta float32 masks: IoU {iou_text(ious_between(our_masks, masks[False]))}"
    )
    for rerun in ("", " rerun"):
        for ours in (f"ours float32{rerun}", f"ours fast{rerun}"):
            metas = [m + rerun for m in ("Meta float32", "Meta autocast") if m + rerun in figures]
            if ours in figures and metas:
                ratios = ", ".join(
                    f"{_speed_ratio(figures[meta][0], figures[ours][0])} than {meta} "
                    f"({_speed_ratio(figures[meta][1], figures[ours][1])} in CPU time)"
                    for meta in metas
                )
                print(f"{ours}: {ratios}")


def _speed_ratio(theirs: float, ours: float) -> str:
    """'1.59x faster' or '1.07x slower': the ratio of seconds per frame, always >= 1."""
    if ours <= theirs:
        return f"{theirs / ours:.2f}x faster"
    return f"{ours / theirs:.2f}x slower"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=30, help="frames of the video to track")
    ap.add_argument("--objects", default="1", help="comma-separated object counts")
    ap.add_argument("--model", default="sam2.1_hiera_tiny")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch default)")
    ap.add_argument("--no-fast", action="store_true", help="skip the fast-mode run")
    ap.add_argument("--cache-mb", type=int, default=320, help="feature cache budget, MB")
    ap.add_argument(
        "--first-pass-only", action="store_true", help="no re-propagation, no fast mode"
    )
    ap.add_argument(
        "--image-size",
        "--imgsz",
        type=int,
        default=FULL_SIZE,
        help=f"model input size ({FULL_SIZE}; drafts: {', '.join(map(str, DRAFT_SIZES))})",
    )
    ap.add_argument(
        "--reference",
        type=Path,
        help="checkout of facebookresearch/sam2: run Meta's predictor too (float32, autocast)",
    )
    ap.add_argument("--video", type=Path, default=SHARED / "data" / "videos" / "bedroom.mp4")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"model {args.model} (seeded), torch threads {torch.get_num_threads()}, {args.video.name}"
    )
    yard = measure_yardsticks()
    print(yard.describe())
    device = torch.device("cpu")
    print(f"fast-mode attention kernels here: {kernel_choice(device)}")
    print(f"default precision here: {'{}: {}'.format(*default_precision(device))}")
    model = load_model(args.model)
    if args.image_size != FULL_SIZE:
        model.set_imgsz(args.image_size)
    for count in (int(c) for c in args.objects.split(",")):
        bench(model, args, count, Limits(model, yard, count))


if __name__ == "__main__":
    main()
