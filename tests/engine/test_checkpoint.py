"""Checkpoint loading: every released model loads strictly and is recognised from its tensors;
every kind of bad file gets its own clear error; pickled code is refused, never run."""

from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

import pytest
import torch

from annotator.engine.checkpoint import (
    expected_shapes,
    identify_checkpoint,
    inspect_checkpoint,
    load_model,
    read_state_dict,
)
from annotator.engine.checkpoint_errors import (
    CheckpointError,
    CheckpointNotFoundError,
    CorruptCheckpointError,
    ModelMismatchError,
    NotSAM2CheckpointError,
    StateDictMismatchError,
    UnknownModelError,
    UnsafeCheckpointError,
)
from tests.engine._checkpoints import (
    MODEL_NAMES,
    as_sam20,
    compact_state_dict,
    manifest,
    seeded_state_dict,
    write_checkpoint,
)

TINY21 = "sam2.1_hiera_tiny"
TINY20 = "sam2_hiera_tiny"


@pytest.fixture(scope="session")
def seeded_tiny_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """make_checkpoint.py's tiny checkpoints (2.1, and 2.0 from the same tensors), renamed."""
    folder = tmp_path_factory.mktemp("seeded")
    sd21 = seeded_state_dict(TINY21)
    return {
        TINY21: write_checkpoint(folder / "renamed_a.pt", sd21),
        TINY20: write_checkpoint(folder / "renamed_b.pt", as_sam20(sd21)),
    }


