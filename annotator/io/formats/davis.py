"""DAVIS 2017 semi-supervised VOS layout: per-frame indexed (palette) PNG masks.

Layout, as the official davis2017-evaluation reads it (`DAVIS(root, subset=...)`):
`JPEGImages/480p/<seq>/<frame:05d>.jpg`, `Annotations/480p/<seq>/<frame:05d>.png` (one
single-channel palette PNG per exported frame: 0 background, object k = the k-th track of
the video by track id, stable over the whole video) and `ImageSets/2017/{train,val}.txt`
(the sequences; with a split over several videos whole videos go to val, without one both
files list every sequence). The folder is named `480p` because the evaluation looks there;
frames keep the video's own resolution, always JPEG (the evaluation globs `*.jpg`).
`meta.json` maps per sequence each object index to its track name and category.
Where objects overlap, the pixel goes to the object with the higher object score; masks
without a score (drawn or corrected by the user, or imported) count as certain and win.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from annotator.domain import FrameMask, Project
from annotator.io.formats.errors import ExportError
from annotator.io.formats.naming import sequence_name
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.plan import (
    ExportPlan,
    ExportSummary,
    OpenFrames,
    export_run,
    write_text_atomic,
)
from annotator.io.formats.split import TRAIN, VAL, split_videos

RESOLUTION = "480p"
"""The resolution folder davis2017-evaluation reads (its default `resolution`)."""


def davis_palette() -> NDArray[np.uint8]:
    """The 256-entry colour map DAVIS and PASCAL VOC masks use (bits of the index spread
    over the high bits of R, G and B), as a (256, 3) uint8 array."""
    index = np.arange(256)
    pal = np.zeros((256, 3), np.int64)
    for shift in range(8):
        for channel in range(3):
            bit = (index >> (shift * 3 + channel)) & 1
            pal[:, channel] |= bit << (7 - shift)
    return pal.astype(np.uint8)


def encode_palette_png(indices: NDArray[np.uint8], palette: NDArray[np.uint8]) -> bytes:
    """An 8-bit indexed-colour PNG of a (H, W) uint8 array with a (N<=256, 3) palette."""
    if indices.ndim != 2 or indices.dtype != np.uint8:
        raise ValueError("palette PNG needs a 2-D uint8 array")
    h, w = indices.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = np.zeros((h, w + 1), np.uint8)  # filter byte 0 ("none") before each row
    raw[:, 1:] = indices
    header = struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", palette.astype(np.uint8).tobytes())
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def compose_label_map(
    records: list[FrameMask], object_index: dict[int, int], height: int, width: int
) -> NDArray[np.uint8]:
    """(H, W) uint8 map: 0 background, object_index[track] where that track's mask is.

    Painted from the least to the most trusted mask, so overlaps go to the highest object
    score (no score = certain); equal scores go to the lower track id.
    """
    out = np.zeros((height, width), np.uint8)

    def trust(rec: FrameMask) -> tuple[float, int]:
        score = math.inf if rec.score is None else rec.score
        return (score, -rec.track_id)

    for rec in sorted(records, key=trust):
        if not rec.mask.is_empty:
            out[rec.mask.to_array()] = object_index[rec.track_id]
    return out


def _subsets(
    plan: ExportPlan, sequences: dict[int, str], options: ExportOptions
) -> dict[str, list[str]]:
    """ImageSets/2017 lists: whole videos split to train/val, or every sequence in both."""
    if options.val_fraction > 0 and len(sequences) > 1:
        by_video = split_videos(list(sequences), options.val_fraction, options.seed)
        return {s: [sequences[v] for v in sequences if by_video[v] == s] for s in (TRAIN, VAL)}
    return {TRAIN: list(sequences.values()), VAL: list(sequences.values())}


def export_davis(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
) -> ExportSummary:
    """Write DAVIS-style palette masks (and frames) of `project` to `out_dir`."""
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        palette = davis_palette()
        meta: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        sequences: dict[int, str] = {}
        for video in plan.videos:
            seq = sequence_name(video.path, video.id)
            tracks = sorted(
                (t for t in plan.tracks.values() if t.video_id == video.id), key=lambda t: t.id
            )
            if len(tracks) > 255:
                raise ExportError(f"video {video.id} has {len(tracks)} objects; DAVIS allows 255")
            object_index = {t.id: k for k, t in enumerate(tracks, start=1)}
            names = {c.id: c.name for c in plan.categories}
            meta[seq] = {
                "objects": {
                    str(k): {"track": t.name, "category": names.get(t.category_id or 0, "")}
                    for t, k in ((t, object_index[t.id]) for t in tracks)
                }
            }
            sequences[video.id] = seq
            for frame, records in plan.frames(video):
                labels = compose_label_map(records, object_index, video.height, video.width)
                path = out / "Annotations" / RESOLUTION / seq / f"{frame:05d}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    path.write_bytes(encode_palette_png(labels, palette))
                except OSError as exc:
                    raise ExportError(f"cannot write {path}: {exc}") from exc
                writer.write(
                    video, frame, out / "JPEGImages" / RESOLUTION / seq / f"{frame:05d}.jpg"
                )
                summary.images += 1
                summary.annotations += sum(1 for r in records if not r.mask.is_empty)
        for subset, listed in _subsets(plan, sequences, options).items():
            path = out / "ImageSets" / "2017" / f"{subset}.txt"
            write_text_atomic(path, "".join(name + "\n" for name in listed))
            summary.files.append(path)
        write_text_atomic(out / "meta.json", json.dumps({"videos": meta}, indent=1))
        summary.files.append(out / "meta.json")
    return summary
