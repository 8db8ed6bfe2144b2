"""SA-V import reproduces the masklets of the shared sample exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from annotator.domain import Project, Provenance, Video
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.importing import apply_import
from annotator.io.formats.sav import read_sav


@pytest.fixture
def sav_file(shared_dir):
    return shared_dir / "data" / "sav" / "sav_000001_manual.json"


def _project(num_frames: int = 483) -> Project:
    p = Project()
    p.put_video(Video(1, "/videos/sav_000001.mp4", "fp", 24.0, 480, 848, num_frames))
    p.put_video(Video(2, "/videos/other.mp4", "fp2", 24.0, 640, 480, 10))
    return p


def test_masklets_are_reproduced_exactly(sav_file):
    raw = json.loads(sav_file.read_text())
    project = _project()
    ids = apply_import(project, read_sav(project, sav_file, category="thing"))
    assert len(project.tracks(1)) == raw["masklet_num"] == 5
    assert {t.category_id for t in project.tracks()} == {project.category_by_name("thing").id}
    for i, per_frame in enumerate(raw["masklet"]):
        for mid, rle in zip(raw["masklet_id"], per_frame, strict=True):
            rec = project.mask(1, 4 * i, ids[("sav", mid)])
            assert rec is not None and rec.provenance is Provenance.IMPORTED
            assert rec.mask.counts == rle["counts"].encode() and rec.mask.size == (848, 480)
            if i % 10 == 0:  # and the pixels, decoded independently, on a sample of frames
                assert np.array_equal(rec.mask.to_array(), mask_utils.decode(rle).astype(bool))
    assert project.count_masks() == 121 * 5
    assert project.frames_with_masks(1) == list(range(0, 484, 4))


def test_wrong_video_or_sizes_are_refused(sav_file, tmp_path):
    project = _project(num_frames=100)
    with pytest.raises(ImportError_, match="need 481 video frames, video 1 has 100"):
        read_sav(project, sav_file)
    with pytest.raises(ImportError_, match="annotations are 480x848 but video 2"):
        read_sav(_project(), sav_file, video_id=2)
    raw = json.loads(sav_file.read_text())
    raw["masklet"][7][2]["size"] = [848, 481]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    with pytest.raises(ImportError_, match="masklet 2 frame 28"):
        read_sav(_project(), bad)
