"""Read SAM2 checkpoint files safely, tell which of the eight models one is, load it strictly.

Safety: files are always read with ``torch.load(..., weights_only=True)``. A checkpoint is a
pickle, and an ordinary unpickle can run arbitrary code; the weights-only unpickler accepts
nothing but tensors and plain containers, so a file smuggling code is refused
(`UnsafeCheckpointError`), never executed.

Accepted layouts: Meta's released files (``{"model": state_dict}``, fp32), the same dict saved
by Ultralytics under ``sam2_t.pt``/``sam2.1_b.pt``... (their ``SAM2Model`` uses Meta's module
names, so the keys are identical), a bare state dict, ``{"state_dict": ...}`` and keys
prefixed ``module.`` (saved from a DataParallel wrapper). Which model a file holds is read
from its keys and shapes only (trunk width and depth, the SAM2.1-only tensors), never from its
name, so a renamed file still loads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from annotator.engine.checkpoint_errors import (
    CheckpointError,
    CheckpointNotFoundError,
    CorruptCheckpointError,
    ModelMismatchError,
    NonFiniteCheckpointError,
    NotSAM2CheckpointError,
    StateDictMismatchError,
    UnknownModelError,
    UnsafeCheckpointError,
    abbreviate,
)
from annotator.engine.sam2.config import MODEL_CONFIGS, ModelConfig

if TYPE_CHECKING:
    from annotator.engine.sam2.model import SAM2Model

# tensors that tell the trunk's width: (key, axis holding the width), most direct first
WIDTH_KEYS = (
    ("image_encoder.trunk.patch_embed.proj.weight", 0),
    ("image_encoder.trunk.pos_embed", 1),
    ("image_encoder.neck.convs.3.conv.weight", 1),  # the neck's lateral conv of stage 1
)
TRUNK_BLOCK_RE = re.compile(r"^image_encoder\.trunk\.blocks\.(\d+)\.")
# tensors only SAM2.1 files hold (its no_obj_embed_spatial and proj_tpos_enc_in_obj_ptrs)
SAM21_ONLY_KEYS = ("no_obj_embed_spatial", "obj_ptr_tpos_proj.weight", "obj_ptr_tpos_proj.bias")
# first name component of every tensor in a SAM2 checkpoint
SAM2_TOP_LEVEL = frozenset(
    {
        "image_encoder",
        "sam_prompt_encoder",
        "sam_mask_decoder",
        "memory_attention",
        "memory_encoder",
        "mask_downsample",
        "obj_ptr_proj",
        "obj_ptr_tpos_proj",
        "maskmem_tpos_enc",
        "no_mem_embed",
        "no_mem_pos_enc",
        "no_obj_ptr",
        "no_obj_embed_spatial",
    }
)
# keys some re-saved copies use instead of the official names: (pattern, replacement)
KEY_ALIASES = ((re.compile(r"^(memory_encoder\.fuser\.layers\.\d+)\.weight$"), r"\1.gamma"),)

ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint file holds, once read, identified and checked against its model."""

    path: Path
    config: ModelConfig
    layout: str  # how the tensors were wrapped, e.g. "{'model': state_dict}"
    num_tensors: int
    num_values: int


@dataclass
class LoadedModel:
    """A SAM2 model with a checkpoint's weights, in eval mode, and the config it was built from."""

    model: SAM2Model
    config: ModelConfig
    path: Path
    layout: str


# --------------------------------------------------------------------------- reading


