"""Partly damaged project files open read-only with the readable rest; the rows that could not
be read are named; a healthy file on a read-only filesystem is called read-only, not damaged."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from annotator.cli import main
from annotator.domain import AddCategory, AddTrack, History, Mask, SetTrackCategory
from annotator.io.store import ReadOnlyProjectError, inspect_file, open_project
from annotator.io.store.lock import lock_path_for
from tests.io.test_store_refuse import digest, real_project

VID, TID = 1, 1  # real_project's video and track


def sql(path: Path, statement: str, params: tuple[object, ...] = ()) -> None:
    """Change the file behind the annotator's back, as damage would."""
    conn = sqlite3.connect(path)
    conn.execute(statement, params)
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def categorised_project(path: Path) -> Path:
    """real_project's masks, their object in a category (so exporters write them)."""
    real_project(path)
    with open_project(path) as project:
        history = History(project)
        category = history.execute(AddCategory("thing")).category_id
        history.execute(SetTrackCategory(TID, category))
    return path


def test_a_prompt_that_is_not_json_opens_the_rest_read_only(tmp_path: Path) -> None:
    path = real_project(tmp_path / "p.annotator")
    sql(path, "UPDATE masks SET prompt = '{\"points\": [[1,' WHERE frame = 5")
    before = digest(path)
    with open_project(path) as project:
        storage = project.storage
        assert [str(r) for r in storage.damaged_rows] == [  # type: ignore[attr-defined]
            "video 1 frame 5 object 1: its prompt is not valid JSON"
        ]
        assert project.mask(VID, 5, TID) is None
        assert project.mask(VID, 6, TID) is not None
        assert [r.frame for r in project.masks(VID)] == [f for f in range(60) if f != 5]
        assert not lock_path_for(path).exists()  # read-only: no lock to leave behind
        with pytest.raises(ReadOnlyProjectError) as refused:
            History(project).execute(AddTrack(VID))
    message = str(refused.value)
    assert message.startswith("p.annotator is partly damaged: 1 mask cannot be read (video 1")
    assert "opened read-only" in message and "frame 5" in message
    assert digest(path) == before


def test_a_mask_that_is_not_rle_is_named_and_the_coco_export_has_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = categorised_project(tmp_path / "p.annotator")
    sql(path, "UPDATE masks SET rle = X'FF00FE' WHERE frame = 7")
    out = tmp_path / "coco"
    assert main(["export", str(path), "--format", "coco", "--out", str(out), "--no-images"]) == 0
    err = capsys.readouterr().err
    assert "(video 1 frame 7 object 1: its mask is not COCO RLE)" in err
    assert "Traceback" not in err
    data = json.loads((out / "annotations.json").read_text())
    frames = sorted(a["image_id"] for a in data["annotations"])
    assert len(frames) == 59
    for ann in data["annotations"]:
        rle = ann["segmentation"]
        assert coco_mask.area(rle if isinstance(rle["counts"], str) else rle) > 0


def test_a_row_found_bad_when_read_turns_the_project_read_only(tmp_path: Path) -> None:
    path = real_project(tmp_path / "p.annotator")
    wrong = Mask.from_array(np.ones((10, 10), bool)).counts  # valid RLE, 100 pixels, not 19200
    sql(path, "UPDATE masks SET rle = ? WHERE frame = 3", (wrong,))
    with open_project(path) as project:  # the quick checks at opening pass
        assert not project.storage.read_only  # type: ignore[attr-defined]
        assert project.frame_masks(VID, 3) == [] and len(project.frame_masks(VID, 4)) == 1
        assert project.storage.read_only  # type: ignore[attr-defined]
        with pytest.raises(ReadOnlyProjectError, match="frame 3 object 1: its mask is not valid"):
            History(project).execute(AddTrack(VID))


