"""A project's video records stay true to the files: the verified frame count replaces a
wrong container header, and a moved project finds its video beside it by fingerprint (never
reading a different file that now sits at the old path)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from annotator.cli import main
from annotator.domain import (
    AddCategory,
    AddTrack,
    AddVideo,
    History,
    Mask,
    Prompt,
    Provenance,
    SetMask,
    SetTrackCategory,
)
from annotator.io.frames import open_frames
from annotator.io.store import create_project, open_project
from annotator.io.video_link import locate_video, record_verified_count
from tests.io.frames_support import SHARED_VIDEOS, write_clip

HEADER = 289  # frames 01_dog.mp4's header lists


def project_over(path: Path, clip: Path, recorded_frames: int | None = None) -> int:
    """A project as the window makes it (the count it saw at opening), one categorised object
    clicked on frame 2; the video id."""
    with open_frames(clip, background=False) as src:
        info = (src.fingerprint, src.fps, src.width, src.height, len(src))
    fingerprint, fps, width, height, count = info
    with create_project(path) as project:
        history = History(project)
        vid = history.execute(
            AddVideo(str(clip), fingerprint, fps, width, height, recorded_frames or count)
        ).video_id
        track = history.execute(AddTrack(vid)).track_id
        category = history.execute(AddCategory("thing")).category_id
        history.execute(SetTrackCategory(track, category))
        blob = np.zeros((height, width), bool)
        blob[40:80, 50:100] = True
        prompt = Prompt(points=((75.0, 60.0),), labels=(1,))
        history.execute(
            SetMask(vid, 2, track, Mask.from_array(blob), Provenance.PROMPTED, 3.0, prompt)
        )
    return vid


@pytest.fixture(scope="module")
def truncated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first half of a real mp4: its header still says 289 frames, about 145 decode."""
    data = (SHARED_VIDEOS / "01_dog.mp4").read_bytes()
    path = tmp_path_factory.mktemp("cut") / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    with open_frames(path, background=False) as src:
        assert len(src) == HEADER and not src.count_verified  # what a window records at first
    return path


def decodable(path: Path) -> int:
    with open_frames(path, wait=True) as src:
        return len(src)


def test_export_records_the_verified_count_and_writes_every_real_frame(
    tmp_path: Path, truncated: Path
) -> None:
    path = tmp_path / "p.annotator"
    vid = project_over(path, truncated, recorded_frames=HEADER)
    real = decodable(truncated)
    assert 0 < real < HEADER
    out = tmp_path / "coco"
    assert main(["export", str(path), "--format", "coco", "--out", str(out)]) == 0
    data = json.loads((out / "annotations.json").read_text())
    assert len(data["images"]) == real and len(list(out.rglob("*.jpg"))) == real
    with open_project(path) as project:
        assert project.video(vid).num_frames == real


def test_the_window_api_corrects_the_record_when_verification_finishes(
    tmp_path: Path, truncated: Path
) -> None:
    path = tmp_path / "p.annotator"
    vid = project_over(path, truncated, recorded_frames=HEADER)
    with open_project(path) as project, open_frames(truncated, use_proxy_cache=False) as frames:
        if not frames.count_verified:
            assert record_verified_count(project, vid, frames).num_frames == HEADER
        assert frames.wait_ready(60)
        real = len(frames)
        assert record_verified_count(project, vid, frames).num_frames == real < HEADER
    with open_project(path) as project:  # on disk, so reopening sees it
        assert project.video(vid).num_frames == real


@pytest.mark.slow  # a real propagation over 3 frames
def test_propagate_no_longer_fails_on_the_header_count(
    tmp_path: Path, truncated: Path, seeded_checkpoint: Callable[..., Path]
) -> None:
    path = tmp_path / "p.annotator"
    vid = project_over(path, truncated, recorded_frames=HEADER)
    checkpoint = str(seeded_checkpoint("sam2.1_hiera_tiny"))
    args = ["propagate", str(path), "--model", checkpoint, "--image-size", "256"]
    assert main([*args, "--direction", "forward", "--frames", "2"]) == 0
    with open_project(path) as project:
        assert project.video(vid).num_frames == decodable(truncated)
        assert {2, 3, 4} <= set(project.frames_with_masks(vid))


def test_a_moved_project_finds_its_video_beside_it_and_never_reads_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    clip = write_clip(old / "clip.avi", n=12, fourcc="MJPG")
    assert clip is not None
    vid = project_over(old / "p.annotator", clip)
    shutil.move(old, new)
    old.mkdir()
    assert write_clip(old / "clip.avi", n=13, fourcc="MJPG") is not None  # another video there
    (new / "clip.avi").rename(new / "away.avi")
    out = tmp_path / "coco"
    export = ["export", str(new / "p.annotator"), "--format", "coco", "--out", str(out)]
    assert main(export) == 1  # only the other video can be found: it is not read
    err = capsys.readouterr().err
    assert f"{old / 'clip.avi'} is not the video this project was annotated on" in err
    assert not out.exists()
    (new / "away.avi").rename(new / "clip.avi")
    assert main(export) == 0
    with open_project(new / "p.annotator") as project:
        assert project.video(vid).path == str(new / "clip.avi")  # the fingerprint matched
    assert len(json.loads((out / "annotations.json").read_text())["images"]) == 12
    with open_project(new / "p.annotator", read_only=True) as project:
        assert locate_video(project, project.video(vid)) == new / "clip.avi"
