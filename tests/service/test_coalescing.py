"""Rapid clicks coalesce: the newest click set wins and stale sets are never decoded."""

from __future__ import annotations

import threading

import numpy as np

from annotator.service import AddPoints, MaskResult

FRAME = 2


def test_twenty_rapid_clicks_run_at_most_two_decodes(service, log, module_calls) -> None:
    """Click 1 is being decoded while clicks 2..20 arrive: they merge into one request, so
    two decodes run, and the result equals one decode of the final click set."""
    service.encode_frame(FRAME, ahead=0).result(120)
    started, release = threading.Event(), threading.Event()

    def hold_first_decode(module: object, args: object) -> None:
        # runs on the engine thread inside the real decoder: keep decode 1 busy until the
        # other 19 clicks are queued, so the test does not depend on timing
        if type(module).__name__ == "MaskDecoder" and not started.is_set():
            started.set()
            release.wait(60)

    from torch.nn.modules.module import register_module_forward_pre_hook

    handle = register_module_forward_pre_hook(hold_first_decode)
    decodes_before = module_calls.count("MaskDecoder")
    clicks = [(8.0 + 7 * i, 20.0 + 11 * (i % 6)) for i in range(20)]
    labels = [1 if i % 4 else 0 for i in range(20)]
    labels[0] = 1
    try:
        first = service.add_points(FRAME, 1, clicks[:1], labels[:1])
        assert started.wait(60)
        rest = [
            service.add_points(FRAME, 1, [c], [lab], clear_old=False)
            for c, lab in zip(clicks[1:], labels[1:], strict=True)
        ]
    finally:
        release.set()
        handle.remove()
    results = [f.result(120) for f in [first, *rest]]
    assert module_calls.count("MaskDecoder") - decodes_before == 2

    first_result, final = results[0], results[-1]
    assert isinstance(final, MaskResult) and final.frame == FRAME
    assert all(r is final for r in results[1:]), "merged clicks share the final answer"
    assert final.merged == tuple(f.request_id for f in rest[:-1])
    assert len(log.of(MaskResult)) == 2

    # the same two decodes with no coalescing in play, on an object of its own: the first
    # click, then the whole final click set at once
    alone = service.add_points(FRAME, 2, clicks[:1], labels[:1]).result(120)
    single = service.add_points(FRAME, 2, clicks, labels).result(120)
    np.testing.assert_array_equal(first_result.objects[1].mask, alone.objects[2].mask)
    np.testing.assert_array_equal(final.objects[1].mask, single.objects[2].mask)
    assert abs(final.objects[1].score - single.objects[2].score) < 1e-5
    assert final.objects[1].area > 0


def test_appended_clicks_after_a_box_keep_the_box(service) -> None:
    """A box, then appended clicks queued behind it, decode as box + clicks together."""
    box = (20.0, 10.0, 120.0, 80.0)
    a = service.add_box(FRAME, 3, box)
    b = service.submit(AddPoints.of(FRAME, 3, [[60, 40]], [1], clear_old=False))
    res_a, res_b = a.result(120), b.result(120)
    assert isinstance(res_b, MaskResult) and 3 in res_b.objects
    if res_a is res_b:  # merged: one decode of box + click
        assert res_b.merged == (a.request_id,)