def _sniff(path: Path, head: bytes) -> str:
    """'zip', 'pickle' or raise: recognise files that are plainly not torch checkpoints."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        raise NotSAM2CheckpointError(path, "this is a JSON or text file, not a model checkpoint.")
    if len(head) >= 9 and head[8:9] == b"{":
        raise NotSAM2CheckpointError(
            path,
            "this looks like a safetensors file; the annotator reads the .pt checkpoints "
            "that Meta publishes (see `annotator models download`).",
        )
    raise NotSAM2CheckpointError(path, "this is not a PyTorch checkpoint (unrecognised content).")


def _translate_load_error(path: Path, exc: BaseException, kind: str, size: int) -> Exception:
    """Turn torch's zip/pickle/weights-only errors into one of our own, with a useful message."""
    text = str(exc)
    unsafe = re.search(r"\bGLOBAL ([\w.]+)", text)  # "Unsupported global: GLOBAL x.y" and others
    if unsafe:
        name = unsafe.group(1)
        return UnsafeCheckpointError(
            path,
            f"the file contains a pickled Python object ({name}), and loading it could run "
            "code. Only plain tensor checkpoints are accepted; this file was not loaded.",
            global_name=name,
        )
    if kind == "zip" and any(
        sign in text for sign in ("not in a subdirectory", "hasRecord", "failed locating file")
    ):
        return NotSAM2CheckpointError(
            path,
            "this is a zip archive but not a PyTorch checkpoint; if it contains one, "
            "extract it first.",
        )
    damaged = (
        isinstance(exc, EOFError)
        or "central directory" in text
        or "unexpected EOF" in text
        or "PytorchStreamReader" in text
        or "truncated" in text.lower()
    )
    if damaged or kind == "zip":
        return CorruptCheckpointError(
            path,
            f"the file is truncated or damaged ({size:,} bytes; an interrupted download?). "
            "Download it again.",
        )
    if "magic number" in text:  # a pickle, but not torch's legacy format
        return NotSAM2CheckpointError(
            path, "this is a plain Python pickle, not a PyTorch checkpoint."
        )
    if "Weights only load failed" in text:
        return NotSAM2CheckpointError(
            path,
            "this is a Python pickle that holds no model weights (or holds objects other "
            "than tensors), not a SAM2 checkpoint.",
        )
    return CorruptCheckpointError(path, f"cannot be read as a PyTorch checkpoint: {text[:200]}")


def _torch_load(path: Path) -> tuple[Any, str]:
    """torch.load with weights_only=True (never runs pickled code); our errors on failure."""
    if not path.exists():
        raise CheckpointNotFoundError(path, "no such file.")
    if path.is_dir():
        raise CheckpointNotFoundError(path, "this is a folder, not a checkpoint file.")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise CheckpointNotFoundError(path, f"cannot be read: {exc.strerror or exc}.") from exc
    if size == 0:
        raise CorruptCheckpointError(path, "the file is empty (0 bytes). Download it again.")
    kind = _sniff(path, head)
    try:
        # mmap: tensors are read lazily, so identifying a 900 MB file costs almost nothing
        return torch.load(path, map_location="cpu", weights_only=True, mmap=kind == "zip"), kind
    except Exception as exc:  # torch raises RuntimeError, UnpicklingError, EOFError, ...
        error = _translate_load_error(path, exc, kind, size)
        if kind != "zip" or isinstance(error, UnsafeCheckpointError):
            raise error from exc
    try:  # a zip checkpoint that cannot be memory-mapped: read it whole
        return torch.load(path, map_location="cpu", weights_only=True), kind
    except Exception as exc:
        raise _translate_load_error(path, exc, kind, size) from exc


def _describe(obj: Any) -> str:
    if isinstance(obj, Mapping):
        return f"a dict with keys {abbreviate(map(str, obj.keys()))}"
    return f"a {type(obj).__name__}"


def _unwrap(path: Path, obj: Any) -> tuple[dict[str, torch.Tensor], str]:
    """The state dict inside a loaded checkpoint object, and a word on how it was wrapped."""
    sd: Any = None
    layout = ""
    if isinstance(obj, Mapping):
        for wrapper in ("model", "state_dict"):
            if isinstance(obj.get(wrapper), Mapping):
                sd, layout = obj[wrapper], f"{{'{wrapper}': state_dict}}"
                break
        else:
            if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
                sd, layout = obj, "state_dict"
    if sd is None:
        raise NotSAM2CheckpointError(
            path, f"it holds {_describe(obj)}, not the tensors of a SAM2 model."
        )
    not_tensors = [str(k) for k, v in sd.items() if not isinstance(v, torch.Tensor)]
    if not_tensors or not sd:
        raise NotSAM2CheckpointError(
            path,
            "its state dict holds entries that are not tensors "
            f"({abbreviate(not_tensors)}), not the weights of a SAM2 model."
            if not_tensors
            else "its state dict is empty.",
        )
    keys = [str(k) for k in sd]
    if all(k.startswith("module.") for k in keys):
        sd = {k[len("module.") :]: v for k, v in sd.items()}
        layout += " (module. prefix removed)"
    return dict(sd), layout


