"""NaN and inf: a checkpoint holding them is refused when loading and verifying, and a run
whose outputs are not finite stops with an error before it writes or removes a mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from annotator.cli import main
from annotator.domain import History, Mask, Provenance, SetMask
from annotator.engine.checkpoint import inspect_checkpoint, load_model
from annotator.engine.checkpoint_errors import CorruptCheckpointError, NonFiniteCheckpointError
from annotator.engine.session_errors import NonFiniteOutputError
from annotator.engine.video_session import VideoSession
from annotator.engine.weights import VerificationError, WeightsManager
from annotator.io.sample_clip import write_sample_clip
from annotator.io.store import open_project
from tests.engine._checkpoints import seeded_state_dict, write_checkpoint
from tests.engine.test_propagate_command import make_project

TINY = "sam2.1_hiera_tiny"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_clip(tmp_path_factory.mktemp("clip") / "sample.mp4")


@pytest.fixture(scope="module")
def tiny_sd() -> dict[str, torch.Tensor]:
    return seeded_state_dict(TINY)


@pytest.fixture(scope="module")
def overflowing(tiny_sd: dict[str, torch.Tensor], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Finite weights whose outputs overflow: the mask decoder's last layer scaled by 1e38."""
    sd = dict(tiny_sd)
    for key in [k for k in sd if k.startswith("sam_mask_decoder.output_hypernetworks_mlps")]:
        sd[key] = sd[key] * 1e38
    return write_checkpoint(tmp_path_factory.mktemp("overflow") / "overflowing.pt", sd)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_checkpoint_with_non_finite_values_is_refused(
    tmp_path: Path, bad: float, tiny_sd: dict[str, torch.Tensor]
) -> None:
    sd = {k: v.clone() for k, v in tiny_sd.items()}
    sd["sam_mask_decoder.iou_prediction_head.layers.0.weight"][0, 3] = bad
    sd["memory_attention.layers.0.self_attn.q_proj.bias"][1] = bad
    path = write_checkpoint(tmp_path / "diverged.pt", sd)
    for read in (inspect_checkpoint, load_model):
        with pytest.raises(NonFiniteCheckpointError) as caught:
            read(path)
        assert isinstance(caught.value, CorruptCheckpointError)
        message = str(caught.value)
        assert str(path) in message and "NaN or infinite" in message
        assert "memory_attention.layers.0.self_attn.q_proj.bias" in message
    with pytest.raises(VerificationError, match="NaN or infinite"):
        WeightsManager(tmp_path / "cache").verify(path)


def test_a_session_refuses_non_finite_outputs(overflowing: Path) -> None:
    loaded = load_model(overflowing)  # finite on disk: loads
    loaded.model.set_imgsz(256)
    frames = [np.full((64, 96, 3), 120, np.uint8) for _ in range(3)]
    session = VideoSession(loaded.model, frames)
    with pytest.raises(NonFiniteOutputError, match="frame 1.*object 7"):
        session.add_points(1, 7, [[40.0, 30.0]], [1])


def test_propagate_with_non_finite_outputs_stops_and_keeps_every_mask(
    tmp_path: Path, clip: Path, overflowing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project_file = tmp_path / "p.annotator"
    vid, track = make_project(project_file, clip)
    with open_project(project_file) as project:  # frames 0-4 propagated by an earlier run
        history = History(project)
        blob = np.zeros((project.video(vid).height, project.video(vid).width), bool)
        blob[10:40, 10:40] = True
        for frame in range(5):
            history.execute(
                SetMask(vid, frame, track, Mask.from_array(blob), Provenance.PROPAGATED)
            )
        before = {f: project.mask(vid, f, track) for f in project.frames_with_masks(vid)}
    args = ["propagate", str(project_file), "--model", str(overflowing), "--image-size", "256"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "NaN or infinite" in err and "nothing was written" in err
    with open_project(project_file) as project:
        after = {f: project.mask(vid, f, track) for f in project.frames_with_masks(vid)}
    assert after == before  # frames 0-5 as they were: nothing written, nothing removed
