"""Meta's SAM2VideoPredictor on the frames and prompts of bench/propagate.py, for ratios
measured in the same run. Needs a checkout of facebookresearch/sam2 (commit 2b90b9f, the
parity goldens' version; never committed here) and its Python deps importable (hydra-core,
iopath, tqdm, pillow), e.g. `pip install --target /tmp/sam2deps ...` then
`PYTHONPATH=/tmp/sam2deps python bench/propagate.py --reference /tmp/sam2`.

The frames are preprocessed as the goldens are (annotator.engine.preprocess) and handed to
`init_state` in place of its JPEG loader, before the clock starts: the reference loads the
whole video up front, so only its per-frame tracking is timed. Its CUDA-only hole filling
falls back to none on the CPU (it warns), which makes it slightly faster, not slower.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from annotator.engine.preprocess import preprocess_image

CONFIGS = {  # our model names -> the reference's hydra config files
    "sam2.1_hiera_tiny": "configs/sam2.1/sam2.1_hiera_t.yaml",
    "sam2.1_hiera_small": "configs/sam2.1/sam2.1_hiera_s.yaml",
    "sam2.1_hiera_base_plus": "configs/sam2.1/sam2.1_hiera_b+.yaml",
    "sam2.1_hiera_large": "configs/sam2.1/sam2.1_hiera_l.yaml",
    "sam2_hiera_tiny": "configs/sam2/sam2_hiera_t.yaml",
    "sam2_hiera_small": "configs/sam2/sam2_hiera_s.yaml",
    "sam2_hiera_base_plus": "configs/sam2/sam2_hiera_b+.yaml",
    "sam2_hiera_large": "configs/sam2/sam2_hiera_l.yaml",
}


def import_reference(checkout: Path) -> Any:
    """`sam2.build_sam` from the checkout, or SystemExit saying what is missing."""
    if not (checkout / "sam2" / "build_sam.py").is_file():
        raise SystemExit(
            f"--reference {checkout}: no sam2/build_sam.py there (a checkout of "
            "facebookresearch/sam2 is expected)"
        )
    sys.path.insert(0, str(checkout))
    try:
        import sam2.build_sam as build_sam
    except ImportError as exc:
        raise SystemExit(
            f"--reference {checkout}: Meta's code does not import ({exc}); install its deps "
            "(hydra-core iopath tqdm pillow), e.g. into a folder on PYTHONPATH"
        ) from exc
    return build_sam


def build_predictor(checkout: Path, model_name: str, state_dict: dict, image_size: int) -> Any:
    """The reference video predictor with `state_dict` loaded, on the CPU, at `image_size`."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="hydra")  # its deprecations, not ours
        build_sam = import_reference(checkout)  # importing sam2 sets up hydra
        ckpt = Path(tmp) / "model.pt"
        torch.save({"model": state_dict}, ckpt)
        return build_sam.build_sam2_video_predictor(
            CONFIGS[model_name],
            str(ckpt),
            device="cpu",
            hydra_overrides_extra=[f"++model.image_size={image_size}"],
        )


@contextlib.contextmanager
def frames_instead_of_files(images: torch.Tensor, height: int, width: int) -> Iterator[None]:
    """Make `init_state` take these preprocessed frames (N, 3, S, S) instead of reading a
    video from disk."""
    import sam2.sam2_video_predictor as vp

    original, progress = vp.load_video_frames, vp.tqdm
    vp.load_video_frames = lambda **_: (images, height, width)
    vp.tqdm = lambda iterable, *_, **__: iterable  # its per-frame progress bar, off
    try:
        yield
    finally:
        vp.load_video_frames, vp.tqdm = original, progress


class ReferenceRun(NamedTuple):
    """Seconds per frame (wall, process CPU) of the first pass, frame 0 left out, and of the
    re-propagation after the correction (its corrected frame left out; empty without one)."""

    wall: list[float]
    cpu: list[float]
    rerun_wall: list[float]
    rerun_cpu: list[float]


def _timed(frames: Iterator[Any], on_frame: Any) -> tuple[list[float], list[float]]:
    wall: list[float] = []
    cpu: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for frame, obj_ids, logits in frames:
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if on_frame is not None:
            masks = (logits[:, 0] > 0).cpu().numpy()
            on_frame(frame, {int(o): masks[i] for i, o in enumerate(obj_ids)})
        t0, c0 = time.perf_counter(), time.process_time()
    return wall[1:], cpu[1:]


def run_reference(
    predictor: Any,
    frames: Sequence[np.ndarray],
    prompts: Sequence[tuple[int, str, Any]],
    *,
    autocast: bool,
    on_frame: Callable[[int, dict[int, np.ndarray]], None] | None = None,
    correction: tuple[int, int, Any, Any] | None = None,
) -> ReferenceRun:
    """Prompt frame 0, propagate forward; then, given a correction (frame, object, points,
    labels), click it and propagate forward from that frame again, as a user re-propagates
    (the reference keeps no image features but the last frame's, so it re-encodes).
    ``on_frame`` gets each first-pass frame's {object id: bool mask at frame size}."""
    size = predictor.image_size
    images = torch.cat([preprocess_image(f, size=size) for f in frames])
    height, width = frames[0].shape[:2]
    precision = (
        torch.autocast("cpu", dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
    )
    with frames_instead_of_files(images, height, width), precision, torch.inference_mode():
        state = predictor.init_state(video_path="(frames given)")
        for obj, kind, payload in prompts:
            if kind == "points":
                points, labels = payload
                predictor.add_new_points_or_box(
                    state,
                    frame_idx=0,
                    obj_id=obj,
                    points=np.asarray(points, np.float32),
                    labels=np.asarray(labels, np.int32),
                )
            else:
                predictor.add_new_points_or_box(
                    state, frame_idx=0, obj_id=obj, box=np.asarray(payload, np.float32)
                )
        wall, cpu = _timed(predictor.propagate_in_video(state), on_frame)
        rerun_wall: list[float] = []
        rerun_cpu: list[float] = []
        if correction is not None:
            frame, obj, points, labels = correction
            predictor.add_new_points_or_box(
                state,
                frame_idx=frame,
                obj_id=obj,
                points=np.asarray(points, np.float32),
                labels=np.asarray(labels, np.int32),
            )
            rerun = predictor.propagate_in_video(state, start_frame_idx=frame)
            rerun_wall, rerun_cpu = _timed(rerun, None)
    return ReferenceRun(wall, cpu, rerun_wall, rerun_cpu)