def _apply_aliases(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename keys that re-saved copies spell differently, where the official name is absent."""
    out = dict(sd)
    for key in list(sd):
        for pattern, replacement in KEY_ALIASES:
            official = pattern.sub(replacement, key)
            if official != key and official not in out and sd[key].dim() == 1:
                out[official] = out.pop(key)
    return out


def read_state_dict(path: str | Path) -> tuple[dict[str, torch.Tensor], str]:
    """(state dict, layout) of a checkpoint file; our `CheckpointError`s on any bad file.

    Loaded with ``weights_only=True``: pickled code in the file is refused, never run.
    """
    path = Path(path)
    obj, _ = _torch_load(path)
    sd, layout = _unwrap(path, obj)
    return _apply_aliases(sd), layout


# --------------------------------------------------------------------------- identifying


def _guess_not_sam2(path: Path, keys: list[str]) -> None:
    """Raise a specific error when the tensors are clearly not SAM2's."""
    tops = [k.split(".", 1)[0] for k in keys]
    if any(t in ("mask_decoder", "prompt_encoder") for t in tops) and not any(
        t == "sam_mask_decoder" for t in tops
    ):
        raise NotSAM2CheckpointError(
            path,
            "this looks like an original Segment Anything (SAM 1) checkpoint; the annotator "
            "needs a SAM2 or SAM2.1 checkpoint.",
        )
    share = sum(t in SAM2_TOP_LEVEL for t in tops) / max(len(tops), 1)
    if share < 0.5:
        raise NotSAM2CheckpointError(
            path,
            f"its {len(keys)} tensors are not those of a SAM2 model "
            f"(for example {abbreviate(keys[:3])}).",
        )


def identify_state_dict(
    sd: Mapping[str, torch.Tensor], path: str | Path = "<state dict>"
) -> ModelConfig:
    """Which of the eight released models a state dict belongs to, from keys and shapes alone.

    Size from the trunk's width (patch embedding channels, or failing that the tensors next
    to it) and depth (number of blocks);
    version from the tensors only SAM2.1 has.
    """
    path = Path(path)
    keys = list(sd)
    _guess_not_sam2(path, keys)
    widths = [int(sd[k].shape[axis]) for k, axis in WIDTH_KEYS if k in sd and sd[k].dim() > axis]
    if not widths:
        raise UnknownModelError(
            path,
            "SAM2-like tensors, but without the image encoder's first layers "
            f"({', '.join(k for k, _ in WIDTH_KEYS)}), so the model cannot be told.",
        )
    width = widths[0]
    blocks = {int(m.group(1)) for k in keys if (m := TRUNK_BLOCK_RE.match(k))}
    depth = max(blocks) + 1 if blocks else 0
    version = "2.1" if any(k in sd for k in SAM21_ONLY_KEYS) else "2.0"
    for config in MODEL_CONFIGS.values():
        if (
            config.version == version
            and config.trunk.embed_dim == width
            and config.trunk.depth == depth
        ):
            return config
    known = "; ".join(
        f"{c.size} {c.trunk.embed_dim}/{c.trunk.depth}"
        for c in MODEL_CONFIGS.values()
        if c.version == "2.0"
    )
    raise UnknownModelError(
        path,
        f"its image encoder is {width} channels wide and {depth} blocks deep, which is none of "
        f"the released SAM2 models (width/depth: {known}).",
    )


def identify_checkpoint(path: str | Path) -> ModelConfig:
    """The config of the released model a checkpoint file holds (its name does not matter)."""
    sd, _ = read_state_dict(path)
    return identify_state_dict(sd, path)


# --------------------------------------------------------------------------- checking


def _build_model(config: ModelConfig, device: str | torch.device = "cpu") -> SAM2Model:
    from annotator.engine.sam2.model import SAM2Model

    with torch.device(device):
        return SAM2Model(config)


@functools.cache
def expected_shapes(name: str) -> dict[str, tuple[int, ...]]:
    """Every tensor name and shape `SAM2Model(MODEL_CONFIGS[name])` loads (built on 'meta')."""
    config = MODEL_CONFIGS[name]
    try:
        model = _build_model(config, "meta")  # no memory, no random init
    except Exception:  # a module that cannot be built on the meta device
        model = _build_model(config, "cpu")
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def _resolve_expected(expected: str | ModelConfig | None) -> ModelConfig | None:
    if expected is None or isinstance(expected, ModelConfig):
        return expected
    if expected not in MODEL_CONFIGS:
        raise ValueError(
            f"unknown SAM2 model {expected!r}; known models: {', '.join(MODEL_CONFIGS)}"
        )
    return MODEL_CONFIGS[expected]


def _label(config: ModelConfig) -> str:
    return f"SAM{config.version} {config.size} ({config.name})"


def check_expected(path: str | Path, found: ModelConfig, expected: ModelConfig) -> None:
    """Raise `ModelMismatchError` when a file holds another model than the one asked for."""
    if found.name == expected.name:
        return
    message = f"this is a {_label(found)} checkpoint, but {_label(expected)} was asked for."
    if found.version != expected.version:
        message += (
            " SAM2.0 and SAM2.1 checkpoints are not interchangeable (SAM2.1 adds "
            f"{', '.join(SAM21_ONLY_KEYS)})."
        )
    message += f" Use a {expected.name} file (`annotator models download {expected.name}`)."
    raise ModelMismatchError(path, message, found=found.name, expected=expected.name)


def check_state_dict(
    sd: Mapping[str, torch.Tensor], config: ModelConfig, path: str | Path = "<state dict>"
) -> None:
    """Raise `StateDictMismatchError` unless the keys and shapes equal the model's exactly."""
    want = expected_shapes(config.name)
    missing = [k for k in want if k not in sd]
    unexpected = [k for k in sd if k not in want]
    wrong = [
        (k, tuple(sd[k].shape), want[k]) for k in want if k in sd and tuple(sd[k].shape) != want[k]
    ]
    if missing or unexpected or wrong:
        raise StateDictMismatchError(
            path, config.name, missing=missing, unexpected=unexpected, wrong_shapes=wrong
        )


def check_finite(sd: Mapping[str, torch.Tensor], path: str | Path = "<state dict>") -> None:
    """Raise `NonFiniteCheckpointError` naming every float tensor that holds a NaN or inf."""
    bad = [
        key
        for key, tensor in sd.items()
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())
    ]
    if bad:
        raise NonFiniteCheckpointError(path, bad)


