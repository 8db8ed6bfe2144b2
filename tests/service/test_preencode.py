"""Pre-encoding: the landing frame first, neighbours while idle, and it gives way to a click."""

from __future__ import annotations

from annotator.service import Direction, FrameEncoded, MaskResult, Superseded


def test_preencode_gives_way_to_a_click_which_costs_only_the_decoder(
    service, log, module_calls
) -> None:
    seen: dict[str, object] = {}

    def click_once_landed(event: object) -> None:
        # on the engine thread, right after frame 0 is encoded and before it picks the
        # next neighbour: the click must run before the rest of the plan
        if isinstance(event, FrameEncoded) and event.frame == 0 and "click" not in seen:
            seen["encoders"] = module_calls.count("ImageEncoder")
            seen["click"] = service.add_points(0, 1, [[80.0, 45.0]], [1])
        if isinstance(event, MaskResult):
            seen["encoders_at_mask"] = module_calls.count("ImageEncoder")

    log.hooks.append(click_once_landed)
    landing = service.encode_frame(0, Direction.FORWARD, ahead=3)
    encoded = landing.result(120)
    assert isinstance(encoded, FrameEncoded) and encoded.frame == 0 and not encoded.cached
    result = seen["click"].result(120)  # type: ignore[attr-defined]
    assert isinstance(result, MaskResult)
    log.wait_for(lambda evs: sum(isinstance(e, FrameEncoded) for e in evs) >= 4)

    order = [
        (type(e).__name__, e.frame) for e in log.events if isinstance(e, FrameEncoded | MaskResult)
    ]
    assert order == [
        ("FrameEncoded", 0),
        ("MaskResult", 0),
        ("FrameEncoded", 1),
        ("FrameEncoded", 2),
        ("FrameEncoded", 3),
    ]
    assert seen["encoders_at_mask"] == seen["encoders"], "the click re-ran the image encoder"
    assert [e.request_id for e in log.of(FrameEncoded)] == [landing.request_id, 0, 0, 0]

    # landing again on an encoded frame answers from the cache without the encoder
    before = module_calls.count("ImageEncoder")
    again = service.encode_frame(2, Direction.BACKWARD, ahead=2).result(120)
    assert again.cached and again.frame == 2
    log.wait_for(lambda evs: sum(isinstance(e, FrameEncoded) for e in evs) >= 7)
    assert module_calls.count("ImageEncoder") == before  # 2, 1, 0 were all cached


def test_a_newer_landing_supersedes_one_not_yet_reached(service, log) -> None:
    service.add_points(4, 1, [[80.0, 45.0]], [1])  # keeps the engine busy first
    old = service.encode_frame(6, ahead=0)
    new = service.encode_frame(7, ahead=0)
    superseded = old.result(120)
    assert isinstance(superseded, Superseded) and superseded.by == new.request_id
    assert new.result(120).frame == 7


def test_landing_infers_the_direction_of_travel(service, log) -> None:
    assert service.land(5, ahead=1).result(120).frame == 5
    log.wait_for(lambda evs: [e.frame for e in evs if isinstance(e, FrameEncoded)] == [5, 6])
    assert service.land(3, ahead=1).result(120).frame == 3  # moving back: 2 next
    log.wait_for(lambda evs: [e.frame for e in evs if isinstance(e, FrameEncoded)][2:] == [3, 2])
