"""A session opened without a precision takes the device's default (fast where the CPU or GPU
has fast bf16, see `default_precision`) and says which it took; an explicit choice wins."""

from __future__ import annotations

import torch

from annotator.engine.fast_mode import default_precision
from annotator.service import EngineService, VideoReady

from .conftest import IMAGE_SIZE


def test_set_video_without_a_precision_takes_the_device_default_and_reports_it(
    tiny_checkpoint, frames
) -> None:
    svc = EngineService(num_threads=1)
    try:
        svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
        machine_default = default_precision(torch.device("cpu")).mode == "fast"
        ready = svc.set_video(frames, fast=None).result(120)
        assert isinstance(ready, VideoReady) and ready.fast is machine_default
        assert svc.set_video(frames, fast=False).result(120).fast is False
        assert svc.set_video(frames, fast=True).result(120).fast is _bf16_at_all()
    finally:
        assert svc.shutdown(60)


def _bf16_at_all() -> bool:
    """fast=True asks for bf16 wherever the device can run it at all."""
    from annotator.engine.fast_mode import fast_dtype

    return fast_dtype(torch.device("cpu")) is not None