def _damage_an_index(path: Path) -> None:
    """Put back the index pages of an older state: quick_check passes, the index lists a
    mask (frame 30) whose row is gone, and reading it through the index is 'malformed'."""
    before = path.read_bytes()
    conn = sqlite3.connect(path)
    roots = [r[0] for r in conn.execute("SELECT rootpage FROM sqlite_master WHERE type='index'")]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    sql(path, "DELETE FROM masks WHERE frame = 30")
    after = bytearray(path.read_bytes())
    for root in roots:
        start = (root - 1) * page
        after[start : start + page] = before[start : start + page]
    path.write_bytes(bytes(after))


def test_a_damaged_index_that_passes_quick_check_is_read_around(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = categorised_project(tmp_path / "p.annotator")
    _damage_an_index(path)
    assert inspect_file(path) == 1  # quick_check does not see it
    plain = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):
        plain.execute("SELECT * FROM masks WHERE video_id = 1 AND frame = 30").fetchall()
    plain.close()
    with open_project(path) as project:
        assert project.storage.read_only  # type: ignore[attr-defined]
        assert project.frame_masks(VID, 30) == [] and len(project.frame_masks(VID, 31)) == 1
        assert 30 not in project.frames_with_masks(VID)
        notice = project.storage.damage_notice  # type: ignore[attr-defined]
    assert "its index of masks is damaged" in notice and "opened read-only" in notice
    out = tmp_path / "coco"
    assert main(["export", str(path), "--format", "coco", "--out", str(out), "--no-images"]) == 0
    assert "index of masks is damaged" in capsys.readouterr().err


def test_propagate_refuses_a_damaged_project_naming_the_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = real_project(tmp_path / "p.annotator")
    sql(path, "UPDATE masks SET prompt = 'not json', provenance = 'prompted' WHERE frame = 5")
    assert main(["propagate", str(path), "--model", str(tmp_path / "none.pt")]) == 1
    err = capsys.readouterr().err
    assert "p.annotator is partly damaged" in err and "video 1 frame 5 object 1" in err
    assert "Traceback" not in err and not lock_path_for(path).exists()


READ_ONLY_CHILD = textwrap.dedent(
    """
    import json, sys
    from annotator.cli import main
    from annotator.io.store import open_project
    path = sys.argv[1]
    with open_project(path) as project:
        storage = project.storage
        result = {
            "read_only": storage.read_only,
            "reason": storage.read_only_reason,
            "masks": len(list(project.masks(1))),
        }
        try:
            project.set_view_state(project.view_state)
        except Exception as exc:
            result["write"] = f"{type(exc).__name__}: {exc}"
    result["export"] = main(["export", path, "--format", "coco", "--out", sys.argv[2],
                             "--no-images"])
    print(json.dumps(result))
    """
)


def test_a_healthy_project_on_a_read_only_filesystem_opens_read_only(tmp_path: Path) -> None:
    if not (shutil.which("unshare") and shutil.which("mount")):
        pytest.skip("needs unshare and mount to make a read-only filesystem")
    src, mnt = tmp_path / "src", tmp_path / "mnt"
    src.mkdir()
    mnt.mkdir()
    real_project(src / "p.annotator")
    root = Path(__file__).resolve().parents[2]
    script = (
        f"mount --bind {src} {mnt} && mount -o remount,bind,ro {mnt} && "
        f"{sys.executable} -c '{READ_ONLY_CHILD}' {mnt / 'p.annotator'} {tmp_path / 'out'}"
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=root
    )
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"cannot make a read-only filesystem here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["read_only"] and result["masks"] == 60 and result["export"] == 0
    reason = result["reason"]
    assert reason == (
        "p.annotator is on a read-only filesystem, so it was opened read-only: to edit it, "
        "copy it to a writable folder."
    )
    assert result["write"] == f"ReadOnlyProjectError: {reason}"
    assert "damaged" not in done.stderr and "restore" not in done.stderr
    assert sorted(p.name for p in src.iterdir()) == ["p.annotator"]
