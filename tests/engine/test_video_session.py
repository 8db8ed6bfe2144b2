"""VideoSession behaviour the parity goldens do not cover (a 256 px model keeps these quick)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from annotator.engine.fast_mode import bf16_supported
from annotator.engine.sam2.model import SAM2Model
from annotator.engine.session_errors import (
    EmptyVideoError,
    FrameIndexError,
    FrameSourceError,
    NothingToTrackError,
    PromptError,
    UnknownObjectError,
    VideoSessionError,
)
from annotator.engine.video_session import FrameResult, VideoSession
from tests.engine.video_helpers import read_frames, seeded_model

SIDE = 256  # model input size for these tests (the goldens run at 1024)
CLICK = ([[400, 220]], [1])


@pytest.fixture(scope="module")
def model(seeded_checkpoint: Callable[..., Path]) -> SAM2Model:
    m = seeded_model(seeded_checkpoint, "sam2.1_hiera_tiny")
    m.set_imgsz(SIDE)
    return m


@pytest.fixture(scope="module")
def frames(parity_dir: Path) -> list[np.ndarray]:
    return read_frames(parity_dir, "frames/bedroom/{:05d}.png", 8)


class CountingSource:
    """A frame source that counts reads (for the lazy-frames check)."""

    def __init__(self, frames: list[np.ndarray], length: int) -> None:
        self.frames, self.length, self.reads = frames, length, 0
        self.height, self.width = frames[0].shape[:2]

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> np.ndarray:
        self.reads += 1
        return self.frames[index % len(self.frames)]


def _same(a: FrameResult, b: FrameResult) -> None:
    assert a.frame == b.frame and sorted(a.objects) == sorted(b.objects)
    for k, ours in a.objects.items():
        np.testing.assert_allclose(ours.low_res_logits, b.objects[k].low_res_logits, atol=1e-4)
        assert ours.score == pytest.approx(b.objects[k].score, abs=1e-4)


def test_cancel_keeps_finished_frames_and_session_stays_usable(model, frames) -> None:
    session = VideoSession(model, frames)
    session.add_points(0, 1, *CLICK)
    stop = threading.Event()
    seen = []
    for result in session.propagate(0, cancel=stop):
        seen.append(result.frame)
        if len(seen) == 2:
            stop.set()
    assert seen == [0, 1]
    assert session.tracked_frames(1) == [0, 1]
    # closing the generator mid-run also keeps what was done
    run = session.propagate(1, cancel=lambda: False)
    assert [next(run).frame, next(run).frame] == [1, 2]
    run.close()
    assert session.tracked_frames(1) == [0, 1, 2]
    rest = [r.frame for r in session.propagate(2)]
    assert rest == list(range(2, len(frames)))
    assert session.tracked_frames(1) == list(range(len(frames)))


def test_both_is_a_forward_run_then_a_backward_run(model, frames) -> None:
    session = VideoSession(model, frames)
    session.add_points(3, 1, *CLICK)
    session.add_box(3, 2, [170, 130, 290, 400])
    both = list(session.propagate(3, "both", max_frames=2))
    assert [r.frame for r in both] == [3, 4, 5, 2, 1]

    session.reset()  # same session: its cached features are reused
    session.add_points(3, 1, *CLICK)
    session.add_box(3, 2, [170, 130, 290, 400])
    separate = list(session.propagate(3, "forward", max_frames=2))
    separate += list(session.propagate(2, "backward", max_frames=1))
    assert len(separate) == len(both)
    for a, b in zip(both, separate, strict=True):
        _same(a, b)


def test_prompt_in_the_middle_reaches_both_ends(model, frames) -> None:
    session = VideoSession(model, frames[:6])
    session.add_points(3, 7, *CLICK)
    order = [r.frame for r in session.propagate(3, "both")]
    assert order == [3, 4, 5, 2, 1, 0]
    assert session.tracked_frames(7) == [0, 1, 2, 3, 4, 5]


def test_backward_from_the_first_frame_tracks_nothing(model, frames) -> None:
    """As the reference: a backward run from frame 0 yields nothing, even where frame 0 was
    only tracked, and the session goes on as if it had not been asked."""
    session = VideoSession(model, frames[:4])
    session.add_points(2, 1, *CLICK)
    assert [r.frame for r in session.propagate(2, "backward")] == [2, 1, 0]
    assert list(session.propagate(0, "backward")) == []
    assert [r.frame for r in session.propagate(0, "both", max_frames=1)] == [0, 1]
    assert session.tracked_frames(1) == [0, 1, 2]


def test_a_box_with_empty_clicks_is_a_box_alone(model, frames) -> None:
    """A stored box-only prompt carries empty click lists; they mean no clicks."""
    alone = VideoSession(model, frames[:2]).add_box(0, 2, [170, 130, 290, 400])
    session = VideoSession(model, frames[:2])
    _same(session.add_box(0, 2, [170, 130, 290, 400], [], []), alone)
    with pytest.raises(PromptError, match="required"):
        session.add_points(0, 2, [], [])


def test_clear_errors(model, frames) -> None:
    with pytest.raises(EmptyVideoError):
        VideoSession(model, [])
    session = VideoSession(model, frames)
    with pytest.raises(NothingToTrackError):
        session.propagate(0)
    with pytest.raises(FrameIndexError, match="outside the video"):
        session.add_points(len(frames), 1, *CLICK)
    with pytest.raises(FrameIndexError):
        session.propagate(-1)
    with pytest.raises(PromptError, match="outside the 960x540 frame"):
        session.add_points(0, 1, [[961, 10]], [1])
    with pytest.raises(PromptError):
        session.add_points(0, 1, [[10, 10]], [1, 0])
    with pytest.raises(UnknownObjectError, match="unknown object id 42"):
        session.remove_object(42)
    with pytest.raises(UnknownObjectError):
        session.clear_prompts(0, 42)
    with pytest.raises(PromptError):
        session.add_mask(0, 1, np.zeros((10, 10), bool))
    session.add_points(0, 1, *CLICK)
    with pytest.raises(VideoSessionError, match="direction"):
        session.propagate(0, "sideways")  # type: ignore[arg-type]
    with pytest.raises(VideoSessionError, match="max_frames"):
        session.propagate(0, max_frames=-1)
    bad = [frames[0], frames[1][:100]]
    odd = VideoSession(model, bad)
    odd.add_points(0, 1, *CLICK)
    with pytest.raises(FrameSourceError, match="the video is 960x540"):
        list(odd.propagate(0))
    assert odd.tracked_frames(1) == [0]  # what finished before the bad frame is kept


def test_object_absent_path(seeded_checkpoint, frames) -> None:
    absent = seeded_model(seeded_checkpoint, "sam2.1_hiera_tiny", object_bias=-3.0)
    absent.set_imgsz(SIDE)
    session = VideoSession(absent, frames[:3])
    first = session.add_points(0, 1, *CLICK).objects[1]
    assert first.score is not None and first.score < 0 and not first.present
    assert not first.mask.any()
    results = list(session.propagate(0))
    assert [r.frame for r in results] == [0, 1, 2]
    for r in results:
        obj = r.objects[1]
        assert not obj.present and not obj.mask.any()
        assert (obj.low_res_logits == -1024.0).all()


def test_click_after_clearing_last_prompt_starts_afresh(model, frames) -> None:
    session = VideoSession(model, frames[:4])
    session.add_points(0, 1, *CLICK)
    list(session.propagate(0))
    cleared = session.clear_prompts(0, 1)
    assert cleared.objects[1].score is not None  # its output on frame 0 stays
    # the reference asserts here (a tracked frame but no conditioning frame left)
    result = session.add_points(2, 1, [[500, 300]], [1])
    assert result.objects[1].score is not None
    assert [r.frame for r in session.propagate(2)] == [2, 3]


def test_repropagation_after_correction_reuses_features(model, frames) -> None:
    source = CountingSource(frames, length=50)
    session = VideoSession(model, source)
    session.add_points(0, 1, *CLICK)
    list(session.propagate(0, max_frames=3))
    assert session.feature_cache.encoder_calls == 4
    assert source.reads == 4  # lazy: only the frames processed (size came from attributes)
    session.add_points(2, 1, [[420, 250]], [1])  # a correction on a tracked frame
    list(session.propagate(0, max_frames=3))
    assert session.feature_cache.encoder_calls == 4
    assert source.reads == 4
    # with no budget every pass encodes again
    uncached = VideoSession(model, source, feature_cache_bytes=0)
    uncached.add_points(0, 1, *CLICK)
    list(uncached.propagate(0, max_frames=1))
    uncached.add_points(0, 1, [[420, 250]], [1], clear_old=False)
    list(uncached.propagate(0, max_frames=1))
    assert uncached.feature_cache.encoder_calls == 6  # (click, its memory, frame 1) twice


def test_tracking_state_stays_bounded(model, frames) -> None:
    num_maskmem = model.num_maskmem
    source = CountingSource(frames, length=2 * num_maskmem + 4)
    session = VideoSession(model, source, recent_hot_frames=0)  # only what track_step reads
    session.add_points(0, 1, *CLICK)
    bound = 1 + (num_maskmem - 1) + num_maskmem  # cond frame, its neighbours, the window
    counts = [session.retained_outputs(1) for _ in session.propagate(0)]
    assert max(counts) <= bound
    assert counts[-1] == bound  # steady state: older outputs were reduced to masks
    assert session.tracked_frames(1) == list(range(len(source)))
    # a reduced frame still shows its mask, and a correction there works
    cold = num_maskmem + 1
    assert session.frame_result(cold).objects[1].score is not None
    session.add_points(cold, 1, [[420, 250]], [1])
    counts = [session.retained_outputs(1) for _ in session.propagate(len(source) - 1, "backward")]
    assert max(counts) <= bound + 1 + 2 * (num_maskmem - 1)  # plus the new conditioning frame


def test_short_runs_all_over_do_not_pile_up(model, frames) -> None:
    num_maskmem = model.num_maskmem
    session = VideoSession(model, CountingSource(frames, length=60))
    session.add_points(0, 1, *CLICK)
    starts = [10, 18, 26, 34, 42, 50]  # 5 frames each, far from the prompt and each other
    for start in starts:
        list(session.propagate(start, max_frames=4))
    assert len(session.tracked_frames(1)) == 5 * len(starts)  # frame 0 was only prompted
    loose = session.retained_outputs(1) - 1  # minus the conditioning frame
    assert loose <= session.recent_hot_frames + num_maskmem < 5 * len(starts)


def test_unchanged_objects_are_not_retracked_after_a_correction(model, frames) -> None:
    def session_after_correction(reuse: bool) -> tuple[VideoSession, list[FrameResult]]:
        session = VideoSession(model, frames[:6])
        session.add_points(0, 1, *CLICK)
        session.add_box(0, 2, [170, 130, 290, 400])
        session.add_points(0, 3, [[600, 350]], [1])
        list(session.propagate(0))
        assert session.track_steps == 3 + 5 * 3  # three clicks, five frames for three objects
        session.add_points(3, 1, [[420, 250]], [1])  # correct object 1 only
        if not reuse:  # forget that objects 2 and 3 are unchanged: the reference's way
            for obj in (2, 3):
                session._objects[obj].segment = None
        return session, list(session.propagate(3))

    reused, results = session_after_correction(reuse=True)
    assert reused.track_steps == 3 + 15 + 1 + 2  # the correction, then object 1 on frames 4, 5
    assert reused.reused_steps == 2 * 3  # objects 2 and 3 on frames 3, 4, 5
    recomputed, expected = session_after_correction(reuse=False)
    assert recomputed.track_steps == 3 + 15 + 1 + 2 + 6
    for a, b in zip(results, expected, strict=True):
        _same(a, b)


def test_fast_mode_tracks_like_float32(model, frames) -> None:
    """bfloat16 fast mode (where the CPU has it) gives nearly float32's masks on every frame."""
    results = {}
    for fast in (False, True):
        session = VideoSession(model, frames, fast=fast)
        assert session.fast == (fast and bf16_supported(torch.device("cpu")))
        session.add_points(0, 1, *CLICK)
        session.add_box(0, 2, [170, 130, 290, 400])
        results[fast] = {
            (r.frame, k): o.mask for r in session.propagate(0) for k, o in r.objects.items()
        }
    ious = []
    for key, exact in results[False].items():
        fast_mask = results[True][key]
        union = np.logical_or(exact, fast_mask).sum()
        ious.append(np.logical_and(exact, fast_mask).sum() / union if union else 1.0)
    assert len(ious) == 2 * len(frames)
    assert np.mean(ious) >= 0.97 and min(ious) >= 0.9, ious
