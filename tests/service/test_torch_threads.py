"""The engine thread leaves a core to the GUI thread."""

from __future__ import annotations

import threading

from annotator.service.torch_threads import (
    configure_engine_threads,
    engine_thread_count,
    usable_cores,
)


def test_engine_threads_leave_one_core() -> None:
    assert engine_thread_count(1) == 1
    assert engine_thread_count(2) == 1
    assert engine_thread_count(16) == 15
    assert engine_thread_count() == max(1, usable_cores() - 1)


def test_configure_sets_the_count_on_the_calling_thread() -> None:
    got: list[int] = []
    t = threading.Thread(target=lambda: got.append(configure_engine_threads(1)))
    t.start()
    t.join(30)
    assert got == [1]


def test_click_threads_apply_to_the_decode_only(tiny_checkpoint, frames, module_calls) -> None:
    import torch

    from annotator.service import EngineService

    from .conftest import IMAGE_SIZE

    seen: dict[str, int] = {}

    def note_threads(module: object, args: object) -> None:
        seen.setdefault(type(module).__name__, torch.get_num_threads())

    from torch.nn.modules.module import register_module_forward_pre_hook

    handle = register_module_forward_pre_hook(note_threads)
    try:
        with EngineService(num_threads=1, click_threads=2) as svc:
            svc.load_model(tiny_checkpoint, image_size=IMAGE_SIZE).result(120)
            svc.set_video(frames).result(120)
            svc.encode_frame(0, ahead=0).result(120)
            svc.add_points(0, 1, [[50, 40]], [1]).result(120)
    finally:
        handle.remove()
    assert seen["ImageEncoder"] == 1 and seen["MaskDecoder"] == 2
