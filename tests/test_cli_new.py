"""`annotator new` and `annotator add`: projects made and extended without the window."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.io.media import media_kind
from annotator.io.store import open_project


@pytest.fixture()
def media(shared_dir: Path) -> Path:
    return shared_dir / "data"


def test_new_then_add_builds_a_project_of_a_video_and_a_photo_set(
    tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p.annotator"
    assert main(["new", str(project), str(media / "videos" / "bedroom.mp4")]) == 0
    out = capsys.readouterr().out
    assert "video 1: video" in out and "added 1 video" in out
    assert (
        main(["add", str(project), str(media / "images"), str(media / "videos" / "bedroom.mp4")])
        == 0
    )
    out = capsys.readouterr().out
    assert "added 3 photos" in out and "(already in the project)" in out
    with open_project(project) as opened:
        kinds = sorted(media_kind(v) for v in opened.videos)
        assert kinds == ["photo", "photo", "photo", "video"]


def test_new_and_add_explain_what_is_wrong_and_write_nothing(
    tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p.annotator"
    assert main(["new", str(project), str(tmp_path / "nothing.mp4")]) == 1
    assert "nothing.mp4 does not exist" in capsys.readouterr().err
    assert not project.exists()
    assert main(["new", str(project), str(media / "images" / "cars.jpg")]) == 0
    capsys.readouterr()
    assert main(["new", str(project), str(media / "images" / "cars.jpg")]) == 1
    assert "already exists; add media to it with `annotator add" in capsys.readouterr().err
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    assert main(["add", str(project), str(media / "images" / "truck.jpg"), str(junk)]) == 1
    assert "notes.txt" in capsys.readouterr().err
    with open_project(project):  # held open for writing (as by a window)
        assert main(["add", str(project), str(media / "images" / "truck.jpg")]) == 1
        err = capsys.readouterr().err
    assert err.startswith("annotator add: error:") and "p.annotator" in err
    with open_project(project) as opened:
        assert [Path(v.path).name for v in opened.videos] == ["cars.jpg"]
