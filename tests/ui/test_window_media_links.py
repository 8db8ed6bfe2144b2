"""The window keeps the project's video records true (issue 13, items 5 and 7): a wrong
frame count from a container header is corrected once decoding verified it, and a moved
project finds its video beside it but never reads a file with other content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.cli import build_parser
from annotator.commands.gui import GuiError, open_window
from annotator.io.frames import open_frames
from annotator.io.store import open_project

SHARED_VIDEOS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "videos"
HEADER = 289  # the frames 01_dog.mp4's header lists


def gui_args(*argv: str):
    return build_parser().parse_args(["gui", *argv])


@pytest.fixture(scope="module")
def truncated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first half of a real mp4: its header still says 289 frames, fewer decode."""
    data = (SHARED_VIDEOS / "01_dog.mp4").read_bytes()
    path = tmp_path_factory.mktemp("cut") / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


def test_the_window_corrects_a_header_frame_count_once_decoding_verified_it(
    qtbot, tmp_path: Path, truncated: Path
) -> None:
    with open_frames(truncated, wait=True) as src:
        decodable = len(src)
    assert decodable < HEADER
    project_file = tmp_path / "cut.annotator"
    window = open_window(gui_args(str(truncated), "--project", str(project_file)))
    qtbot.addWidget(window)
    window.show()
    assert window.project.videos[0].num_frames in (HEADER, decodable)  # the header at first
    qtbot.waitUntil(lambda: window.project.videos[0].num_frames == decodable, timeout=120_000)
    qtbot.waitUntil(lambda: window.timeline.num_frames == decodable, timeout=10_000)
    window.show_frame(HEADER)  # past the true end: clamped to the last real frame
    assert window.current_frame == decodable - 1
    window.shutdown()
    with open_project(project_file, read_only=True) as reopened:
        assert reopened.videos[0].num_frames == decodable


def test_a_moved_project_finds_its_video_beside_it_and_refuses_another_file(
    qtbot, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    clip = first / "clip.mp4"
    shutil.copy(SHARED_VIDEOS / "bedroom.mp4", clip)
    window = open_window(gui_args(str(clip), "--project", str(first / "clip.annotator")))
    window.shutdown()

    moved = tmp_path / "moved"
    first.rename(moved)  # project and video move together; the stored path is now stale
    window = open_window(gui_args("--project", str(moved / "clip.annotator")))
    qtbot.addWidget(window)
    assert Path(window.project.videos[0].path) == moved / "clip.mp4"  # the record follows
    window.shutdown()

    shutil.copy(SHARED_VIDEOS / "01_dog.mp4", moved / "clip.mp4")  # other content, same name
    with pytest.raises(GuiError, match="not the video this project was annotated on"):
        open_window(gui_args("--project", str(moved / "clip.annotator")))
