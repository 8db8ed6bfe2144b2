"""Which frames and object pointers a tracked frame reads (the reference's selection rules)."""

from __future__ import annotations

from annotator.engine.sam2.memory_selection import (
    memory_frame_index,
    select_closest_cond_frames,
    select_memory_frames,
    select_object_pointers,
)


def _bank(cond: list[int], non_cond: list[int]) -> dict[str, dict[int, str]]:
    return {
        "cond_frame_outputs": {t: f"c{t}" for t in cond},
        "non_cond_frame_outputs": {t: f"n{t}" for t in non_cond},
    }


def test_memory_frames_are_the_last_six_behind_in_the_direction_of_travel() -> None:
    bank = _bank([0], list(range(1, 20)))
    picks, used, unused = select_memory_frames(
        frame_idx=10, output_dict=bank, num_maskmem=7, max_cond_frames=-1, stride=1, reverse=False
    )
    assert picks == [(0, "c0"), (1, "n4"), (2, "n5"), (3, "n6"), (4, "n7"), (5, "n8"), (6, "n9")]
    assert used == {0: "c0"} and unused == {}
    picks, _, _ = select_memory_frames(
        frame_idx=10, output_dict=bank, num_maskmem=7, max_cond_frames=-1, stride=1, reverse=True
    )
    assert [p for _, p in picks] == ["c0", "n16", "n15", "n14", "n13", "n12", "n11"]


def test_missing_memory_frames_are_skipped() -> None:
    picks, _, _ = select_memory_frames(
        frame_idx=2,
        output_dict=_bank([0], [1]),
        num_maskmem=7,
        max_cond_frames=-1,
        stride=1,
        reverse=False,
    )
    assert picks == [(0, "c0"), (6, "n1")]


def test_strided_memory_keeps_the_last_frame() -> None:
    assert memory_frame_index(10, 1, 5, reverse=False) == 9
    assert [memory_frame_index(10, t, 5, reverse=False) for t in (2, 3)] == [5, 0]
    assert [memory_frame_index(10, t, 5, reverse=True) for t in (1, 2, 3)] == [11, 15, 20]


def test_closest_conditioning_frames_when_limited() -> None:
    cond = {t: t for t in (0, 4, 8, 12, 30)}
    used, unused = select_closest_cond_frames(10, cond, 3)
    assert sorted(used) == [4, 8, 12]
    assert sorted(unused) == [0, 30]
    used_all, none = select_closest_cond_frames(10, cond, -1)
    assert used_all == cond and none == {}


def test_object_pointers_signed_offsets_and_only_the_past() -> None:
    bank = _bank([3, 15], [7, 8, 9])
    cond = bank["cond_frame_outputs"]
    picks = select_object_pointers(
        frame_idx=10,
        output_dict=bank,
        used_cond=cond,
        unused_cond={},
        max_pointers=16,
        num_frames=20,
        only_past=True,
        signed=True,
        reverse=False,
    )
    assert picks == [(7, "c3"), (1, "n9"), (2, "n8"), (3, "n7")]
    picks = select_object_pointers(
        frame_idx=10,
        output_dict=bank,
        used_cond=cond,
        unused_cond={},
        max_pointers=16,
        num_frames=20,
        only_past=False,
        signed=True,
        reverse=True,
    )
    assert picks[:2] == [(-7, "c3"), (5, "c15")]
    picks = select_object_pointers(
        frame_idx=10,
        output_dict=bank,
        used_cond=cond,
        unused_cond={},
        max_pointers=3,
        num_frames=20,
        only_past=False,
        signed=False,
        reverse=False,
    )
    assert picks == [(7, "c3"), (5, "c15"), (1, "n9"), (2, "n8")]
