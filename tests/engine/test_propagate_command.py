"""`annotator propagate`: headless tracking of a project's keyframes into the project file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from annotator.cli import main
from annotator.domain import AddTrack, AddVideo, History, Mask, Prompt, Provenance, SetMask
from annotator.io.frames import open_frames
from annotator.io.sample_clip import write_sample_clip
from annotator.io.store import create_project, open_project


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_clip(tmp_path_factory.mktemp("clip") / "sample.mp4")


def make_project(path: Path, clip: Path, prompted: bool = True) -> tuple[int, int]:
    """A project over the clip with one object clicked on frame 5; (video id, track id)."""
    with open_frames(clip, background=False) as frames:
        n, h, w = len(frames), frames.height, frames.width
    with create_project(path) as project:
        history = History(project)
        vid = history.execute(AddVideo(str(clip), "fp", 24, w, h, n)).video_id
        track = history.execute(AddTrack(vid)).track_id
        if prompted:
            blob = np.zeros((h, w), bool)
            blob[150:210, 280:340] = True
            prompt = Prompt(points=((310.0, 180.0),), labels=(1,))
            history.execute(
                SetMask(vid, 5, track, Mask.from_array(blob), Provenance.PROMPTED, 3.0, prompt)
            )
    return vid, track


def test_propagate_writes_every_frame_of_the_range_and_keeps_the_keyframe(
    tmp_path: Path, clip: Path, seeded_checkpoint: Callable[..., Path]
) -> None:
    project_file = tmp_path / "p.annotator"
    vid, track = make_project(project_file, clip)
    with open_project(project_file) as project:
        keyframe = project.mask(vid, 5, track)
    args = ["propagate", str(project_file), "--model", str(seeded_checkpoint("sam2.1_hiera_tiny"))]
    assert main([*args, "--image-size", "256", "--frames", "2", "--direction", "both"]) == 0
    with open_project(project_file) as project:
        assert project.mask(vid, 5, track) == keyframe  # the user's own mask is untouched
        written = project.frames_with_masks(vid, track)
        assert set(written) <= {3, 4, 5, 6, 7} and len(written) >= 3
        for frame in written:
            rec = project.mask(vid, frame, track)
            assert rec.provenance is (Provenance.PROMPTED if frame == 5 else Provenance.PROPAGATED)
            assert rec.mask.size == keyframe.mask.size and rec.mask.area > 0


def test_propagate_explains_what_is_missing(
    tmp_path: Path,
    clip: Path,
    seeded_checkpoint: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    checkpoint = str(seeded_checkpoint("sam2.1_hiera_tiny"))
    bare, prompted = tmp_path / "bare.annotator", tmp_path / "prompted.annotator"
    make_project(bare, clip, prompted=False)
    vid, _ = make_project(prompted, clip)
    assert main(["propagate", str(bare), "--model", checkpoint]) == 1
    assert "no keyframes to propagate" in capsys.readouterr().err
    assert main(["propagate", str(prompted), "--model", str(tmp_path / "nothing.pt")]) == 1
    assert "not a checkpoint file or a known model" in capsys.readouterr().err
    assert main(["propagate", str(prompted), "--video", "99", "--model", checkpoint]) == 1
    assert "99" in capsys.readouterr().err
    assert main(["propagate", str(prompted), "--image-size", "100", "--model", checkpoint]) == 1
    assert "multiple of 32" in capsys.readouterr().err
    with open_project(prompted) as project:
        assert project.frames_with_masks(vid) == [5]  # nothing written by the failed runs


def test_replace_edits_tracks_over_a_hand_edit_and_keeps_the_click(
    tmp_path: Path, clip: Path, seeded_checkpoint: Callable[..., Path]
) -> None:
    project_file = tmp_path / "p.annotator"
    vid, track = make_project(project_file, clip)  # clicked on frame 5
    with open_project(project_file) as project:
        clicked = project.mask(vid, 5, track)
        edit = np.zeros((clicked.mask.size[0], clicked.mask.size[1]), bool)
        edit[20:60, 20:90] = True  # far from the clicked object
        History(project).execute(SetMask(vid, 7, track, Mask.from_array(edit), Provenance.EDITED))
    model = str(seeded_checkpoint("sam2.1_hiera_tiny"))
    args = ["propagate", str(project_file), "--model", model, "--image-size", "256"]
    args += ["--direction", "forward", "--frames", "3"]
    assert main(args) == 0  # by default the edit stays, and is tracked from
    with open_project(project_file) as project:
        kept = project.mask(vid, 7, track)
        assert kept.provenance is Provenance.EDITED and kept.mask == Mask.from_array(edit)
        steered = project.mask(vid, 8, track)
    assert main([*args, "--replace-edits"]) == 0
    with open_project(project_file) as project:
        assert project.mask(vid, 5, track) == clicked
        replaced = [project.mask(vid, f, track) for f in (7, 8)]
    assert replaced[0] is not None and replaced[0].provenance is Provenance.PROPAGATED
    unedited = tmp_path / "unedited.annotator"
    make_project(unedited, clip)
    assert main([*args[:1], str(unedited), *args[2:]]) == 0
    with open_project(unedited) as project:
        clicked_only = [project.mask(vid, f, track) for f in (7, 8)]
    # tracked from the click alone, exactly as if the edit had never been made
    assert [r.mask for r in replaced] == [r.mask for r in clicked_only]
    assert steered.mask != clicked_only[1].mask  # while the default run followed the edit
