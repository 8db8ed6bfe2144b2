"""A truncated JPEG inside an image folder: the folder opens, the frame reports a clear,
catchable error naming it, the scrub pass goes on past it, and propagation names the frame it
stopped at (the frames before it are saved)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.cli import main
from annotator.domain import AddTrack, AddVideo, History, Mask, Prompt, Provenance, SetMask
from annotator.io.frames import FrameSourceError, UnreadableFrameError, open_frames
from annotator.io.store import create_project, open_project
from tests.io.frames_support import synthetic_frame

BAD = 3


def folder_with_a_truncated_jpeg(folder: Path, frames: int = 6) -> Path:
    """frame_0.jpg .. frame_5.jpg; frame_3.jpg cut after its first 400 bytes (header intact)."""
    folder.mkdir()
    for i in range(frames):
        cv2.imwrite(str(folder / f"frame_{i}.jpg"), synthetic_frame(i))
    bad = folder / f"frame_{BAD}.jpg"
    bad.write_bytes(bad.read_bytes()[:400])
    return folder


def expected_message(folder: Path) -> str:
    return (
        f"frame {BAD} (frame_{BAD}.jpg in {folder}) cannot be decoded: the image file is "
        "truncated or damaged. Replace it with a good copy, or move it out of the folder and "
        "open the folder again."
    )


def test_the_frame_is_a_catchable_error_and_the_rest_of_the_folder_is_read(
    tmp_path: Path,
) -> None:
    folder = folder_with_a_truncated_jpeg(tmp_path / "seq")
    with open_frames(folder, wait=True, use_proxy_cache=False) as src:
        assert len(src) == 6 and src.proxies_done == 6  # the pass went past the bad file
        assert src.frame_problem(2) is None and src[2].shape == (120, 160, 3)
        with pytest.raises(UnreadableFrameError) as caught:
            src[BAD]
        assert isinstance(caught.value, FrameSourceError) and caught.value.frame == BAD
        assert str(caught.value) == expected_message(folder)
        assert isinstance(src.request(BAD).exception(timeout=10), UnreadableFrameError)
        assert src.frame_problem(BAD) == expected_message(folder)
        assert src[BAD + 1].shape == (120, 160, 3)


@pytest.mark.slow  # a real propagation over 3 frames
def test_propagation_names_the_frame_it_stopped_at(
    tmp_path: Path, seeded_checkpoint: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = folder_with_a_truncated_jpeg(tmp_path / "seq")
    with open_frames(folder, background=False) as src:
        fingerprint = src.fingerprint
    path = tmp_path / "p.annotator"
    with create_project(path) as project:
        history = History(project)
        vid = history.execute(AddVideo(str(folder), fingerprint, 30, 160, 120, 6)).video_id
        track = history.execute(AddTrack(vid)).track_id
        blob = np.zeros((120, 160), bool)
        blob[40:80, 60:100] = True
        prompt = Prompt(points=((80.0, 60.0),), labels=(1,))
        history.execute(
            SetMask(vid, 0, track, Mask.from_array(blob), Provenance.PROMPTED, 3.0, prompt)
        )
    checkpoint = str(seeded_checkpoint("sam2.1_hiera_tiny"))
    args = ["propagate", str(path), "--model", checkpoint, "--image-size", "256"]
    assert main([*args, "--direction", "forward"]) == 1
    err = capsys.readouterr().err
    assert f"propagation stopped at frame {BAD}: {expected_message(folder)}" in err
    assert f"{expected_message(folder)} The 3 frames tracked before it are saved." in err
    with open_project(path) as project:
        assert project.frames_with_masks(vid) == [0, 1, 2]
