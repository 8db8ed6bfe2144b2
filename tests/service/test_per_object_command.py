"""`annotator propagate` tracks each object outward from its own keyframes, keeps absent
frames empty, and `--objects` leaves the other objects' masks untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from annotator.cli import main
from annotator.domain import AddTrack, AddVideo, History, Mask, Prompt, Provenance, SetMask
from annotator.domain.absence import MarkAbsent
from annotator.io.frames import open_frames
from annotator.io.sample_clip import write_sample_clip
from annotator.io.store import create_project, open_project
from tests.domain.helpers import dump


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_clip(tmp_path_factory.mktemp("clip") / "sample.mp4")


def _clicked(h: int, w: int, x: int, y: int) -> tuple[Mask, Prompt]:
    blob = np.zeros((h, w), bool)
    blob[y - 20 : y + 20, x - 20 : x + 20] = True
    return Mask.from_array(blob), Prompt(points=((float(x), float(y)),), labels=(1,))


def _project(path: Path, clip: Path) -> tuple[int, int, int]:
    """Object 1 clicked on frame 2 and absent on 4; object 2 clicked on frame 6."""
    with open_frames(clip, background=False) as frames:
        n, h, w = len(frames), frames.height, frames.width
    with create_project(path) as project:
        history = History(project)
        vid = history.execute(AddVideo(str(clip), "fp", 24, w, h, n)).video_id
        one = history.execute(AddTrack(vid)).track_id
        two = history.execute(AddTrack(vid)).track_id
        for track, frame, (x, y) in ((one, 2, (310, 180)), (two, 6, (120, 90))):
            mask, prompt = _clicked(h, w, x, y)
            history.execute(SetMask(vid, frame, track, mask, Provenance.PROMPTED, 3.0, prompt))
        history.execute(MarkAbsent(vid, one, 4))
    return vid, one, two


def test_objects_start_at_their_keyframes_absence_sticks_and_objects_limits(
    tmp_path: Path,
    clip: Path,
    seeded_checkpoint: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "p.annotator"
    vid, one, two = _project(path, clip)
    base = ["propagate", str(path), "--model", str(seeded_checkpoint("sam2.1_hiera_tiny"))]
    base += ["--image-size", "256"]
    assert main([*base, "--start", "0", "--frames", "8", "--direction", "forward"]) == 0
    with open_project(path) as project:
        assert project.frames_with_masks(vid, one) == [2, 3, 5, 6, 7, 8]  # not 4: absent
        assert project.frames_with_masks(vid, two) == [6, 7, 8]
        before = dump(project)
    assert main([*base, "--start", "8", "--direction", "backward", "--objects", str(two)]) == 0
    with open_project(path) as project:
        assert project.frames_with_masks(vid, two) == list(range(9))
        after = dump(project)["masks"]
        assert [r for r in after if r[2] == one] == [r for r in before["masks"] if r[2] == one]
    capsys.readouterr()
    assert main([*base, "--objects", "7"]) == 1
    assert f"video {vid} has no object 7 (objects: {one}, {two})" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--objects", "x"])
    assert "--objects takes object ids separated by commas" in capsys.readouterr().err
