"""`annotator gui`: project file location, model resolution, the window without a model,
and a project that keeps clicks across a close and reopen (engine replayed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.cli import build_parser
from annotator.commands.gui import (
    GuiError,
    default_project_path,
    open_window,
    resolve_model,
    sample_clip_path,
)
from annotator.domain import Provenance
from annotator.io.store import open_project
from annotator.service import Direction


def gui_args(*argv: str):
    return build_parser().parse_args(["gui", *argv])


def test_default_project_paths(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ANNOTATOR_DATA", str(tmp_path / "data"))
    assert default_project_path(None) == tmp_path / "data" / "sample.annotator"
    video = tmp_path / "clip.mp4"
    assert default_project_path(video) == tmp_path / "clip.mp4.annotator"
    assert default_project_path(tmp_path / "frames") == tmp_path / "frames.annotator"


def test_models_resolve_to_files_or_say_how_to_get_them(tmp_path: Path) -> None:
    checkpoint = tmp_path / "mine.pt"
    checkpoint.write_bytes(b"x")
    assert resolve_model(str(checkpoint)) == (str(checkpoint), "")
    source, why = resolve_model("sam2.1_hiera_tiny")  # the test cache holds no model
    assert source is None and "annotator models download sam2.1_hiera_tiny" in why
    source, why = resolve_model("no_such_model")
    assert source is None and "unknown model" in why


def test_without_a_model_the_window_scrubs_and_says_how_to_get_one(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ANNOTATOR_DATA", str(tmp_path / "data"))
    window = open_window(gui_args())  # the sample clip, its project in the data folder
    qtbot.addWidget(window)
    try:
        window.show()
        assert window.bridge is None
        message = window.statusBar().currentMessage()
        assert "annotator models download sam2.1_hiera_tiny" in message
        window.show_frame(10)
        qtbot.waitUntil(lambda: window.shown_exact, timeout=10_000)
        pos = window.canvas.frame_to_widget(100, 100).toPoint()
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
        assert window.project.tracks() == []  # nothing to answer a click
        assert "models download" in window.statusBar().currentMessage()
    finally:
        window.shutdown()
    with open_project(tmp_path / "data" / "sample.annotator") as project:  # lock released
        (video,) = project.videos
        assert video.num_frames == window.timeline.num_frames
        assert project.view_state.frame == 10


def test_a_bad_video_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("not a video")
    with pytest.raises(GuiError, match="Cannot open"):
        open_window(gui_args(str(bogus), "--project", str(tmp_path / "p.annotator")))
    assert not (tmp_path / "p.annotator").exists()


@pytest.mark.slow
def test_clicks_survive_a_reopen_and_the_engine_gets_them_back(
    qtbot, tmp_path: Path, tiny_checkpoint: Path
) -> None:
    project_file = tmp_path / "sample.annotator"
    argv = ("--project", str(project_file), "--model", str(tiny_checkpoint), "--image-size", "256")
    video = str(sample_clip_path())
    window = open_window(gui_args(video, *argv))
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitUntil(lambda: window.controller.engine_ready, timeout=120_000)
        window.show_frame(5)
        pos = window.canvas.frame_to_widget(150.0, 250.0).toPoint()
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
        (track,) = window.project.tracks()
        qtbot.waitUntil(lambda: window.project.mask(1, 5, track.id) is not None, timeout=60_000)
    finally:
        window.shutdown()
    assert window.bridge is not None and not window.bridge.service.thread.is_alive()

    window = open_window(gui_args(video, *argv))
    qtbot.addWidget(window)
    try:
        window.show()
        assert window.current_frame == 5  # "where was I"
        assert window.timeline.lanes[0].keyframes[5]
        qtbot.waitUntil(lambda: window.controller.engine_ready, timeout=120_000)
        # the stored click was replayed to the engine, so tracking starts from it
        with qtbot.waitSignal(window.propagation.finished, timeout=120_000) as done:
            assert window.propagation.propagate(Direction.FORWARD, max_frames=2)
        assert done.args[0].frames == (5, 6, 7)  # type: ignore[union-attr]
        assert window.project.frames_with_masks(1, track.id) == [5, 6, 7]
        record = window.project.mask(1, 5, track.id)
        assert record is not None and record.provenance is Provenance.PROMPTED
    finally:
        window.shutdown()


def test_a_file_that_is_not_a_checkpoint_leaves_a_scrubbing_window(qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"this is not a checkpoint")
    video = str(sample_clip_path())
    window = open_window(
        gui_args(video, "--project", str(tmp_path / "p.annotator"), "--model", str(bad))
    )
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitUntil(
            lambda: "could not be used" in window.statusBar().currentMessage(), timeout=60_000
        )
        assert not window.controller.engine_ready
        pos = window.canvas.frame_to_widget(100, 100).toPoint()
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
        assert window.project.tracks() == []
    finally:
        window.shutdown()
