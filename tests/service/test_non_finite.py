"""A model whose outputs are not finite: the service reports it as an error naming the frame
and object, sends no masks, and keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.service import EngineError, EngineFailure, EngineService, MaskResult
from tests.engine._checkpoints import seeded_state_dict, write_checkpoint

from .conftest import IMAGE_SIZE


@pytest.fixture(scope="module")
def overflowing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Finite weights whose outputs overflow: the mask decoder's last layer scaled by 1e38."""
    sd = seeded_state_dict("sam2.1_hiera_tiny")
    for key in [k for k in sd if k.startswith("sam_mask_decoder.output_hypernetworks_mlps")]:
        sd[key] = sd[key] * 1e38
    return write_checkpoint(tmp_path_factory.mktemp("overflow") / "overflowing.pt", sd)


def test_non_finite_outputs_are_an_error_and_no_mask(overflowing, frames, log) -> None:
    with EngineService(num_threads=1, listeners=[log]) as svc:
        svc.load_model(overflowing, image_size=IMAGE_SIZE).result(120)
        svc.set_video(frames).result(120)
        with pytest.raises(EngineFailure) as failure:
            svc.add_points(2, 1, [[80, 45]], [1]).result(120)
        assert "NaN or infinite values on frame 2 for object 1" in failure.value.message
        error = log.of(EngineError)[-1]
        assert error.kind == "NonFiniteOutputError" and not error.needs_restart
        assert log.of(MaskResult) == []
        assert svc.alive
