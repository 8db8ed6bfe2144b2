"""Exports into an existing folder: refused unless --overwrite, never mixed, never half-written."""

from __future__ import annotations

import json

import pytest

from annotator.io.formats import EXPORTERS
from annotator.io.formats.errors import ExportError
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.staging import MANIFEST
from annotator.io.formats.yolo import export_yolo

from .conftest import GeneratedFrames


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_a_second_export_into_the_same_folder_is_refused(project, tmp_path):
    out = tmp_path / "ds"
    export_yolo(project, out, ExportOptions(with_images=False))
    before = _files(out)
    with pytest.raises(ExportError, match="is not empty.*--overwrite"):
        export_yolo(project, out, ExportOptions(with_images=False, frames=((0, 1),)))
    assert _files(out) == before


def test_overwrite_replaces_the_earlier_export_entirely(project, tmp_path):
    out = tmp_path / "ds"
    export_yolo(project, out, ExportOptions(with_images=False, val_fraction=0.5, seed=1))
    opts = ExportOptions(with_images=False, frames=((0, 1),), overwrite=True, val_fraction=0.5)
    export_yolo(project, out, opts)
    labels = [f for f in _files(out) if f.startswith("labels/")]
    assert len(labels) == 4  # 2 frames of 2 videos: none of the 14 earlier label files remain
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["files"]) == [f for f in _files(out) if f != MANIFEST]
    assert not [p for p in tmp_path.iterdir() if p.name != "ds"]  # no temporary folder left


def test_an_export_made_before_the_manifest_lost_its_json_suffix_is_replaced(project, tmp_path):
    out = tmp_path / "ds"
    export_yolo(project, out, ExportOptions(with_images=False))
    (out / MANIFEST).rename(out / ".annotator-export.json")  # as exports wrote it before
    export_yolo(project, out, ExportOptions(with_images=False, overwrite=True))
    assert (out / MANIFEST).is_file() and not (out / ".annotator-export.json").exists()
    assert not [f for f in _files(out) if f.endswith(".json")]  # tools globbing *.json: labels


def test_overwrite_never_removes_files_it_did_not_write(project, tmp_path):
    out = tmp_path / "ds"
    export_yolo(project, out, ExportOptions(with_images=False))
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="notes.txt"):
        export_yolo(project, out, ExportOptions(with_images=False, overwrite=True))
    assert (out / "notes.txt").read_text() == "mine"
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "a.jpg").write_bytes(b"x")
    with pytest.raises(ExportError, match="no export manifest"):
        export_yolo(project, foreign, ExportOptions(with_images=False, overwrite=True))
    assert _files(foreign) == ["a.jpg"]


class _BrokenAt(GeneratedFrames):
    def __getitem__(self, i):
        if i == 3:
            raise OSError("disk read error")
        return super().__getitem__(i)


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_a_failed_export_leaves_nothing_behind(project, tmp_path, fmt):
    exporter, extra = EXPORTERS[fmt]
    kwargs = {k: v for k, v in extra.items() if k != "segmentation"}
    opts = ExportOptions(segmentation=extra.get("segmentation", "rle"))
    out = tmp_path / "ds"
    with pytest.raises(OSError, match="disk read error"):
        exporter(project, out, opts, _BrokenAt, **kwargs)
    assert list(tmp_path.iterdir()) == []
    export_yolo(project, out, ExportOptions(with_images=False))
    before = _files(out)
    with pytest.raises(OSError):
        exporter(project, out, ExportOptions(overwrite=True), _BrokenAt, **kwargs)
    assert _files(out) == before  # the earlier export is intact
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_the_finished_folder_has_ordinary_permissions(project, tmp_path):
    export_yolo(project, tmp_path / "ds", ExportOptions(with_images=False))
    made = tmp_path / "plain"
    made.mkdir()
    assert (tmp_path / "ds").stat().st_mode & 0o777 == made.stat().st_mode & 0o777