def _identify_and_check(
    path: Path, sd: dict[str, torch.Tensor], expected: ModelConfig | None
) -> ModelConfig:
    try:
        config = identify_state_dict(sd, path)
    except UnknownModelError:
        if expected is None:
            raise
        config = expected  # report precisely which tensors differ from the model asked for
    if expected is not None:
        check_expected(path, config, expected)
    check_state_dict(sd, config, path)
    check_finite(sd, path)
    return config


def inspect_checkpoint(
    path: str | Path, *, expected: str | ModelConfig | None = None
) -> CheckpointInfo:
    """Read, identify and strictly check a checkpoint without building the model (cheap)."""
    path = Path(path)
    want = _resolve_expected(expected)
    sd, layout = read_state_dict(path)
    config = _identify_and_check(path, sd, want)
    return CheckpointInfo(
        path=path,
        config=config,
        layout=layout,
        num_tensors=len(sd),
        num_values=sum(t.numel() for t in sd.values()),
    )


def load_model(
    path: str | Path,
    *,
    expected: str | ModelConfig | None = None,
    device: str | torch.device = "cpu",
) -> LoadedModel:
    """Build the model a checkpoint holds and load its weights strictly, in eval mode.

    `expected` (a model name or config) makes a file of another model an error rather than
    a silent switch. The file is read with ``weights_only=True``: pickled code is refused.
    """
    path = Path(path)
    want = _resolve_expected(expected)
    sd, layout = read_state_dict(path)
    config = _identify_and_check(path, sd, want)
    model = _build_model(config, "cpu")
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as exc:  # our check passed, so this is an oddity only torch saw
        raise CheckpointError(path, f"the weights do not load into {config.name}: {exc}") from exc
    del sd
    model.to(device)
    model.eval()
    return LoadedModel(model=model, config=config, path=path, layout=layout)
