"""Shared helpers of the video-session tests: frames, seeded models, scenario replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from annotator.engine.sam2.model import SAM2Model
from annotator.engine.video_session import FrameResult, VideoSession
from tests.engine.conftest import load_seeded_model


def read_frames(parity_dir: Path, pattern: str, count: int) -> list[np.ndarray]:
    """RGB uint8 frames as the goldens read them (cv2.imread, BGR → RGB)."""
    frames = []
    for i in range(count):
        bgr = cv2.imread(str(parity_dir / pattern.format(i)), cv2.IMREAD_COLOR)
        assert bgr is not None, f"missing frame {i}"
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return frames


def seeded_model(
    seeded_checkpoint: Callable[..., Path], name: str, object_bias: float = 3.0
) -> SAM2Model:
    """`name` built from its config and loaded strictly with the make_checkpoint weights."""
    return load_seeded_model(seeded_checkpoint(name, 0, object_bias), name)


def replay(session: VideoSession, ops: list[dict[str, Any]]) -> list[tuple[int, FrameResult]]:
    """Run a parity scenario's operations; returns (op number, result) in output order."""
    out: list[tuple[int, FrameResult]] = []
    by_op: dict[int, list[FrameResult]] = {}
    for number, op in enumerate(ops):
        kind = op["op"]
        results: list[FrameResult] = []
        if kind == "add_points":
            results.append(
                session.add_points(
                    op["frame"],
                    op["obj"],
                    op["points"],
                    op["labels"],
                    clear_old=op.get("clear_old", True),
                )
            )
        elif kind == "add_box":
            results.append(
                session.add_box(
                    op["frame"], op["obj"], op["box"], op.get("points"), op.get("labels")
                )
            )
        elif kind == "add_mask":
            src_op, src_obj = op["from"]
            mask = by_op[src_op][-1].objects[src_obj].mask
            results.append(session.add_mask(op["frame"], op["obj"], mask))
        elif kind == "propagate":
            direction = "backward" if op.get("reverse") else "forward"
            results.extend(session.propagate(op["start"], direction, op.get("max_frames")))
        elif kind == "remove_object":
            session.remove_object(op["obj"])
        elif kind == "clear_frame":
            results.append(session.clear_prompts(op["frame"], op["obj"]))
        else:
            raise AssertionError(f"unknown op {kind}")
        by_op[number] = results
        out.extend((number, r) for r in results)
    return out


def pooled(low_res_logits: np.ndarray) -> np.ndarray:
    """4×4 average pooling of 256² logits to 64², as the goldens store them."""
    t = torch.from_numpy(low_res_logits)[None, None]
    return F.avg_pool2d(t, 4)[0, 0].numpy()


def load_golden(parity_dir: Path, name: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    golden = json.loads((parity_dir / "golden" / f"{name}.json").read_text())
    with np.load(parity_dir / "golden" / f"{name}.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    return golden, arrays
