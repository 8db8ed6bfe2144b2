"""Export -> import is exact for every format that can hold exact masks (property test).

Masks are random (noise with holes and islands, or blobs) and disjoint, since DAVIS and VOC
label maps hold one object per pixel; each format's own reader must give back the same
masks on the same frames.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.domain import Category, FrameMask, Mask, Project, Provenance, Track, Video
from annotator.io.formats import EXPORTERS, ExportOptions
from annotator.io.formats.coco_import import read_coco
from annotator.io.formats.cvat import read_cvat
from annotator.io.formats.importing import apply_import
from annotator.io.formats.isat import read_isat
from annotator.io.formats.labelme import read_labelme
from annotator.io.formats.video_import import read_davis, read_ytvis
from annotator.io.formats.voc import read_voc
from annotator.io.formats.yolo_import import read_yolo

from .conftest import blob_mask, empty_copy

READERS = {
    "coco": lambda p, out: read_coco(p, out / "annotations.json"),
    "coco-poly": lambda p, out: read_coco(p, out / "annotations.json"),
    "yolo-seg": lambda p, out: read_yolo(p, out, task="segment"),
    "ytvis": lambda p, out: read_ytvis(p, out / "annotations.json"),
    "davis": lambda p, out: read_davis(p, out),
    "cvat-video": lambda p, out: read_cvat(p, out),
    "labelme": lambda p, out: read_labelme(p, out),
    "isat": lambda p, out: read_isat(p, out),
    "voc": lambda p, out: read_voc(p, out),
}


@st.composite
def projects(draw) -> Project:
    """One video of up to 3 frames, up to 3 tracks with disjoint random masks."""
    h, w = draw(st.integers(2, 24)), draw(st.integers(2, 24))
    frames, tracks = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    noisy = draw(st.booleans())
    p = Project()
    with p.transaction():
        p.put_category(Category(1, "a", (255, 0, 0), 1, 0))
        p.put_category(Category(2, "b", (0, 255, 0), 2, 1))
        p.put_video(Video(1, "/v/clip.mp4", "fp", 10.0, w, h, frames))
        for t in range(1, tracks + 1):
            p.put_track(Track(t, 1, 1 + t % 2, f"t{t}"))
        for f in range(frames):
            owner = rng.integers(0, tracks + 1, (h, w))
            for t in range(1, tracks + 1):
                m = owner == t
                if not noisy:
                    m &= blob_mask(rng, h, w, holes=True, parts=2)
                if m.any():
                    p.put_masks([FrameMask(1, f, t, Mask.from_array(m), Provenance.EDITED)])
    return p


def _masks(project: Project) -> dict[int, list[Mask]]:
    out: dict[int, list[Mask]] = {}
    for r in project.masks(1):
        if not r.mask.is_empty:
            out.setdefault(r.frame, []).append(r.mask)
    return {f: sorted(m, key=lambda m: m.counts) for f, m in out.items()}


@pytest.mark.parametrize("fmt", sorted(READERS))
@settings(max_examples=25, deadline=None)
@given(project=projects())
def test_export_then_import_gives_the_same_masks(fmt, project):
    exporter, extra = EXPORTERS[fmt]
    options = ExportOptions(segmentation=extra.get("segmentation", "rle"), with_images=False)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ds"
        exporter(project, out, options, None)
        if not _masks(project):
            return  # nothing to import back (an import of nothing is refused or empty)
        target = empty_copy(project)
        apply_import(target, READERS[fmt](target, out))
    assert _masks(target) == _masks(project)