@pytest.fixture(scope="session")
def compact_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SAM2.1 tiny file with the official keys and shapes, for the error tests."""
    return write_checkpoint(
        tmp_path_factory.mktemp("compact") / "tiny.pt", compact_state_dict(TINY21)
    )


def _file_for(name: str, seeded: dict[str, Path], folder: Path) -> Path:
    if name in seeded:
        return seeded[name]
    return write_checkpoint(folder / "model.pt", compact_state_dict(name))


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if "large" in n else n for n in MODEL_NAMES],
)
def test_every_manifest_loads_strictly_and_is_recognised_under_any_name(
    name: str, seeded_tiny_files: dict[str, Path], tmp_path: Path
) -> None:
    assert expected_shapes(name) == manifest(name)
    path = _file_for(name, seeded_tiny_files, tmp_path)
    assert identify_checkpoint(path).name == name
    loaded = load_model(path, expected=name)
    assert loaded.config.name == name
    assert not loaded.model.training
    state = loaded.model.state_dict()
    assert {k: tuple(v.shape) for k, v in state.items()} == manifest(name)
    sd, layout = read_state_dict(path)
    assert layout == "{'model': state_dict}"
    key = "sam_mask_decoder.iou_prediction_head.layers.0.weight"
    assert torch.equal(state[key], sd[key])  # the file's values, not a random init


def test_a_misleading_file_name_does_not_matter(tmp_path: Path) -> None:
    path = write_checkpoint(
        tmp_path / "sam2.1_hiera_large.pt", as_sam20(compact_state_dict(TINY21))
    )
    info = inspect_checkpoint(path)
    assert info.config.name == TINY20
    assert info.num_tensors == len(manifest(TINY20))
    assert info.num_values == sum(t.numel() for t in compact_state_dict(TINY20).values())


@pytest.mark.parametrize("file_name, wrap", [("sam2_t.pt", True), ("sam2.1_t.pt", False)])
def test_ultralytics_files_load(tmp_path: Path, file_name: str, wrap: bool) -> None:
    # Ultralytics' SAM2Model uses Meta's module names and saves {"model": sd}; newer
    # Ultralytics versions also read a bare state dict. Both layouts must load.
    sd = compact_state_dict(TINY21)
    if file_name == "sam2_t.pt":
        sd = as_sam20(sd)
    path = write_checkpoint(tmp_path / file_name, sd, wrap=wrap)
    loaded = load_model(path)
    assert loaded.config.name == (TINY20 if file_name == "sam2_t.pt" else TINY21)
    assert loaded.layout == ("{'model': state_dict}" if wrap else "state_dict")


def test_other_wrappers_and_renamed_keys_load(tmp_path: Path) -> None:
    sd = compact_state_dict(TINY21)
    # saved from a DataParallel wrapper, under "state_dict", with the fuser's gamma as "weight"
    renamed = {
        "module." + k.replace("fuser.layers.0.gamma", "fuser.layers.0.weight"): v
        for k, v in sd.items()
    }
    path = tmp_path / "wrapped.pt"
    torch.save({"state_dict": renamed, "epoch": 3}, path)
    loaded = load_model(path, expected=TINY21)
    assert "module." in loaded.layout and "state_dict" in loaded.layout
    gamma = loaded.model.state_dict()["memory_encoder.fuser.layers.0.gamma"]
    assert torch.equal(gamma, sd["memory_encoder.fuser.layers.0.gamma"])


# --------------------------------------------------------------------------- wrong files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointNotFoundError, match="no such file"):
        load_model(tmp_path / "nope.pt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(CheckpointNotFoundError, match="folder"):
        identify_checkpoint(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    with pytest.raises(CorruptCheckpointError, match="empty"):
        load_model(path)


@pytest.mark.parametrize("legacy", [False, True])
def test_truncated_file(tmp_path: Path, compact_tiny: Path, legacy: bool) -> None:
    source = compact_tiny
    if legacy:  # torch's pre-1.6 format: a bare pickle stream
        source = tmp_path / "legacy.pt"
        torch.save(
            {"model": compact_state_dict(TINY21)}, source, _use_new_zipfile_serialization=False
        )
    data = source.read_bytes()
    path = tmp_path / "truncated.pt"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(CorruptCheckpointError, match="truncated") as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_json_file(tmp_path: Path) -> None:
    path = tmp_path / "config.pt"
    path.write_text(json.dumps({"model": {"image_encoder": [1, 2]}}))
    with pytest.raises(NotSAM2CheckpointError, match="JSON"):
        load_model(path)


def test_safetensors_file(tmp_path: Path) -> None:
    header = b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0\0\0\0")
    with pytest.raises(NotSAM2CheckpointError, match="safetensors"):
        load_model(path)


def test_zip_archive_that_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "models.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("models/readme.txt", "weights inside")
    with pytest.raises(NotSAM2CheckpointError, match="zip archive"):
        load_model(path)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.pt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(NotSAM2CheckpointError, match="not a PyTorch checkpoint"):
        load_model(path)


def test_plain_pickle_of_other_data(tmp_path: Path) -> None:
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps({"scores": [1, 2, 3], "name": "x"}, protocol=2))
    with pytest.raises(NotSAM2CheckpointError):
        load_model(path)


def test_state_dict_of_another_network(tmp_path: Path) -> None:
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    path = write_checkpoint(tmp_path / "resnet.pt", net.state_dict())
    with pytest.raises(NotSAM2CheckpointError, match="not those of a SAM2 model"):
        load_model(path)


def test_sam1_checkpoint(tmp_path: Path) -> None:
    sd = {
        "image_encoder.blocks.0.attn.qkv.weight": torch.zeros(3, 1),
        "prompt_encoder.point_embeddings.0.weight": torch.zeros(1, 4),
        "mask_decoder.iou_token.weight": torch.zeros(1, 4),
    }
    path = write_checkpoint(tmp_path / "sam_vit_b.pth", sd, wrap=False)
    with pytest.raises(NotSAM2CheckpointError, match="SAM 1"):
        load_model(path)


def test_dict_without_tensors(tmp_path: Path) -> None:
    path = tmp_path / "meta.pt"
    torch.save({"epoch": 3, "model": {"lr": 0.1}}, path)
    with pytest.raises(NotSAM2CheckpointError, match="not tensors"):
        load_model(path)


@pytest.mark.parametrize(
    "found, asked",
    [
        (TINY20, TINY21),
        (TINY21, TINY20),
        (TINY21, "sam2.1_hiera_base_plus"),
    ],
)
def test_another_model_than_asked(tmp_path: Path, found: str, asked: str) -> None:
    sd = compact_state_dict(TINY21)
    path = write_checkpoint(tmp_path / f"{asked}.pt", sd if found == TINY21 else as_sam20(sd))
    with pytest.raises(ModelMismatchError) as info:
        load_model(path, expected=asked)
    err = info.value
    assert (err.found, err.expected) == (found, asked)
    message = str(err)
    assert found in message and asked in message
    if "2.1" in found and "2.1" not in asked or "2.1" in asked and "2.1" not in found:
        assert "not interchangeable" in message


def test_missing_and_unexpected_keys_are_listed_and_abbreviated(tmp_path: Path) -> None:
    sd = compact_state_dict(TINY21)
    dropped = sorted(k for k in sd if k.startswith("memory_attention.layers.0."))[:11]
    for key in dropped:
        del sd[key]
    sd["extra_head.weight"] = torch.zeros(2, 2)
    sd["extra_head.bias"] = torch.zeros(2)
    path = write_checkpoint(tmp_path / "edited.pt", sd)
    with pytest.raises(StateDictMismatchError) as info:
        load_model(path)
    err = info.value
    assert err.missing == dropped
    assert err.unexpected == ["extra_head.bias", "extra_head.weight"]
    message = str(err)
    assert "11 missing" in message and "… and 3 more" in message
    assert dropped[0] in message and dropped[-1] not in message
    assert "2 unexpected: extra_head.bias, extra_head.weight" in message


def test_wrong_shape_is_reported(tmp_path: Path) -> None:
    sd = compact_state_dict(TINY21)
    key = "sam_mask_decoder.iou_token.weight"
    sd[key] = torch.zeros(2, 256)
    path = write_checkpoint(tmp_path / "reshaped.pt", sd)
    with pytest.raises(StateDictMismatchError) as info:
        load_model(path, expected=TINY21)
    assert info.value.wrong_shapes == [(key, (2, 256), (1, 256))]
    assert f"{key} is [2, 256] but the model expects [1, 256]" in str(info.value)


def test_unknown_trunk_and_what_expected_changes(tmp_path: Path) -> None:
    sd = {k: v for k, v in compact_state_dict(TINY21).items() if ".trunk.blocks.11." not in k}
    path = write_checkpoint(tmp_path / "shallow.pt", sd)
    with pytest.raises(UnknownModelError, match="96 channels wide and 11 blocks deep"):
        identify_checkpoint(path)
    with pytest.raises(StateDictMismatchError) as info:  # asked for tiny: say what is missing
        load_model(path, expected=TINY21)
    assert all(".trunk.blocks.11." in k for k in info.value.missing)


def test_a_missing_first_layer_is_reported_not_guessed(tmp_path: Path) -> None:
    sd = compact_state_dict(TINY21)
    del sd["image_encoder.trunk.patch_embed.proj.weight"]
    path = write_checkpoint(tmp_path / "no_patch_embed.pt", sd)
    with pytest.raises(StateDictMismatchError) as info:  # still identified, from pos_embed
        load_model(path)
    assert info.value.model_name == TINY21
    assert info.value.missing == ["image_encoder.trunk.patch_embed.proj.weight"]
    trunk_gone = {k: v for k, v in sd.items() if not k.startswith("image_encoder.")}
    path = write_checkpoint(tmp_path / "no_encoder.pt", trunk_gone)
    with pytest.raises(UnknownModelError, match="cannot be told"):
        load_model(path)


def test_unknown_expected_name_is_a_value_error(compact_tiny: Path) -> None:
    with pytest.raises(ValueError, match="sam2.1_hiera_tiny"):
        load_model(compact_tiny, expected="sam3_giant")


class _RunsCode:
    """Pickles as a call to os.system: unpickling it with plain pickle would run a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch '{self.marker}'",))


@pytest.mark.parametrize("container", ["pickle", "torch"])
def test_pickled_code_is_refused_not_run(tmp_path: Path, container: str) -> None:
    marker = tmp_path / "code_ran"
    path = tmp_path / "evil.pt"
    if container == "pickle":
        path.write_bytes(pickle.dumps({"model": _RunsCode(marker)}, protocol=2))
    else:
        torch.save({"model": {"x": torch.zeros(1)}, "hook": _RunsCode(marker)}, path)
    with pytest.raises(UnsafeCheckpointError, match="could run code") as info:
        load_model(path)
    assert info.value.global_name is not None and "system" in info.value.global_name
    assert not marker.exists()


def test_all_errors_share_one_base_type() -> None:
    for error in (
        CheckpointNotFoundError,
        CorruptCheckpointError,
        UnsafeCheckpointError,
        NotSAM2CheckpointError,
        UnknownModelError,
        ModelMismatchError,
        StateDictMismatchError,
    ):
        assert issubclass(error, CheckpointError)
