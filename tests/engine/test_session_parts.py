"""Small parts of the video session: hole filling, the feature cache, cold frames."""

from __future__ import annotations

import torch

from annotator.engine.feature_cache import FeatureCache, FrameFeatures, default_cache_bytes
from annotator.engine.postprocess import fill_small_holes
from annotator.engine.tracking_state import NO_OBJECT_LOGIT, ColdFrame


def test_small_holes_filled_large_background_kept() -> None:
    logits = torch.full((2, 1, 12, 12), 5.0)
    logits[0, 0, 2:4, 2:4] = -3.0  # a 4-pixel hole: filled
    logits[0, 0, 6:9, 6:9] = -3.0  # a 9-pixel hole: kept (area > 8)
    logits[1, 0, :, 6:] = -3.0  # half the image is background: kept
    logits[1, 0, 1, 1] = logits[1, 0, 2, 2] = -1.0  # diagonal neighbours: one 2-pixel hole
    out = fill_small_holes(logits, 8)
    assert torch.equal(out[0, 0, 2:4, 2:4], torch.full((2, 2), 0.1))
    assert (out[0, 0, 6:9, 6:9] == -3.0).all()
    assert (out[1, 0, :, 6:] == -3.0).all()
    assert out[1, 0, 1, 1] == out[1, 0, 2, 2] == torch.tensor(0.1)
    assert logits[0, 0, 2, 2] == -3.0  # input untouched
    assert fill_small_holes(logits, 0) is logits


def _features(nbytes: int) -> FrameFeatures:
    return FrameFeatures(vision_feats=[torch.zeros(nbytes // 4)], feat_sizes=[(1, 1)])


def test_feature_cache_respects_budget_lru() -> None:
    cache = FeatureCache(max_bytes=3 * 400)
    calls = []
    for frame in (0, 1, 2):
        cache.get_or_compute(frame, lambda f=frame: calls.append(f) or _features(400))
    cache.get_or_compute(0, lambda: _features(400))  # hit: 0 becomes most recent
    cache.put(3, _features(400))  # evicts 1, the least recently used
    assert 1 not in cache and all(f in cache for f in (0, 2, 3))
    assert cache.nbytes == 1200 and cache.hits == 1 and cache.encoder_calls == 3
    cache.put(9, _features(5000))  # larger than the whole budget: not cached
    assert 9 not in cache and len(cache) == 3
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0
    assert 256 * 2**20 <= default_cache_bytes() <= 16 * 2**30


def test_cold_frame_keeps_mask_score_and_pointer() -> None:
    logits = torch.full((1, 1, 8, 8), -4.0)
    logits[..., 2:5, 3:6] = 7.0
    out = {
        "pred_masks": logits,
        "object_score_logits": torch.tensor([[2.0]]),
        "obj_ptr": torch.ones(1, 4),
    }
    cold = ColdFrame.from_output(out)
    assert torch.equal(cold.logits() > 0, logits > 0)
    assert cold.as_pointer_output()["maskmem_features"] is None
    absent = ColdFrame.from_output(
        {
            **out,
            "pred_masks": torch.full((1, 1, 8, 8), -1024.0),
            "object_score_logits": torch.tensor([[-3.0]]),
        }
    )
    assert (absent.logits() == NO_OBJECT_LOGIT).all()
